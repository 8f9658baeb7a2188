import Foundation
import NovaCore
import NovaMarketData
import NovaStorage

/// What a user asked `novapulse optimize` for: the experiment file and its overrides.
public struct OptimizeRequest: Sendable {
    public var specPath: String
    /// Parallel trials (threads sharing the loaded data); default: all cores.
    public var workers: Int?
    public var trials: Int?
    public var pairs: [Pair]?
    public var fromMs: Int64?
    public var toMs: Int64?
    /// Run only the I-th (1-based) of N disjoint parts of the trials.
    public var shard: (index: Int, count: Int)?
    public var paths: WorkspacePaths

    public init(specPath: String, paths: WorkspacePaths) {
        self.specPath = specPath
        self.paths = paths
    }
}

/// Runs an experiment: every trial a `backtest_runs` row tagged with the experiment and its
/// parameters, on data loaded once and shared read-only by the worker threads. Trials already
/// stored are skipped, so running the same command again after a kill resumes where it
/// stopped; trial numbers and parameters depend only on the file and its seed, so no trial is
/// lost or run twice. Walk-forward windows search on their train window and score the winner
/// on the test window after it.
public struct Optimizer {
    public struct TrialStats: Codable, Sendable, Equatable {
        /// Per-bar returns: count, mean, standard deviation, skew, kurtosis.
        public var n: Int
        public var mean: Double
        public var std: Double
        public var skew: Double
        public var kurtosis: Double
        /// The returns cut into `blockCount` equal blocks, for CSCV.
        public var blocks: [OverfittingStatistics.Block]
        /// Headline metrics, for leaderboards read back from the store.
        public var headline: [String: Double] = [:]
        public var sharpePerBar: Double { std > 0 ? mean / std : 0 }
    }

    public struct Trial: Sendable {
        public var window: Int
        public var phase: String
        public var trial: Int
        public var runID: String
        public var params: [String: ParamValue]
        public var objectives: [Double?]
        public var feasible: Bool
        public var stats: TrialStats
        public var equity: [(timestampMs: Int64, equity: Double)] = []
    }

    public struct WindowResult: Sendable {
        public var index: Int
        public var window: WalkForwardWindow?
        public var trials: [Trial]
        public var planned: Int
        public var best: Trial?
        public var test: Trial?
        public var deflatedSharpe: Double?
        public var expectedMaxSharpe: Double?
        public var pbo: Double?
        public var pareto: [Int]
    }

    public struct Summary: Sendable {
        public var experimentID: String
        public var spec: ExperimentSpec
        public var windows: [WindowResult]
        public var ran: Int
        public var skipped: Int
        public var seconds: Double
        public var workers: Int
        /// Out-of-sample equity of the walk-forward winners, stitched (each window continues
        /// from the previous one's ending equity).
        public var stitched: [(timestampMs: Int64, equity: Double)]
        public var stitchedMetrics: ReturnMetrics?
        public var reportPath: String?
        public var notes: [String]
    }

    /// (trials done in this window, trials planned, text of the best so far).
    public typealias Progress = @Sendable (Int, Int, String) -> Void

    public static let blockCount = 8
    /// TPE proposes this many points at a time from the trials before them: the proposals
    /// do not depend on how many workers run them.
    public static let tpeBatch = 4

    public let request: OptimizeRequest
    let store: any TrialStore
    public init(request: OptimizeRequest, store: any TrialStore) {
        self.request = request
        self.store = store
    }

    public func run(progress: Progress? = nil) throws -> Summary {
        let start = Date()
        var spec = try ExperimentSpec.load(path: request.specPath)
        if let t = request.trials { spec.trials = t }
        if let p = request.pairs { spec.data.pairs = p }
        if let f = request.fromMs { spec.data.fromMs = f }
        if let t = request.toMs { spec.data.toMs = t }
        if let shard = request.shard, spec.sampler == .tpe, shard.count > 1 {
            throw ConfigError.badValue(keyPath: "--shard", value: "\(shard.index)/\(shard.count)", expected: "grid or random sampler: TPE proposes each point from the ones before it, so its trials cannot be split", source: request.specPath)
        }
        // The base config, and one trial's config, checked before any data is loaded.
        let strategy = Self.strategy(spec.base)
        _ = try ConfigLoader.load(path: nil, params: spec.base, strategy: strategy)
        // The space's size, not its points: random and TPE draw points one by one.
        let sizes = spec.space.map { ParameterSpace.values($0.domain).count }
        let gridCount = Int(min(ParameterSpace.pointCount(sizes), Double(Int.max / 2)))
        _ = try Self.trialConfig(spec, ParameterSpace.assignment(ParameterSpace.point(0, sizes: sizes), spec.space), strategy: strategy)

        var backtest = BacktestRequest(pairs: spec.data.pairs, paths: request.paths)
        backtest.exchange = spec.data.exchange
        backtest.timeframe = spec.data.timeframe
        backtest.fromMs = spec.data.fromMs
        backtest.toMs = spec.data.toMs
        backtest.params = spec.base
        backtest.strategy = strategy
        let runner = BacktestRunner(request: backtest)
        let baseConfig = try runner.effectiveConfig()
        var notes: [String] = []
        let data = try runner.loadData(config: baseConfig, notes: &notes)

        var hasher = SHA256()
        hasher.update(Array((spec.canonical + "|" + spec.data.pairs.map(\.description).joined(separator: ",") + "|\(spec.data.fromMs ?? 0)|\(spec.data.toMs ?? 0)|"
                             + data.map(\.1.fingerprint).joined(separator: ",")).utf8))
        let experimentID = "ex-" + hasher.finalizeHex().prefix(12)
        let now = UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000))
        try store.openExperiment(id: experimentID, name: spec.name, spec: spec.canonical, at: now)

        let firstMs = data.map { $0.0.timestampMs.first! }.min()!
        let endMs = data.map { $0.0.timestampMs.last! + $0.1.timeframe.milliseconds }.max()!
        let windows: [WalkForwardWindow?]
        if let wf = spec.walkForward {
            let w = WalkForwardWindow.windows(startMs: firstMs, endMs: endMs, wf)
            guard !w.isEmpty else {
                throw MarketDataError.usage("walk_forward: the data (\(UTCTime.iso(firstMs)) to \(UTCTime.iso(endMs))) is shorter than one train plus test window; shorten train_days/test_days or widen the data window")
            }
            windows = w
            if let note = WalkForwardWindow.uncoveredNote(startMs: firstMs, endMs: endMs, wf, windows: w) { notes.append(note) }
        } else {
            windows = [nil]
        }
        let workers = max(1, request.workers ?? ProcessInfo.processInfo.activeProcessorCount)
        let context = TrialContext(spec: spec, experimentID: experimentID, strategy: strategy, data: data, store: store,
                                   host: ProcessInfo.processInfo.hostName)
        var results: [WindowResult] = []
        var ran = 0, skipped = 0
        var stitched: [(timestampMs: Int64, equity: Double)] = []
        for (w, window) in windows.enumerated() {
            let slice = window.map { context.slice(fromMs: $0.trainStartMs, toMs: $0.trainEndMs) } ?? data.map(\.0)
            var stored = try Dictionary(store.completedTrials(experimentID: experimentID).filter { $0.window == w && $0.phase == "search" }
                .map { ($0.trial, $0) }, uniquingKeysWith: { a, _ in a })
            let planned = min(spec.trials, spec.sampler == .grid ? gridCount : spec.trials)
            if spec.sampler == .grid && spec.trials < gridCount {
                notes.append("window \(w): trials \(spec.trials) < grid size \(gridCount): the first \(spec.trials) grid points (in file order)")
            }
            let mine = { (k: Int) -> Bool in self.request.shard.map { k % $0.count == $0.index - 1 } ?? true }
            var done: [Trial] = stored.values.map { Self.trial(from: $0, spec: spec) }
            progress?(done.count, planned, Self.bestText(done, spec))
            func runBatch(_ points: [(Int, [Int])]) throws {
                let todo = points.filter { mine($0.0) && stored[$0.0] == nil }
                skipped += points.filter { mine($0.0) && stored[$0.0] != nil }.count
                let before = done
                let frozen = spec
                let (outcomes, fromOthers) = try runShared(todo.map { (k, p) in (w, "search", k, ParameterSpace.assignment(p, spec.space)) },
                                                           context: context, series: slice, workers: workers) { finished in
                    let all = before + finished
                    progress?(all.count, planned, Self.bestText(all, frozen))
                }
                ran += outcomes.count
                skipped += fromOthers.count
                done += outcomes + fromOthers
                for t in outcomes + fromOthers {
                    stored[t.trial] = TrialRecord(experimentID: experimentID, window: w, phase: "search", trial: t.trial, runID: t.runID,
                                                  params: "", objectives: "", feasible: t.feasible, stats: "", host: nil, completedAt: "")
                }
            }
            switch spec.sampler {
            case .grid:
                try runBatch((0..<planned).map { ($0, ParameterSpace.point($0, sizes: sizes)) })
            case .random:
                var sampler = RandomSampler(space: spec.space, seed: spec.seed &+ UInt64(w))
                try runBatch(Array(sampler.points(planned).enumerated()).map { ($0.offset, $0.element) })
            case .tpe:
                let startup = max(5, min(10, planned / 4))
                var sampler = RandomSampler(space: spec.space, seed: spec.seed &+ UInt64(w))
                let initial = sampler.points(min(startup, planned))
                try runBatch(Array(initial.enumerated()).map { ($0.offset, $0.element) })
                let tpe = TPESampler(space: spec.space)
                var k = initial.count
                while k < planned {
                    let history = done.sorted { $0.trial < $1.trial }.filter { $0.trial < k }.map { t -> ([Int], Double?) in
                        (Self.point(t.params, spec.space), t.feasible ? Self.score(t.objectives[0], spec.objectives[0]) : nil)
                    }
                    var avoid = Set(history.map(\.0))
                    var batch: [(Int, [Int])] = []
                    for j in k..<min(planned, k + Self.tpeBatch) {
                        let p = tpe.propose(history: history, seed: spec.seed &* 31 &+ UInt64(j) &+ UInt64(w) << 32, avoid: avoid)
                        avoid.insert(p)
                        batch.append((j, p))
                    }
                    try runBatch(batch)
                    k += batch.count
                }
            }
            // The window's trials as stored (other shards' included), for its winner and statistics.
            let all = try store.completedTrials(experimentID: experimentID).filter { $0.window == w && $0.phase == "search" }.map { Self.trial(from: $0, spec: spec) }
            var result = Self.analyse(window: w, range: window, trials: all, planned: planned, spec: spec)
            if let window, let best = result.best {
                if all.count < planned {
                    notes.append("window \(w): \(all.count) of \(planned) trials stored so far (other shards still running): its test is run by the shard that completes it")
                } else if let testRecord = try store.completedTrials(experimentID: experimentID).first(where: { $0.window == w && $0.phase == "test" }) {
                    result.test = Self.trial(from: testRecord, spec: spec)
                    skipped += 1
                } else {
                    let testSlice = context.slice(fromMs: window.trainEndMs, toMs: window.testEndMs)
                    let params = spec.space.map { best.params[$0.key]! }
                    let (here, elsewhere) = try runShared([(w, "test", best.trial, params)], context: context, series: testSlice, workers: 1) { _ in }
                    result.test = here.first ?? elsewhere.first
                    if here.isEmpty { skipped += 1 } else { ran += 1 }
                }
            }
            if let test = result.test, !test.equity.isEmpty {
                let scale = (stitched.last?.equity ?? test.equity[0].equity) / test.equity[0].equity
                stitched += test.equity.map { ($0.timestampMs, $0.equity * scale) }
            }
            results.append(result)
        }
        var stitchedMetrics: ReturnMetrics?
        if stitched.count > 1 {
            stitchedMetrics = ReturnMetrics.compute(timestampMs: stitched.map(\.timestampMs), equity: stitched.map(\.equity),
                                                    barsPerYear: baseConfig.backtest.timeframe.barsPerYear)
        }
        return Summary(experimentID: experimentID, spec: spec, windows: results, ran: ran, skipped: skipped,
                       seconds: Date().timeIntervalSince(start), workers: workers, stitched: stitched,
                       stitchedMetrics: stitchedMetrics, reportPath: nil, notes: notes)
    }

    /// Runs `items` (one window and phase) here, each claimed first, then waits for those
    /// another process holds: each is read back once that process stores it, or taken over
    /// and run here if that process is gone (its claim no longer trusted). Returns the trials
    /// run here and those read back.
    func runShared(_ items: [(Int, String, Int, [ParamValue])], context: TrialContext, series: [BarSeries], workers: Int,
                   finished: @escaping @Sendable ([Trial]) -> Void) throws -> (ran: [Trial], fromOthers: [Trial]) {
        guard let first = items.first else { return ([], []) }
        var (ran, waiting) = try context.runParallel(items, series: series, workers: workers, finished: finished)
        var fromOthers: [Trial] = []
        while !waiting.isEmpty {
            let stored = try store.completedTrials(experimentID: context.experimentID).filter { $0.window == first.0 && $0.phase == first.1 }
            for r in stored where waiting.contains(r.trial) { fromOthers.append(Self.trial(from: r, spec: context.spec)) }
            waiting.removeAll { k in stored.contains { $0.trial == k } }
            guard !waiting.isEmpty else { break }
            Thread.sleep(forTimeInterval: Self.claimPollS)
            let again = try context.runParallel(items.filter { waiting.contains($0.2) }, series: series, workers: workers, finished: finished)
            ran += again.ran
            waiting = again.elsewhere
        }
        return (ran.sorted { $0.trial < $1.trial }, fromOthers.sorted { $0.trial < $1.trial })
    }

    /// How often a trial another process runs is looked for in the store.
    static let claimPollS = 0.25

    // MARK: Analysis

    /// The window's winner (best feasible by the first objective), Pareto front, deflated Sharpe
    /// of the winner given the number of trials, and PBO by CSCV.
    static func analyse(window w: Int, range: WalkForwardWindow?, trials: [Trial], planned: Int, spec: ExperimentSpec) -> WindowResult {
        let ranked = rank(trials, spec)
        var result = WindowResult(index: w, window: range, trials: ranked, planned: planned, best: ranked.first { $0.feasible },
                                  test: nil, deflatedSharpe: nil, expectedMaxSharpe: nil, pbo: nil, pareto: [])
        if let best = result.best, trials.count >= 2 {
            let sharpes = trials.map(\.stats.sharpePerBar)
            let mean = sharpes.reduce(0, +) / Double(sharpes.count)
            let variance = sharpes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sharpes.count - 1)
            result.expectedMaxSharpe = OverfittingStatistics.expectedMaxSharpe(trials: trials.count, sharpeVariance: variance)
            let dsr = OverfittingStatistics.deflatedSharpe(best.stats.sharpePerBar, trials: trials.count, sharpeVariance: variance,
                                                           observations: best.stats.n, skew: best.stats.skew, kurtosis: best.stats.kurtosis)
            result.deflatedSharpe = dsr.isNaN ? nil : dsr
        }
        result.pbo = OverfittingStatistics.probabilityOfOverfitting(ranked.map(\.stats.blocks))?.pbo
        if spec.objectives.count > 1 {
            let feasible = ranked.filter(\.feasible)
            result.pareto = feasible.filter { a in
                !feasible.contains { b in dominates(b, a, spec) }
            }.map(\.trial).sorted()
        }
        return result
    }

    static func dominates(_ a: Trial, _ b: Trial, _ spec: ExperimentSpec) -> Bool {
        var strictly = false
        for (i, o) in spec.objectives.enumerated() {
            let x = score(a.objectives[i], o) ?? -.infinity, y = score(b.objectives[i], o) ?? -.infinity
            if x < y { return false }
            if x > y { strictly = true }
        }
        return strictly
    }

    /// Higher is better.
    static func score(_ v: Double?, _ o: ExperimentSpec.Objective) -> Double? {
        guard let v, v.isFinite else { return nil }
        return o.maximize ? v : -v
    }

    /// Feasible first, then by the first objective, then by trial number.
    static func rank(_ trials: [Trial], _ spec: ExperimentSpec) -> [Trial] {
        trials.sorted { a, b in
            if a.feasible != b.feasible { return a.feasible }
            let x = score(a.objectives[0], spec.objectives[0]) ?? -.infinity, y = score(b.objectives[0], spec.objectives[0]) ?? -.infinity
            return x != y ? x > y : a.trial < b.trial
        }
    }

    static func bestText(_ trials: [Trial], _ spec: ExperimentSpec) -> String {
        guard let best = rank(trials, spec).first(where: \.feasible), let v = best.objectives[0] else { return "no feasible trial yet" }
        return "best \(spec.objectives[0].metric) \(String(format: "%.4g", v)) (trial \(best.trial))"
    }

    static func point(_ params: [String: ParamValue], _ space: [ExperimentSpec.Parameter]) -> [Int] {
        space.map { p in ParameterSpace.values(p.domain).firstIndex(of: params[p.key] ?? .number(.nan)) ?? 0 }
    }

    static func strategy(_ base: [String]) -> String {
        base.first { $0.hasPrefix("backtest.strategy=") }.map { String($0.dropFirst("backtest.strategy=".count)) } ?? NovaPulseConfig().backtest.strategy
    }

    static func trialConfig(_ spec: ExperimentSpec, _ values: [ParamValue], strategy: String) throws -> NovaPulseConfig {
        let params = spec.base + zip(spec.space, values).map { "\($0.key)=\($1.text)" }
        var config = try ConfigLoader.load(path: nil, params: params, strategy: strategy)
        config.backtest.strategy = strategy
        BacktestRunner.applyRiskFloors(&config)
        return config
    }

    static func trial(from r: TrialRecord, spec: ExperimentSpec) -> Trial {
        let params = (try? JSONDecoder().decode([String: ParamValue].self, from: Data(r.params.utf8))) ?? [:]
        let objectives = (try? JSONDecoder().decode([Double?].self, from: Data(r.objectives.utf8))) ?? spec.objectives.map { _ in nil }
        let stats = (try? JSONDecoder().decode(TrialStats.self, from: Data(r.stats.utf8)))
            ?? TrialStats(n: 0, mean: 0, std: 0, skew: 0, kurtosis: 3, blocks: [])
        return Trial(window: r.window, phase: r.phase, trial: r.trial, runID: r.runID, params: params, objectives: objectives,
                     feasible: r.feasible, stats: stats)
    }
}
