import Foundation
import NovaCore
import NovaMarketData
import NovaStorage

/// Everything a trial needs, shared read-only by the worker threads: the experiment, the data
/// loaded once, the store. Runs trials and stores each one as it finishes.
struct TrialContext: Sendable {
    let spec: ExperimentSpec
    let experimentID: String
    let strategy: String
    let data: [(BarSeries, DatasetInfo)]
    let store: any TrialStore
    let host: String

    /// Search trials keep an equity curve of at most this many points (the metrics are computed
    /// on the full curve first); test runs keep theirs whole.
    static let thinnedEquityPoints = 2_000

    /// Each pair's bars in `[fromMs, toMs)`.
    func slice(fromMs: Int64, toMs: Int64) -> [BarSeries] {
        data.map { $0.0.slice($0.0.indices(fromMs: fromMs, toMs: toMs)) }
    }

    /// How long a claim of another machine's process is trusted (its process cannot be asked
    /// whether it lives); a claim of a process on this machine lasts while that process does.
    static let claimTrustedS: Int64 = 1_800

    var me: TrialClaimHolder { TrialClaimHolder(host: host, pid: Int(getpid()), claimedAtMs: Int64(Date().timeIntervalSince1970 * 1000)) }

    /// Whether the process holding a claim still runs it: on this host, by its pid; elsewhere,
    /// for `claimTrustedS` after it claimed (a pid reused on this host is bounded the same way).
    static func holderIsAlive(_ h: TrialClaimHolder, host: String, nowMs: Int64) -> Bool {
        if nowMs - h.claimedAtMs > claimTrustedS * 1000 { return false }
        guard h.host == host else { return true }
        return kill(pid_t(h.pid), 0) == 0 || errno == EPERM
    }

    /// Claims `key` for this process (see `TrialStore.claimTrial`).
    func claim(_ key: TrialKey) throws -> TrialClaimOutcome {
        let now = Int64(Date().timeIntervalSince1970 * 1000), host = host
        return try store.claimTrial(key, by: me) { Self.holderIsAlive($0, host: host, nowMs: now) }
    }

    func key(_ window: Int, _ phase: String, _ trial: Int) -> TrialKey {
        TrialKey(experimentID: experimentID, window: window, phase: phase, trial: trial)
    }

    /// Runs `items` (window, phase, trial number, parameter values) on `workers` threads,
    /// each claimed first: a trial stored meanwhile or held by another live process is not
    /// run here and comes back in `elsewhere`. Stops at the first error (the trials already
    /// stored stay stored; the failed one's claim is given back).
    func runParallel(_ items: [(Int, String, Int, [ParamValue])], series: [BarSeries], workers: Int,
                     finished: @escaping @Sendable ([Optimizer.Trial]) -> Void) throws -> (ran: [Optimizer.Trial], elsewhere: [Int]) {
        guard !items.isEmpty else { return ([], []) }
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var done: [Optimizer.Trial] = []
            var elsewhere: [Int] = []
            var error: (any Error)?
        }
        let shared = Shared()
        let threads = min(workers, items.count)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            // A private copy of the bars per worker: threads reading the same arrays update
            // the same reference counts, one cache line bouncing between cores (measured: 2
            // workers took 4x the CPU of one and finished later). 25 MB per year of minutes.
            let local = threads > 1 ? series.map { $0.privateCopy() } : series
            while true {
                shared.lock.lock()
                if shared.error != nil || shared.next >= items.count { shared.lock.unlock(); return }
                let item = items[shared.next]
                shared.next += 1
                shared.lock.unlock()
                let key = key(item.0, item.1, item.2)
                do {
                    guard try claim(key) == .taken else {
                        shared.lock.withLock { shared.elsewhere.append(item.2) }
                        continue
                    }
                    let t: Optimizer.Trial
                    do { t = try runOne(window: item.0, phase: item.1, trial: item.2, values: item.3, series: local) } catch {
                        try? store.releaseClaim(key, by: me)
                        throw error
                    }
                    shared.lock.lock()
                    shared.done.append(t)
                    let snapshot = shared.done
                    shared.lock.unlock()
                    finished(snapshot)
                } catch {
                    shared.lock.lock()
                    if shared.error == nil { shared.error = error }
                    shared.lock.unlock()
                }
            }
        }
        if let e = shared.error { throw e }
        return (shared.done.sorted { $0.trial < $1.trial }, shared.elsewhere.sorted())
    }

    func runOne(window: Int, phase: String, trial: Int, values: [ParamValue], series: [BarSeries]) throws -> Optimizer.Trial {
        let config = try Optimizer.trialConfig(spec, values, strategy: strategy)
        let pairs = spec.data.pairs
        guard series.allSatisfy({ $0.count >= 2 }) else {
            throw MarketDataError.usage("window \(window) has fewer than 2 bars of some pair: widen the data window or the walk-forward windows")
        }
        // A trial keeps metrics and trades, not its evaluations: they leave the engine as they settle.
        let sim = try BacktestRunner.simulate(config: config, series: series, pairs: pairs, books: series.map { _ in nil },
                                              tapes: series.map { _ in nil }, signalSink: { _ in })
        let m = sim.metrics
        let objectives = spec.objectives.map { m.value($0.metric) }
        let feasible = objectives.allSatisfy { $0?.isFinite == true } && spec.constraints.allSatisfy { $0.holds(m.value($0.metric)) }
        var stats = Self.stats(sim.replay.equity)
        for name in ["total_return_pct", "sharpe", "max_drawdown_pct", "trades", "win_rate", "profit_factor"] {
            if let v = m.value(name), v.isFinite { stats.headline[name] = v }
        }
        let params = Dictionary(uniqueKeysWithValues: zip(spec.space.map(\.key), values))
        let runID = "\(experimentID)-w\(window)-" + (phase == "search" ? "t\(trial)" : "oos")

        // The run row: the trial's effective config, its parameters, the experiment.
        let first = series.map { $0.timestampMs.first! }.min()!, last = series.map { $0.timestampMs.last! }.max()!
        let paramsJSON = Self.json(params)
        let experiment: [String: Any] = ["experiment_id": experimentID, "name": spec.name, "window": window, "phase": phase, "trial": trial,
                                         "params": (try? JSONSerialization.jsonObject(with: Data(paramsJSON.utf8))) ?? [:]]
        let (storedJSON, configHash) = try BacktestRunner.storedConfig(
            config, pairs: pairs, window: ["from": UTCTime.iso(first), "to": UTCTime.iso(last + config.backtest.timeframe.milliseconds)],
            data: zip(data, series).map { ($0.1, $1.count) }, extra: ["experiment": experiment])
        let now = UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000))
        var run = BacktestRunRecord(runID: runID, startedAt: now, config: storedJSON, pairs: pairs.map(\.description).joined(separator: ","),
                                    exchange: config.backtest.exchange.rawValue, strategy: config.backtest.strategy,
                                    configHash: configHash, dataFingerprint: data.map(\.1.fingerprint).joined(separator: ","),
                                    kind: phase == "search" ? "trial" : "oos", host: host, pid: Int(getpid()))
        run.status = "completed"
        run.completedAt = now
        run.results = try BacktestRunner.resultsJSON(metrics: m, notes: [])
        let trades = sim.replay.trades.enumerated().map { BacktestRunner.record(runID: runID, seq: $0.offset + 1, trade: $0.element) }
        let full = Array(zip(sim.replay.equityTimestampMs, sim.replay.equity)).map { (timestampMs: $0.0, equity: $0.1) }
        let equity = phase == "search" ? Self.thin(full, to: Self.thinnedEquityPoints) : full
        let record = TrialRecord(experimentID: experimentID, window: window, phase: phase, trial: trial, runID: runID, params: paramsJSON,
                                 objectives: Self.json(objectives), feasible: feasible, stats: Self.json(stats), host: host, completedAt: now)
        _ = try store.storeTrial(record, run: run, trades: trades, equity: equity)
        return Optimizer.Trial(window: window, phase: phase, trial: trial, runID: runID, params: params, objectives: objectives,
                               feasible: feasible, stats: stats, equity: phase == "search" ? [] : full)
    }

    /// Per-bar returns of an equity curve: moments and `blockCount` blocks.
    static func stats(_ equity: [Double]) -> Optimizer.TrialStats {
        var returns: [Double] = []
        returns.reserveCapacity(max(0, equity.count - 1))
        for i in 1..<max(1, equity.count) where equity[i - 1] > 0 { returns.append(equity[i] / equity[i - 1] - 1) }
        let m = OverfittingStatistics.moments(returns[...])
        var blocks: [OverfittingStatistics.Block] = []
        let size = returns.count / Optimizer.blockCount
        if size > 0 {
            for b in 0..<Optimizer.blockCount {
                var block = OverfittingStatistics.Block()
                let end = b == Optimizer.blockCount - 1 ? returns.count : (b + 1) * size
                for r in returns[(b * size)..<end] { block.n += 1; block.sum += r; block.sumSquares += r * r }
                blocks.append(block)
            }
        }
        return Optimizer.TrialStats(n: returns.count, mean: m.mean, std: m.std, skew: m.skew, kurtosis: m.kurtosis, blocks: blocks)
    }

    /// At most `n` points: every k-th, plus the last.
    static func thin(_ e: [(timestampMs: Int64, equity: Double)], to n: Int) -> [(timestampMs: Int64, equity: Double)] {
        guard e.count > n else { return e }
        let step = (e.count + n - 1) / n
        var out = stride(from: 0, to: e.count, by: step).map { e[$0] }
        if out.last!.timestampMs != e.last!.timestampMs { out.append(e.last!) }
        return out
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
