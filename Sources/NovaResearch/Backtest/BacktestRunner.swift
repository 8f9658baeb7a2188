import Foundation
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaStorage
import NovaVenue

/// Runs one backtest end to end: config, data, engine replay, metrics, storage, reports.
///
/// The run is recorded as `running` before the replay starts and as `completed` (with its
/// trades, equity and results, in one transaction) only once everything succeeded; any error
/// after that point marks it `failed` with the message, so a stored success is never partial.
public struct BacktestRunner {
    public struct Outcome: Sendable {
        public var runID: String
        public var metrics: RunMetrics
        public var trades: [Trade]
        public var equityTimestampMs: [Int64]
        public var equity: [Double]
        public var notes: [String]
        public var reportDirectory: String
        public var config: NovaPulseConfig
        public var engineCash: Double
        public var venueCash: Double
        public var execution: ExecutionSummary
        public var executionLegs: [ExecutionLeg]
        /// Spans in which the edge gates refused every entry, and their share of the window.
        public var halts: [Halt] = []
        public var haltedShare = 0.0
        /// Bars replayed for each pair, in the request's order (`metrics.bars` counts the
        /// run's distinct times: one per minute however many pairs trade in it).
        public var barsPerPair: [Int] = []
    }

    /// Called now and then with (bars replayed, bars in all).
    public typealias Progress = BarReplay.Progress

    public let request: BacktestRequest
    public init(request: BacktestRequest) { self.request = request }

    /// Runs the backtest and stores it.
    public func run(progress: Progress? = nil) throws -> Outcome {
        var phases = PhaseTimes()
        defer { phases.report() }
        let config = try effectiveConfig()
        try request.paths.checkReportsDirectory()
        var notes: [String] = []
        let data = try loadData(config: config, notes: &notes)
        if try baselineRunsAllIn(strategy: config.backtest.strategy) {
            notes.append("baseline \(config.backtest.strategy): all-in (all the cash, fee included), no risk manager or gates, as other tools "
                         + "run it; --sizing fixed-fractional puts it through the risk manager")
        }
        phases.mark("load bars")
        let store = try ResultsStore(path: request.paths.databasePath)
        let host = ProcessInfo.processInfo.hostName
        try? store.recoverInterruptedRuns(host: host, isAlive: { kill(pid_t($0), 0) == 0 })

        let runID = Self.newRunID()
        let configJSON = ConfigLoader.canonicalJSON(config)
        let fingerprints = Dictionary(uniqueKeysWithValues: data.map { ($0.1.pair.description, $0.1.fingerprint) })
        let window = ["from": request.fromMs.map(UTCTime.iso) ?? "", "to": request.toMs.map(UTCTime.iso) ?? ""]
        let (storedConfigJSON, configHash) = try Self.storedConfig(config, pairs: request.pairs, window: window,
                                                                   data: data.map { ($0.1, $0.0.count) })
        try store.beginRun(BacktestRunRecord(
            runID: runID, startedAt: UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000)), config: storedConfigJSON,
            pairs: request.pairs.map(\.description).joined(separator: ","), exchange: config.backtest.exchange.rawValue,
            strategy: config.backtest.strategy, configHash: configHash,
            dataFingerprint: data.map(\.1.fingerprint).joined(separator: ","), host: host, pid: Int(getpid())))

        do {
            let books = try loadBooks(data: data, config: config, notes: &notes)
            let tapes = config.simulator.fillModel == "book" ? try loadTrades(data: data, notes: &notes) : data.map { _ in nil }
            // The decisions are encoded into the store's blocks as they settle and stored at once:
            // memory holds the blocks being encoded, not the run's decisions.
            let recorder = SignalRecorder(runID: runID, store: store)
            phases.mark("books, tapes, begin")
            let sim = try Self.simulate(config: config, series: data.map(\.0), pairs: request.pairs, books: books, tapes: tapes, progress: progress,
                                        signalSink: recorder.take)
            phases.mark("replay and metrics")
            if let failure = recorder.failure { throw failure }
            if recorder.count != sim.replay.signalCount {
                notes.append("\(sim.replay.signalCount - recorder.count) decisions were not recorded (a defect: please report it)")
            }
            let (replay, metrics, benchmark) = (sim.replay, sim.metrics, sim.benchmark)
            if let w = SampleSize.warning(trades: metrics.trades, bars: metrics.bars) { notes.append(w) }
            if let from = config.backtest.tradeFromMs { notes.append(Self.tradeFromNote(from, series: data.map(\.0))) }
            // Halts first: they are what a reader of a flat equity line needs to know.
            notes += replay.halts.map(RunHalts.describe)
            let haltedShare = RunHalts.share(replay.halts, firstMs: replay.equityTimestampMs.first ?? 0, lastMs: replay.equityTimestampMs.last ?? 0)
            if !replay.halts.isEmpty {
                notes.append(String(format: "halted %.1f%% of the window; %d refused entries were paper-tracked as shadow trades (%d closed)",
                                    haltedShare * 100, replay.shadowTrades.opened, replay.shadowTrades.closed))
            }
            notes += Self.simulatorNotes(replay.simulator, config: config)
            // Every run checks its money: the engine's books against the venue's, margin fees included.
            if abs(replay.engineCash - replay.venueCash) >= 0.01 {
                notes.append(String(format: "MONEY DOES NOT RECONCILE: engine cash %.2f, simulated venue cash %.2f (a defect: please report it)",
                                    replay.engineCash, replay.venueCash))
            }
            notes += replay.notes.map { "\(UTCTime.iso($0.timestampMs)) \($0.pair): \($0.message)" }
            notes += replay.droppedNotes
            if replay.unrecordedEvaluations > 0 {
                notes.append("\(replay.unrecordedEvaluations) evaluations had 2 agreeing strategies but fewer than min_confluence "
                    + "(\(config.confluence.minConfluence)): counted, not stored one by one (novapulse signals exports every bar)")
            }
            // Repeats folded into one line each: the report, the terminal and the results say the same.
            notes = NoteGroups.group(notes)
            let reportDir = (request.paths.reportsDirectory as NSString).appendingPathComponent(runID)
            let title = Self.title(strategy: config.backtest.strategy, pairs: request.pairs.map(\.description),
                                   exchange: config.backtest.exchange.rawValue, timeframe: config.backtest.timeframe.description)
            var artifacts = RunArtifacts(
                runID: runID, title: title, metrics: metrics, trades: replay.trades, equityTimestampMs: replay.equityTimestampMs,
                equity: replay.equity, benchmark: benchmark,
                prices: zip(request.pairs, data).map { RunArtifacts.PriceSeries(pair: $0, timestampMs: $1.0.timestampMs, close: $1.0.close) },
                signalSummary: recorder.summary, notes: notes, configJSON: configJSON, fingerprints: fingerprints)
            let legs = ExecutionQuality.legs(trades: replay.trades, pairs: request.pairs, books: books,
                                             marketDataLatencyMs: Int64(config.simulator.marketDataLatencyMs))
            var execution = ExecutionQuality.summary(legs, trades: replay.trades)
            execution.fillModel = config.simulator.fillModel
            execution.latencyMs = config.simulator.latencyMs
            execution.faults = config.simulator.faults
            execution.simulator = replay.simulator
            artifacts.execution = execution
            artifacts.halts = replay.halts
            // The report is written beside its final place and moved there only once the run is
            // committed: a run killed in between leaves no complete-looking report of a run the
            // store calls interrupted (the staging folder is removed by a later run).
            let staging = reportDir + ReportWriter.stagingSuffix + "\(getpid())"
            ReportWriter.settleStaleStaging(in: request.paths.reportsDirectory) { (try? store.run($0))?.status == "completed" }
            phases.mark("notes, execution quality")
            // The report is made on other threads while the store's rows are built and inserted
            // (a trade-heavy run spends about as long on each), and the transaction commits only
            // once the report is written: a report that fails leaves the run uncommitted.
            let report = DispatchGroup(), reportFailure = FirstError()
            let finished = artifacts
            DispatchQueue.global().async(group: report) {
                do { try ReportWriter.write(finished, to: staging) } catch { reportFailure.record(WriteFailure(path: reportDir, error: error)) }
            }
            defer {
                report.wait()
                try? FileManager.default.removeItem(atPath: staging)   // also when writing it fails
            }
            let results = try Self.resultsJSON(metrics: metrics, notes: notes, execution: execution, halts: replay.halts, haltedShare: haltedShare)
            let records = replay.trades.enumerated().map { Self.record(runID: runID, seq: $0.offset + 1, trade: $0.element) }
            let thoughts = Self.thoughts(replay, refused: recorder.refusedEntries)
            let executionRecords = ExecutionQuality.records(runID: runID, legs)
            phases.mark("store records (report on other threads)")
            try store.finishRun(runID: runID, completedAt: UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000)), results: results,
                                trades: records, equity: zip(replay.equityTimestampMs, replay.equity).map { ($0, $1) },
                                thoughts: thoughts, execution: executionRecords,
                                signalBlocks: recorder.blocks, decisions: recorder.decisions,
                                beforeCommit: {
                                    report.wait()
                                    if let failure = reportFailure.first { throw failure }
                                })
            phases.mark("store write and report")
            try? FileManager.default.removeItem(atPath: reportDir)
            if rename(staging, reportDir) != 0 {
                // The run is stored; a report that cannot be moved is written in place instead.
                try? ReportWriter.write(artifacts, to: reportDir)
            }
            phases.mark("report move")
            return Outcome(runID: runID, metrics: metrics, trades: replay.trades, equityTimestampMs: replay.equityTimestampMs,
                           equity: replay.equity, notes: notes, reportDirectory: reportDir, config: config,
                           engineCash: replay.engineCash, venueCash: replay.venueCash, execution: execution, executionLegs: legs,
                           halts: replay.halts, haltedShare: haltedShare, barsPerPair: data.map(\.0.count))
        } catch {
            try? store.markRunFailed(runID: runID, error: "\(error)", at: UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000)))
            throw error
        }
    }

    /// What one simulation produced: the replay (trades tagged with their entry regime), its
    /// metrics and the buy-and-hold benchmark on the same timestamps.
    struct Simulation: Sendable {
        var replay: ReplayResult
        var metrics: RunMetrics
        var benchmark: [Double]
    }

    /// Replays `series` through the engine with `config` and computes the metrics: the part of a
    /// backtest that the optimizer repeats for every trial (no storage, no reports).
    /// `signalSink`: where the decisions go as they settle (the run's recorder); nil keeps
    /// them in the replay's result.
    static func simulate(config: NovaPulseConfig, series: [BarSeries], pairs: [Pair], books: [OrderBookSeries?], tapes: [TradeTape?],
                         progress: Progress? = nil, signalSink: (([SignalEvent]) -> Void)? = nil) throws -> Simulation {
        var replay = try ReplayVisitor(config: config, series: series, books: books, tapes: tapes, pairs: pairs, progress: progress, signalSink: signalSink)
            .replay(strategy: config.backtest.strategy, params: StrategyParams(keltner: config.strategies.keltner, smaCross: config.strategies.smaCross,
                                                                               confluence: config.confluenceStrategy))
        annotateRegimes(&replay.trades, series: series, pairs: pairs, config: config.regime)
        var lastClose: [Pair: Double] = [:]
        for (i, s) in series.enumerated() { lastClose[pairs[i]] = s.close.last! }
        let benchmark = buyAndHoldEquity(series: series, at: replay.equityTimestampMs, cash: config.backtest.initialCash)
        let metrics = RunMetrics.compute(initialCash: config.backtest.initialCash, trades: replay.trades,
                                         equityTimestampMs: replay.equityTimestampMs, equity: replay.equity,
                                         timeframe: config.backtest.timeframe, lastClose: lastClose,
                                         buyAndHoldEquity: benchmark, tradedNotional: replay.tradedNotional)
        return Simulation(replay: replay, metrics: metrics, benchmark: benchmark)
    }

    /// What `backtest.trade_from` did: how many bars only warmed the stack.
    static func tradeFromNote(_ from: Int64, series: [BarSeries]) -> String {
        let warm = series.reduce(0) { n, s in n + s.timestampMs.prefix { $0 < from }.count }
        let total = series.reduce(0) { $0 + $1.count }
        if warm == total { return "backtest.trade_from \(UTCTime.iso(from)) is after the last bar: no entry could open" }
        return "entries open at backtest.trade_from \(UTCTime.iso(from)): the \(warm) bar\(warm == 1 ? "" : "s") before it only warmed the stack"
    }
}
