import ArgumentParser
import Foundation
import NovaCore
import NovaResearch
import NovaStorage

/// `novapulse runs robustness RUN`: Monte Carlo resampling of a stored run (docs/research.md).
struct RunsRobustnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robustness",
        abstract: "How much of a run's result is luck: its trades shuffled and bootstrapped, its per-bar returns block-bootstrapped.",
        discussion: """
        Percentiles 5/50/95 of the final equity, the maximum drawdown, the longest drawdown and the Sharpe ratio over \
        the draws, and the probability of ruin (equity at or below --ruin-pct of the initial cash at any point). \
        Deterministic for a --seed; the draws run on all cores.
        """)

    @Argument(help: "Run id or a unique prefix of it.") var runID: String
    @Option(name: .long, help: "Draws per method (the block bootstrap takes fewer on long runs: at most 200 M bar-steps).") var draws = 10_000
    @Option(name: .long, help: "Seed of the draws.") var seed: UInt64 = 1
    @Option(name: .long, help: "Bars per block of the block bootstrap.") var blockBars = 60
    @Option(name: .long, help: "Ruin: equity at or below this percentage of the initial cash.") var ruinPct = 50.0
    @OptionGroup var output: JSONOutput

    func validate() throws {
        guard (1...1_000_000).contains(draws) else { throw ValidationError("--draws \(draws): expected 1 to 1000000") }
        guard (1...100_000).contains(blockBars) else { throw ValidationError("--block-bars \(blockBars): expected 1 to 100000") }
        guard ruinPct > 0 && ruinPct < 100 else { throw ValidationError("--ruin-pct \(ruinPct): expected above 0 and below 100") }
    }

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let a = try registry.artifacts(runID)
            var s = Robustness.Settings()
            s.draws = draws; s.seed = seed; s.blockBars = blockBars; s.ruinFraction = ruinPct / 100
            let initial = a.metrics.initialCash
            let pnl = a.trades.filter { !$0.isOpen }.compactMap(\.pnl)
            let barMs = a.equityTimestampMs.count > 1 ? max(1, a.equityTimestampMs[1] - a.equityTimestampMs[0]) : 60_000
            var results = Robustness.trades(pnl, initial: initial, settings: s)
            if let b = Robustness.blocks(equity: a.equity, barsPerYear: 365 * 86_400_000 / Double(barMs), settings: s) { results.append(b) }
            func spread(_ x: Robustness.Spread) -> [String: Any] {
                ["p5": x.p5.isFinite ? x.p5 : NSNull(), "p50": x.p50.isFinite ? x.p50 : NSNull(), "p95": x.p95.isFinite ? x.p95 : NSNull()]
            }
            let object: [String: Any] = ["run_id": a.runID, "seed": seed, "initial_cash": initial, "closed_trades": pnl.count,
                                         "ruin_pct": ruinPct, "block_bars": blockBars, "methods": results.map { r in
                ["method": r.method, "draws": r.draws, "final_equity": spread(r.finalEquity), "max_drawdown_pct": spread(r.maxDrawdownPct),
                 "longest_drawdown": spread(r.longestDrawdown), "sharpe": spread(r.sharpe), "probability_of_ruin": r.probabilityOfRuin] as [String: Any]
            }]
            // Stored with the run (`runs show RUN --json`: results.robustness); the latest replaces the one before.
            let text = Terminal.json(object)
            try ResultsStore(path: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment).databasePath)
                .setResult(runID: a.runID, key: "robustness", json: text)
            if output.json {
                print(text)
                return
            }
            print("Run \(a.runID): \(pnl.count) closed trades, final equity \(String(format: "%.2f", a.metrics.finalEquity)) "
                  + "from \(String(format: "%.2f", initial)); seed \(seed); percentiles 5 / 50 / 95")
            guard !results.isEmpty else { print("nothing to resample: no closed trade and no equity curve"); return }
            for r in results {
                let unit = r.method.hasPrefix("block") ? "bars" : "trades"
                func f(_ x: Robustness.Spread, _ fmt: String) -> String { [x.p5, x.p50, x.p95].map { String(format: fmt, $0) }.joined(separator: " / ") }
                print("")
                print("\(r.method), \(r.draws) draws")
                print(Terminal.table(["figure", "p5 / p50 / p95"], [
                    ["final equity", f(r.finalEquity, "%.2f")],
                    ["max drawdown", f(r.maxDrawdownPct, "%.2f%%")],
                    ["longest drawdown (\(unit))", f(r.longestDrawdown, "%.0f")],
                    [r.method.hasPrefix("block") ? "Sharpe (annualised)" : "Sharpe (per trade)", f(r.sharpe, "%.3f")],
                    ["P(ruin at \(String(format: "%g", ruinPct))% of cash)", String(format: "%.2f%%", r.probabilityOfRuin * 100)],
                ]))
            }
        }
    }
}
