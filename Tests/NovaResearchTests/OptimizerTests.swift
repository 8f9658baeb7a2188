import Foundation
import Testing
import NovaCore
import NovaStorage
import NovaTestSupport
@testable import NovaResearch

@Suite struct ExperimentSpecTests {
    /// A `trials:` that is there but not a whole number in range is refused (it once ran the
    /// default 50 instead).
    /// Spaces too large to list are refused before anything is allocated: a 10^9-point grid,
    /// and a range of a billion steps even for random search.
    @Test func hugeSpacesAreRefusedAtOnce() throws {
        var space = ""
        for k in 0..<9 { space += "  strategies.p\(k): {range: [1, 10], step: 1}\n" }
        let grid = "name: g\ndata: {pair: BTC/USD}\nspace:\n\(space)objective: {metric: sharpe, goal: maximize}\nsampler: grid\n"
        let start = Date()
        #expect { try ExperimentSpec.parse(grid, source: "g.yaml") } throws: { "\($0)".contains("1000000000 grid points (10 x 10 x 10") }
        let wide = "name: w\ndata: {pair: BTC/USD}\nspace:\n  strategies.sma_cross.slow: {range: [1, 1000000000], step: 1}\n"
            + "objective: {metric: sharpe, goal: maximize}\nsampler: random\ntrials: 5\n"
        #expect { try ExperimentSpec.parse(wide, source: "w.yaml") } throws: { "\($0)".contains("at most 100000 values per parameter") }
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test(arguments: ["ten", "4.5", "99999999999999999999", "0", "-3"])
    func badTrialCountsAreRefused(value: String) {
        let text = Self.yaml.replacingOccurrences(of: "sampler: grid", with: "sampler: random\ntrials: \(value)")
        #expect { try ExperimentSpec.parse(text, source: "t.yaml") } throws: { "\($0)".contains("trials") && "\($0)".contains("1 to 10000000") }
    }

    static let yaml = """
    name: t
    data: {pair: BTC/USD, from: 2024-06-01, to: 2024-06-01}
    base: {backtest: {strategy: sma_cross, sizing: all-in}, risk: {risk_per_trade: 0.02}}
    space:
      strategies.sma_cross.slow: {range: [20, 40], step: 10}
      strategies.sma_cross.fast: {choices: [3, 5]}
      risk.max_position_pct: {log_range: [0.1, 0.4], steps: 3}
    objective: [{metric: sharpe, goal: maximize}, {metric: max_drawdown_pct, goal: minimize}]
    constraints: ["trades >= 3"]
    sampler: grid
    """

    /// The run configuration given to optimize is named for what it is (issue 19), and a typo in
    /// an experiment's own keys still gets its did-you-mean.
    @Test func aRunConfigIsNotAnExperiment() throws {
        let config = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("config/novapulse.yaml"), encoding: .utf8)
        #expect { try ExperimentSpec.parse(config, source: "config/novapulse.yaml") } throws: {
            "\($0)".hasPrefix("config/novapulse.yaml: a run configuration (its keys ") && "\($0)".contains("not an experiment: optimize takes name, data, space and objective")
        }
        let typo = "name: t\ndata: {pair: BTC/USD}\nspce: {}\nobjective: {metric: sharpe, goal: maximize}\n"
        #expect { try ExperimentSpec.parse(typo, source: "t.yaml") } throws: { "\($0)".contains("unknown key 'spce'; did you mean 'space'?") }
    }

    @Test func parsesEverySection() throws {
        let s = try ExperimentSpec.parse(Self.yaml, source: "t.yaml")
        #expect(s.data.pairs == [Fixtures.btcusd] && s.data.toMs! - s.data.fromMs! == 86_400_000)
        #expect(s.base == ["backtest.sizing=all-in", "backtest.strategy=sma_cross", "risk.risk_per_trade=0.02"])
        #expect(s.space.map(\.key) == ["strategies.sma_cross.slow", "strategies.sma_cross.fast", "risk.max_position_pct"])   // file order
        #expect(ParameterSpace.values(s.space[0].domain) == [.number(20), .number(30), .number(40)])
        #expect(ParameterSpace.values(s.space[2].domain) == [.number(0.1), .number(0.2), .number(0.4)])
        #expect(s.objectives.map(\.maximize) == [true, false] && s.constraints[0].holds(3) && !s.constraints[0].holds(2))
        #expect(s.trials == 18)       // the grid's size when no budget is given
    }

    @Test(arguments: [
        ("data: {pair: BTC/USD}\nspace: {x: {range: [1, 2], step: 1}}\nobjective: {metric: sharp}", "objective.metric = 'sharp' is not allowed"),
        ("data: {pair: BTC/USD}\nspace: {x: {range: [3, 2], step: 1}}\nobjective: {metric: sharpe}", "space.x.range"),
        ("data: {pair: BTC/USD}\nspace: {x: {range: [1, 2]}}\nobjective: {metric: sharpe}", "space.x.step"),
        ("data: {pair: BTC/USD}\nspace: {x: {choices: [1]}}\nobjective: {metric: sharpe}\nsampler: anneal", "sampler = 'anneal'"),
        ("data: {pair: BTC/USD}\nspace: {x: {choices: [1]}}\nobjective: {metric: sharpe}\ntrails: 5", "unknown key 'trails'"),
        ("data: {pair: BTC/USD}\nspace: {x: {choices: [1]}}\nobjective: {metric: sharpe}\nconstraints: [trades > lots]", "constraints[0]"),
        ("data: {pair: BTC/USD}\nspace: {x: {choices: [1]}}\nobjective: {metric: sharpe}\nwalk_forward: {train_days: 0, test_days: 5}", "walk_forward.train_days"),
    ])
    func badFilesNameTheKey(text: String, message: String) {
        #expect { try ExperimentSpec.parse(text, source: "bad.yaml") } throws: { "\($0)".contains(message) && "\($0)".contains("bad.yaml") }
    }
}

@Suite struct SamplerTests {
    let space = [ExperimentSpec.Parameter(key: "a", domain: .range(lo: 1, hi: 4, step: 1, integer: true)),
                 ExperimentSpec.Parameter(key: "b", domain: .choices([.text("x"), .text("y"), .text("z")])),
                 ExperimentSpec.Parameter(key: "c", domain: .logRange(lo: 1, hi: 100, steps: 3))]

    /// The grid is the full cartesian product, each point once, the last parameter fastest.
    @Test func gridCoversTheSpaceExactly() {
        let g = ParameterSpace.grid(space)
        #expect(g.count == 4 * 3 * 3 && Set(g).count == g.count)
        #expect(g.prefix(4) == [[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 1, 0]] && g.last == [3, 2, 2])
        #expect(ParameterSpace.assignment(g[5], space) == [.number(1), .text("y"), .number(100)])
        #expect(ParameterSpace.values(space[2].domain) == [.number(1), .number(10), .number(100)])
    }

    @Test func randomIsReproducibleWithASeed() {
        var a = RandomSampler(space: space, seed: 9), b = RandomSampler(space: space, seed: 9), c = RandomSampler(space: space, seed: 10)
        let pa = a.points(12), pb = b.points(12), pc = c.points(12)
        #expect(pa == pb && pa != pc)
        #expect(Set(pa).count == 12)            // no repeats while unseen points remain
        var all = RandomSampler(space: space, seed: 1)
        #expect(Set(all.points(36)).count == 36)   // then it covers the whole space
    }

    /// TPE: the same history and seed give the same proposal; with a history whose good trials
    /// sit at a = 4, its proposals go there far more often than chance.
    @Test func tpeIsReproducibleAndFollowsTheGoodTrials() {
        let tpe = TPESampler(space: space)
        var history: [([Int], Double?)] = []
        for p in ParameterSpace.grid(space) where p[2] == 0 { history.append((p, Double(p[0] * 10 + p[1]))) }
        let p1 = tpe.propose(history: history, seed: 5, avoid: []), p2 = tpe.propose(history: history, seed: 5, avoid: [])
        #expect(p1 == p2)
        let proposals = (0..<40).map { tpe.propose(history: history, seed: UInt64($0), avoid: []) }
        #expect(proposals.filter { $0[0] == 3 }.count >= 20)     // chance would be 10 of 40
        // It avoids points already tried while it can.
        let avoid = Set(ParameterSpace.grid(space).filter { $0 != [0, 0, 0] })
        #expect(tpe.propose(history: history, seed: 1, avoid: avoid) == [0, 0, 0])
    }
}

@Suite struct WalkForwardTests {
    let day: Int64 = 86_400_000

    @Test func rollingAndAnchoredWindows() {
        let rolling = WalkForwardWindow.windows(startMs: 0, endMs: 100 * day,
                                                .init(anchored: false, trainMs: 30 * day, testMs: 10 * day, stepMs: 10 * day))
        #expect(rolling.count == 7)      // tests end at 40, 50, ..., 100
        #expect(rolling[0] == WalkForwardWindow(trainStartMs: 0, trainEndMs: 30 * day, testEndMs: 40 * day))
        #expect(rolling[6] == WalkForwardWindow(trainStartMs: 60 * day, trainEndMs: 90 * day, testEndMs: 100 * day))
        let anchored = WalkForwardWindow.windows(startMs: 0, endMs: 95 * day,
                                                 .init(anchored: true, trainMs: 30 * day, testMs: 20 * day, stepMs: 20 * day))
        #expect(anchored.map(\.trainStartMs) == [0, 0, 0] && anchored.map { $0.trainEndMs / day } == [30, 50, 70])
        #expect(anchored.map { $0.testEndMs / day } == [50, 70, 90])   // 90 + 20 > 95: no fourth window
        #expect(WalkForwardWindow.windows(startMs: 0, endMs: 30 * day, .init(anchored: false, trainMs: 30 * day, testMs: day, stepMs: day)).isEmpty)
    }

    /// Issue 33 #12: keltner-walk-forward's 176 days fit 2 of 90 + 30 day windows; the last 26
    /// days are said, not dropped silently. Windows that reach the end say nothing.
    @Test func anUntestedTailIsSaid() {
        let wf = ExperimentSpec.WalkForward(anchored: false, trainMs: 90 * day, testMs: 30 * day, stepMs: 30 * day)
        let start: Int64 = 1_704_067_200_000     // 2024-01-01
        let w = WalkForwardWindow.windows(startMs: start, endMs: start + 176 * day, wf)
        #expect(w.count == 2)
        #expect(WalkForwardWindow.uncoveredNote(startMs: start, endMs: start + 176 * day, wf, windows: w)
                == "walk_forward: 2 windows of 90 train + 30 test days fit the data (2024-01-01T00:00:00Z to 2024-06-25T00:00:00Z); "
                + "its last 26 days (2024-05-30T00:00:00Z on) are shorter than a test window and are not tested")
        let whole = WalkForwardWindow.windows(startMs: start, endMs: start + 150 * day, wf)
        #expect(WalkForwardWindow.uncoveredNote(startMs: start, endMs: start + 150 * day, wf, windows: whole) == nil)
    }
}

@Suite struct OverfittingStatisticsTests {
    /// Against Tests/Fixtures/make_deflated_sharpe_reference.py (Python's NormalDist).
    @Test func deflatedSharpeMatchesTheIndependentReference() {
        let e1 = OverfittingStatistics.expectedMaxSharpe(trials: 100, sharpeVariance: 0.002)
        #expect(abs(e1 - 0.11317200186513214) < 1e-12)
        #expect(abs(OverfittingStatistics.deflatedSharpe(0.1, trials: 100, sharpeVariance: 0.002, observations: 1250, skew: -3, kurtosis: 10)
                    - 0.34281409435870325) < 1e-9)
        let e2 = OverfittingStatistics.expectedMaxSharpe(trials: 48, sharpeVariance: 1e-6)
        #expect(abs(e2 - 0.002260616985249282) < 1e-14)
        #expect(abs(OverfittingStatistics.deflatedSharpe(0.004, trials: 48, sharpeVariance: 1e-6, observations: 525_599, skew: 0.3, kurtosis: 40)
                    - 0.8964678535464246) < 1e-9)
        #expect(abs(OverfittingStatistics.normalQuantile(0.975) - 1.9599639845400536) < 1e-12)
        #expect(abs(OverfittingStatistics.normalQuantile(1e-6) - -4.753424308822899) < 1e-9)
        #expect(abs(OverfittingStatistics.normalCDF(1.2345) - 0.8914916766373298) < 1e-15)
    }

    func blocks(_ means: [Double]) -> [OverfittingStatistics.Block] {
        // Two returns per block, mean m and spread 0.01: Sharpe grows with m.
        means.map { m in .init(n: 2, sum: 2 * m, sumSquares: (m + 0.01) * (m + 0.01) + (m - 0.01) * (m - 0.01)) }
    }

    /// A trial that is best everywhere is never overfit (PBO 0); when the first half of the
    /// blocks favours what the second half punishes, the in-sample winner always loses out of
    /// sample on the splits that separate them.
    @Test func pboOnHandMadeTrials() {
        let consistent = [blocks([3, 3, 3, 3]), blocks([2, 2, 2, 2]), blocks([1, 1, 1, 1])].map { $0.map { b in b } }
        #expect(OverfittingStatistics.probabilityOfOverfitting(consistent)?.pbo == 0)
        let flipping = [blocks([0.03, 0.03, -0.03, -0.03]), blocks([-0.03, -0.03, 0.03, 0.03]), blocks([0, 0, 0, 0])]
        let r = OverfittingStatistics.probabilityOfOverfitting(flipping)!
        #expect(r.logits.count == 6)              // C(4, 2) splits
        // Splits {0,1}|{2,3} and {2,3}|{0,1}: the winner is worst out of sample; the 4 mixed splits tie.
        #expect(r.pbo >= 2.0 / 6.0)
        #expect(OverfittingStatistics.probabilityOfOverfitting([blocks([1, 1])]) == nil)
    }
}

/// The optimizer end to end on the real one-day fixture.
@Suite struct OptimizerRunTests {
    static func write(_ text: String) -> String { Fixtures.file(text, name: "exp.yaml") }

    static let grid = """
    name: grid
    data: {pair: BTC/USD}
    base: {backtest: {strategy: sma_cross, sizing: all-in}, simulator: {participation: 0}}
    space:
      strategies.sma_cross.fast: {choices: [3, 5, 8]}
      strategies.sma_cross.slow: {range: [20, 40], step: 10}
    objective: {metric: total_return_pct, goal: maximize}
    constraints: ["trades >= 5"]
    sampler: grid
    """

    /// Issue 32 #1: random and TPE searches draw points one by one. A 9-parameter x 10-value
    /// space (10^9 points) with 2 trials enumerated the whole space before (12.1 GB, no output
    /// in 120 s); now the 2 trials run as any others.
    @Test(arguments: ["random", "tpe"])
    func twoTrialsOfAHugeSpaceDoNotEnumerateIt(sampler: String) throws {
        let paths = try BacktestRunnerTests.workspace()
        let spec = """
        name: huge-\(sampler)
        data: {pair: BTC/USD}
        base: {backtest: {strategy: sma_cross, sizing: all-in}, simulator: {participation: 0}}
        space:
          strategies.sma_cross.fast: {range: [1, 10], step: 1}
          strategies.sma_cross.slow: {range: [20, 110], step: 10}
          risk.risk_per_trade: {range: [0.001, 0.01], step: 0.001}
          risk.max_position_pct: {range: [0.1, 1.0], step: 0.1}
          risk.stop_loss_floor_pct: {range: [0.001, 0.01], step: 0.001}
          risk.take_profit_floor_pct: {range: [0.001, 0.01], step: 0.001}
          risk.trailing_distance_pct: {range: [0.001, 0.01], step: 0.001}
          risk.breakeven_at_r: {range: [0.5, 5.0], step: 0.5}
          risk.trailing_at_r: {range: [0.5, 5.0], step: 0.5}
        objective: {metric: total_return_pct, goal: maximize}
        sampler: \(sampler)
        trials: 2
        seed: 5
        """
        let s = try Optimizer(request: OptimizeRequest(specPath: Self.write(spec), paths: paths), store: try ResultsStore(path: paths.databasePath)).run()
        #expect(s.ran == 2 && s.windows[0].trials.count == 2)
        #expect(ParameterSpace.point(123_456_789, sizes: Array(repeating: 10, count: 9)) == [1, 2, 3, 4, 5, 6, 7, 8, 9])
    }

    /// Every grid point once, each a stored run whose metrics equal a plain backtest with the
    /// same parameters; running again resumes with nothing left to do.
    @Test func gridTrialsAreRunsAndResume() throws {
        let paths = try BacktestRunnerTests.workspace()
        let file = Self.write(Self.grid)
        let store = try ResultsStore(path: paths.databasePath)
        var request = OptimizeRequest(specPath: file, paths: paths)
        request.workers = 2
        let s = try Optimizer(request: request, store: store).run()
        #expect(s.ran == 9 && s.windows[0].trials.count == 9)
        let stored = try store.completedTrials(experimentID: s.experimentID)
        #expect(stored.map(\.trial).sorted() == Array(0..<9))
        // Trial 4 is fast 5, slow 30: the same as a backtest with those parameters.
        let t4 = try #require(s.windows[0].trials.first { $0.trial == 4 })
        #expect(t4.params == ["strategies.sma_cross.fast": .number(5), "strategies.sma_cross.slow": .number(30)])
        var bt = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        bt.strategy = "sma_cross"
        bt.sizing = .allIn
        bt.params = ["fast=5", "slow=30", "simulator.participation=0"]
        let direct = try BacktestRunner(request: bt).run()
        #expect(t4.objectives[0] == direct.metrics.totalReturnPct)
        let row = try store.run(t4.runID)
        #expect(row.kind == "trial")
        // The hash column is the hash of the config the row stores.
        let storedConfig = try JSONSerialization.jsonObject(with: Data(row.config.utf8)) as! [String: Any]
        #expect(storedConfig["config_hash"] as? String == row.configHash)
        #expect((storedConfig["experiment"] as? [String: Any])?["trial"] as? Int == 4)
        #expect(try RunRegistry(paths: paths).load(t4.runID).metrics?.totalReturnPct == direct.metrics.totalReturnPct)
        // The winner is the best feasible return.
        let best = s.windows[0].trials.filter(\.feasible).map { $0.objectives[0]! }.max()!
        #expect(s.windows[0].best?.objectives[0] == best)
        let again = try Optimizer(request: request, store: store).run()
        #expect(again.ran == 0 && again.skipped == 9 && again.experimentID == s.experimentID)
        #expect(again.windows[0].best?.trial == s.windows[0].best?.trial)
        let html = try OptimizeReport.write(again, to: paths.reportsDirectory + "/" + s.experimentID)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("Overfitting guard") && page.contains("Leaderboard") && page.contains("<svg") && page.contains("Parameter stability"))
    }

    /// Two shards into one store give exactly the trials of one unsharded run.
    @Test func shardsUnionEqualsOneRun() throws {
        let file = Self.write(Self.grid)
        let one = try BacktestRunnerTests.workspace()
        let whole = try Optimizer(request: OptimizeRequest(specPath: file, paths: one), store: try ResultsStore(path: one.databasePath)).run()
        let split = try BacktestRunnerTests.workspace()
        let store = try ResultsStore(path: split.databasePath)
        for i in 1...2 {
            var r = OptimizeRequest(specPath: file, paths: split)
            r.shard = (i, 2)
            let part = try Optimizer(request: r, store: store).run()
            #expect(part.ran == (i == 1 ? 5 : 4))
        }
        let a = try ResultsStore(path: one.databasePath).completedTrials(experimentID: whole.experimentID)
        let b = try store.completedTrials(experimentID: whole.experimentID)
        #expect(a.map(\.trial) == b.map(\.trial) && a.map(\.params) == b.map(\.params) && a.map(\.objectives) == b.map(\.objectives))
    }

    /// Walk-forward with TPE: each window searches its train days, its winner is scored on
    /// the test day after, and the out-of-sample equity is stitched.
    @Test func walkForwardScoresEachWinnerOutOfSample() throws {
        let paths = try BacktestRunnerTests.workspace()
        let file = Self.write("""
        name: wf
        data: {pair: BTC/USD}
        base: {backtest: {strategy: sma_cross, sizing: all-in}}
        space:
          strategies.sma_cross.fast: {range: [2, 8], step: 1}
          strategies.sma_cross.slow: {range: [10, 30], step: 5}
        objective: {metric: total_return_pct, goal: maximize}
        sampler: tpe
        trials: 8
        seed: 4
        walk_forward: {mode: rolling, train_days: 0.25, test_days: 0.125}
        """)
        var request = OptimizeRequest(specPath: file, paths: paths)
        request.workers = 2
        let s = try Optimizer(request: request, store: try ResultsStore(path: paths.databasePath)).run()
        #expect(s.windows.count == 6)                // 6 h train + 3 h test, moving by 3 h, over 24 h
        #expect(s.windows.allSatisfy { $0.trials.count == 8 && $0.test != nil })
        #expect(s.stitched.count > 100 && s.stitchedMetrics != nil)
        // Deterministic: a second experiment store gives the same choices.
        let other = try BacktestRunnerTests.workspace()
        let t = try Optimizer(request: OptimizeRequest(specPath: file, paths: other), store: try ResultsStore(path: other.databasePath)).run()
        #expect(t.windows.map { $0.best?.params } == s.windows.map { $0.best?.params })
        #expect(s.windows.allSatisfy { $0.deflatedSharpe != nil })
    }
}
