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
    }

    /// Called now and then with (bars replayed, bars in all).
    public typealias Progress = (Int, Int) -> Void

    public let request: BacktestRequest
    public init(request: BacktestRequest) { self.request = request }

    /// Resolves the effective configuration: file, then `--param`, then flags.
    public func effectiveConfig() throws -> NovaPulseConfig {
        let preliminary = try ConfigLoader.load(path: request.configPath)
        let strategy = request.strategy ?? preliminary.backtest.strategy
        guard StrategyCatalog.names.contains(strategy) else {
            throw ConfigError.badValue(keyPath: "--strategy", value: "'\(strategy)'", expected: "one of \(StrategyCatalog.names.joined(separator: ", "))", source: "command line")
        }
        var config = try ConfigLoader.load(path: request.configPath, params: request.params, strategy: strategy)
        config.backtest.strategy = strategy
        if let e = request.exchange { config.backtest.exchange = e }
        if let t = request.timeframe { config.backtest.timeframe = t }
        if let c = request.cash { config.backtest.initialCash = c }
        if let s = request.sizing { config.backtest.sizing = s }
        if request.closeAtEnd { config.backtest.closeAtEnd = true }
        if let m = request.fillModel { config.simulator.fillModel = m }
        if let l = request.latencyMs { config.simulator.latencyMs = l }
        if let s = request.seed { config.simulator.seed = s }
        if let f = request.faults { config.simulator.faults = f }
        if let fee = request.fee {
            let flat = NovaPulseConfig.VenuesSection.Fees(makerFee: fee, takerFee: fee, volumeTiers: false)
            config.venues.kraken = flat
            config.venues.coinbase = flat
        }
        try ConfigValidator.validate(config, source: "command line")
        Self.applyRiskFloors(&config)
        return config
    }

    /// The seed's SL/TP floors apply to the strategies' stops.
    static func applyRiskFloors(_ config: inout NovaPulseConfig) {
        config.strategies.keltner.slFloorPct = config.risk.stopLossFloorPct
        config.strategies.keltner.tpFloorPct = config.risk.takeProfitFloorPct
    }

    /// A run's `config` column (the effective config, its hash, pairs, window, data and any
    /// `extra` keys, as sorted JSON) and the hash of the effective config.
    static func storedConfig(_ config: NovaPulseConfig, pairs: [Pair], window: [String: String],
                             data: [(info: DatasetInfo, rows: Int)], extra: [String: Any] = [:]) throws -> (json: String, configHash: String) {
        let configJSON = ConfigLoader.canonicalJSON(config)
        let configHash = SHA256.hex(of: Array(configJSON.utf8))
        var stored: [String: Any] = [
            "config": (try? JSONSerialization.jsonObject(with: Data(configJSON.utf8))) ?? [:],
            "config_hash": configHash,
            "pairs": pairs.map(\.description),
            "window": window,
            "data": data.map { ["pair": $0.info.pair.description, "exchange": $0.info.exchange.rawValue, "timeframe": $0.info.timeframe.description,
                                "fingerprint": $0.info.fingerprint, "source": $0.info.sourcePath, "rows": $0.rows] as [String: Any] },
        ]
        stored.merge(extra) { $1 }
        return (String(decoding: try JSONSerialization.data(withJSONObject: stored, options: [.sortedKeys]), as: UTF8.self), configHash)
    }

    /// Loads each pair's bars from the catalog (importing a bundled sample if the catalog lacks
    /// it) and cuts them to the requested window.
    public func loadData(config: NovaPulseConfig, notes: inout [String]) throws -> [(BarSeries, DatasetInfo)] {
        let catalog = DatasetCatalog(dataDirectory: request.paths.dataDirectory)
        var out: [(BarSeries, DatasetInfo)] = []
        for pair in request.pairs {
            let (exchange, timeframe) = (config.backtest.exchange, config.backtest.timeframe)
            let loaded: (BarSeries, DatasetInfo)
            do {
                loaded = try catalog.loadBars(pair: pair, exchange: exchange, timeframe: timeframe)
            } catch MarketDataError.noDataset(let p, let e, let t, let hint) {
                guard let note = try BundledSamples.importIfAvailable(pair: pair, exchange: exchange, timeframe: timeframe,
                                                                      datasetsDirectory: request.paths.bundledDatasetsDirectory,
                                                                      catalog: catalog) else {
                    throw MarketDataError.noDataset(pair: p, exchange: e, timeframe: t, hint: hint)
                }
                notes.append(note)
                loaded = try catalog.loadBars(pair: pair, exchange: exchange, timeframe: timeframe)
            }
            let range = loaded.0.indices(fromMs: request.fromMs, toMs: request.toMs)
            guard range.count >= 2 else {
                let window = "\(request.fromMs.map(UTCTime.iso) ?? "start") to \(request.toMs.map(UTCTime.iso) ?? "end")"
                throw MarketDataError.usage("no \(pair) bars between \(window): the data covers \(UTCTime.iso(loaded.1.firstMs)) to \(UTCTime.iso(loaded.1.lastMs)); adjust --from/--to")
            }
            if loaded.1.gapCount > 0 {
                notes.append("\(pair): the data has \(loaded.1.gapCount) gap\(loaded.1.gapCount == 1 ? "" : "s") (\(loaded.1.missingBars) missing bars, largest \(loaded.1.largestGapBars)); "
                    + "no bars are fabricated: orders wait for the next real bar")
            }
            out.append((range.count == loaded.0.count ? loaded.0 : loaded.0.slice(range), loaded.1))
        }
        return out
    }

    /// Runs the backtest and stores it.
    public func run(progress: Progress? = nil) throws -> Outcome {
        let config = try effectiveConfig()
        var notes: [String] = []
        let data = try loadData(config: config, notes: &notes)
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
            let sim = try Self.simulate(config: config, series: data.map(\.0), pairs: request.pairs, books: books, tapes: tapes, progress: progress)
            let (replay, metrics, benchmark) = (sim.replay, sim.metrics, sim.benchmark)
            notes += Self.simulatorNotes(replay.simulator, config: config)
            notes += replay.notes.map { "\(UTCTime.iso($0.timestampMs)) \($0.pair): \($0.message)" }
            if replay.unrecordedEvaluations > 0 {
                notes.append("\(replay.unrecordedEvaluations) evaluations had 2 agreeing strategies but fewer than min_confluence "
                    + "(\(config.confluence.minConfluence)): counted, not stored one by one (novapulse signals exports every bar)")
            }
            let reportDir = (request.paths.reportsDirectory as NSString).appendingPathComponent(runID)
            let title = Self.title(strategy: config.backtest.strategy, pairs: request.pairs.map(\.description),
                                   exchange: config.backtest.exchange.rawValue, timeframe: config.backtest.timeframe.description)
            var artifacts = RunArtifacts(
                runID: runID, title: title, metrics: metrics, trades: replay.trades, equityTimestampMs: replay.equityTimestampMs,
                equity: replay.equity, benchmark: benchmark,
                prices: zip(request.pairs, data).map { RunArtifacts.PriceSeries(pair: $0, timestampMs: $1.0.timestampMs, close: $1.0.close) },
                signals: replay.signals, notes: notes, configJSON: configJSON, fingerprints: fingerprints)
            let legs = ExecutionQuality.legs(trades: replay.trades, pairs: request.pairs, books: books,
                                             marketDataLatencyMs: Int64(config.simulator.marketDataLatencyMs))
            var execution = ExecutionQuality.summary(legs, trades: replay.trades)
            execution.fillModel = config.simulator.fillModel
            execution.latencyMs = config.simulator.latencyMs
            execution.faults = config.simulator.faults
            execution.simulator = replay.simulator
            artifacts.execution = execution
            try ReportWriter.write(artifacts, to: reportDir)
            let results = try Self.resultsJSON(metrics: metrics, notes: notes, execution: execution)
            let records = replay.trades.enumerated().map { Self.record(runID: runID, seq: $0.offset + 1, trade: $0.element) }
            let signalRecords = replay.signals.enumerated().map { i, s in
                RunSignalRecord(runID: runID, seq: i + 1, timestamp: UTCTime.iso(s.timestampMs), pair: s.pair.description, strategy: s.strategy,
                                action: s.action.rawValue, strength: s.strength, actedUpon: s.actedUpon, reason: s.reason, rejection: s.rejection,
                                metadata: s.confluence?.json(compact: !s.actedUpon), direction: s.direction, confluenceCount: s.confluence?.confluenceCount ?? 1,
                                confidence: s.confluence?.confidence)
            }
            try store.finishRun(runID: runID, completedAt: UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000)), results: results,
                                trades: records, equity: zip(replay.equityTimestampMs, replay.equity).map { ($0, $1) }, signals: signalRecords,
                                thoughts: Self.thoughts(replay), execution: ExecutionQuality.records(runID: runID, legs))
            return Outcome(runID: runID, metrics: metrics, trades: replay.trades, equityTimestampMs: replay.equityTimestampMs,
                           equity: replay.equity, notes: notes, reportDirectory: reportDir, config: config,
                           engineCash: replay.engineCash, venueCash: replay.venueCash, execution: execution, executionLegs: legs)
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
    static func simulate(config: NovaPulseConfig, series: [BarSeries], pairs: [Pair], books: [OrderBookSeries?], tapes: [TradeTape?],
                         progress: Progress? = nil) throws -> Simulation {
        var replay = try StrategyCatalog.visit(config.backtest.strategy, params: StrategyParams(keltner: config.strategies.keltner, smaCross: config.strategies.smaCross,
                                                                     confluence: config.confluenceStrategy),
                                               ReplayVisitor(config: config, series: series, books: books, tapes: tapes,
                                                             pairs: pairs, progress: progress))
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

    /// Each pair's imported order-book snapshots when they overlap the bars, else nil (noted).
    /// The book fill model needs them: without snapshots in the window it stops with an error
    /// that says what the catalog holds and how to import more.
    func loadBooks(data: [(BarSeries, DatasetInfo)], config: NovaPulseConfig, notes: inout [String]) throws -> [OrderBookSeries?] {
        let catalog = DatasetCatalog(dataDirectory: request.paths.dataDirectory)
        let needBook = config.simulator.fillModel == "book"
        return try data.map { bars, info in
            let first = bars.timestampMs.first!, last = bars.timestampMs.last!
            let window = "\(UTCTime.iso(first)) to \(UTCTime.iso(last + info.timeframe.milliseconds))"
            let loaded: (OrderBookSeries, DatasetInfo)
            do {
                loaded = try catalog.loadBook(pair: info.pair, exchange: info.exchange)
            } catch MarketDataError.noDataset(let p, let e, _, let hint) {
                guard needBook else { return nil }
                throw MarketDataError.noDataset(pair: p, exchange: e, timeframe: "order-book",
                                                hint: "--fill-model book replays order-book snapshots and there are none for \(p) on \(e); " + hint)
            }
            let (book, bookInfo) = loaded
            guard bookInfo.lastMs >= first, bookInfo.firstMs <= last + info.timeframe.milliseconds else {
                guard needBook else { return nil }
                throw MarketDataError.usage("--fill-model book: no \(info.pair) order-book snapshots between \(window); the imported book covers "
                    + "\(UTCTime.iso(bookInfo.firstMs)) to \(UTCTime.iso(bookInfo.lastMs)). Choose --from/--to inside it, import a book for this "
                    + "period, or use --fill-model candle")
            }
            let inside = book.timestampMs.filter { $0 >= first && $0 <= last + info.timeframe.milliseconds }.count
            notes.append("\(info.pair): replaying \(inside) order-book snapshots alongside the bars"
                + (needBook ? " (book fill model: fills walk these books)" : " (OBI, book score, spread check)"))
            return book
        }
    }

    /// Each pair's imported trades (the book model's queue positions and stop triggers), or nil.
    func loadTrades(data: [(BarSeries, DatasetInfo)], notes: inout [String]) throws -> [TradeTape?] {
        let catalog = DatasetCatalog(dataDirectory: request.paths.dataDirectory)
        return try data.map { _, info in
            guard let (tape, _) = try catalog.loadTrades(pair: info.pair, exchange: info.exchange) else {
                notes.append("\(info.pair): no imported trades: resting limit orders fill only when the book trades through them, stops trigger on the touch")
                return nil
            }
            return tape
        }
    }

    /// What the simulated venue reports, as notes of the run.
    static func simulatorNotes(_ s: SimulatorStats, config: NovaPulseConfig) -> [String] {
        var out: [String] = []
        let m = config.simulator
        let cap = m.fillModel == "book" ? "book depth (bars without a book: volume cap \(m.participation * 100)%)"
            : m.participation > 0 ? "volume cap \(m.participation * 100)% of each bar" : "no volume cap"
        out.append("simulator: \(m.fillModel) fills, latency \(m.latencyMs) ms, \(cap), "
            + "faults \(m.faults) (seed \(m.seed)): \(s.ordersReceived) orders, \(s.fills) fills, \(s.partialFills) partial")
        if !s.faultsInjected.isEmpty {
            out.append("simulator: injected faults " + s.faultsInjected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !s.rejects.isEmpty {
            out.append("simulator: rejects " + s.rejects.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if m.fillModel == "book" {
            out.append("simulator: \(s.barsMatchedOnBook) bars matched on \(s.bookUpdates) book snapshots, \(s.barsMatchedOnCandles) bars without a book matched on candles")
        }
        return out
    }

    /// The run's decision feed for the seed's `thought_log`: each entry the risk manager or the
    /// venue refused (category risk, warning), each trade opened and closed (category trade).
    static func thoughts(_ replay: ReplayResult) -> [ThoughtRecord] {
        var out: [(Int64, ThoughtRecord)] = []
        for s in replay.signals where s.action == .enterLong && !s.actedUpon {
            out.append((s.timestampMs, ThoughtRecord(timestamp: UTCTime.iso(s.timestampMs), category: "risk",
                                                     message: "\(s.pair) entry refused: \(s.rejection ?? "-")", severity: "warning",
                                                     extraJSON: ",\"pair\":\"\(s.pair)\"")))
        }
        for t in replay.trades {
            out.append((t.entryTimeMs, ThoughtRecord(timestamp: UTCTime.iso(t.entryTimeMs), category: "trade",
                                                     message: "\(t.tradeID) opened: long \(t.quantity) \(t.pair) at \(t.entryPrice) (\(t.entryReason))",
                                                     severity: "info", extraJSON: ",\"trade_id\":\"\(t.tradeID)\"")))
            if let x = t.exitTimeMs, let p = t.exitPrice, let pnl = t.pnl {
                out.append((x, ThoughtRecord(timestamp: UTCTime.iso(x), category: "trade",
                                             message: "\(t.tradeID) closed at \(p) (\(t.exitReason ?? "")): P&L \(String(format: "%.2f", pnl))",
                                             severity: "info", extraJSON: ",\"trade_id\":\"\(t.tradeID)\"")))
            }
        }
        return out.enumerated().sorted { $0.element.0 != $1.element.0 ? $0.element.0 < $1.element.0 : $0.offset < $1.offset }.map { $0.element.1 }
    }

    static func title(strategy: String, pairs: [String], exchange: String, timeframe: String) -> String {
        "\(strategy) on \(pairs.joined(separator: ", ")) · \(exchange) \(timeframe)"
    }

    /// The `results` JSON: the metrics, plus the run's notes. Written with JSONEncoder, whose
    /// numbers round-trip exactly (Foundation's JSONSerialization on Linux drops the last digit).
    static func resultsJSON(metrics: RunMetrics, notes: [String], execution: ExecutionSummary? = nil) throws -> String {
        struct Stored: Encodable {
            var metrics: RunMetrics
            var notes: [String]
            var execution: ExecutionSummary?
            enum Key: String, CodingKey { case notes, execution }
            func encode(to encoder: any Encoder) throws {
                try metrics.encode(to: encoder)
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(notes, forKey: .notes)
                try c.encodeIfPresent(execution, forKey: .execution)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(Stored(metrics: metrics, notes: notes, execution: execution)), as: UTF8.self)
    }

    /// Tags each trade with the regime on its entry's decision bar (the bar before the fill),
    /// running the streaming detector once over each pair and reading it at those bars only.
    static func annotateRegimes(_ trades: inout [Trade], series: [BarSeries], pairs: [Pair], config: RegimeDetector.Config) {
        for (p, bars) in series.enumerated() {
            var wanted: [(bar: Int, trade: Int)] = []
            for (k, t) in trades.enumerated() where t.pair == pairs[p] {
                let i = bars.lowerBound(t.entryTimeMs) - 1
                if i >= 0 { wanted.append((i, k)) }
            }
            guard !wanted.isEmpty else { continue }
            wanted.sort { $0.bar < $1.bar }
            var detector = RegimeDetector(config: config)
            var next = 0
            for i in 0...wanted.last!.bar {
                detector.update(open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i])
                while next < wanted.count && wanted[next].bar == i {
                    if let r = detector.regime {
                        trades[wanted[next].trade].entryRegime = RegimeTag(trend: r.trend, volatility: r.volatility,
                                                                           volLevel: r.volLevel, volExpanding: r.volExpanding)
                    }
                    next += 1
                }
            }
        }
    }

    /// The benchmark: the starting cash split equally over the pairs and held, each share
    /// bought at its pair's first close (cash until then), marked at the latest close.
    static func buyAndHoldEquity(series: [BarSeries], at timestamps: [Int64], cash: Double) -> [Double] {
        let share = cash / Double(series.count)
        var cursor = [Int](repeating: 0, count: series.count)
        var out: [Double] = []
        out.reserveCapacity(timestamps.count)
        for t in timestamps {
            var value = 0.0
            for (p, s) in series.enumerated() {
                while cursor[p] < s.count && s.timestampMs[cursor[p]] <= t { cursor[p] += 1 }
                value += cursor[p] == 0 ? share : share * s.close[cursor[p] - 1] / s.close[0]
            }
            out.append(value)
        }
        return out
    }

    static func record(runID: String, seq: Int, trade t: Trade) -> RunTradeRecord {
        RunTradeRecord(runID: runID, seq: seq, tradeID: t.tradeID, pair: t.pair.description, side: t.side.rawValue,
                       strategy: t.strategy, status: t.isOpen ? "open" : "closed", entryTime: UTCTime.iso(t.entryTimeMs),
                       entryPrice: t.entryPrice, exitTime: t.exitTimeMs.map(UTCTime.iso), exitPrice: t.exitPrice,
                       quantity: t.quantity, pnl: t.pnl, pnlPct: t.pnlPct, fees: t.fees, entryFee: t.entryFee,
                       exitFee: t.exitFee, stopLoss: t.stopLoss, takeProfit: t.takeProfit, entryReason: t.entryReason,
                       exitReason: t.isOpen ? nil : t.exitReason, metadata: tradeMetadata(t))
    }

    /// The trade's metadata JSON (the seed's field names where they apply).
    static func tradeMetadata(_ t: Trade) -> String? {
        let m = TradeMetadata(trade: t)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(m)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `bt-YYYYMMDD-HHMMSS-xxxxxx`: sortable by start time, unique by its random tail.
    static func newRunID() -> String {
        let now = UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000))
        let digits = now.prefix(19).filter { $0.isNumber }
        let tail = String(UInt32.random(in: 0...0xFFFFFF), radix: 16)
        return "bt-\(digits.prefix(8))-\(digits.dropFirst(8).prefix(6))-" + String(repeating: "0", count: 6 - tail.count) + tail
    }
}

