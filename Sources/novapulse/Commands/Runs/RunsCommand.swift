import ArgumentParser
import Foundation
import NovaCore
import NovaResearch
import NovaStorage

/// `novapulse runs`: the registry of stored runs.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List and inspect stored runs.", subcommands: [RunsListCommand.self, RunsShowCommand.self])
}

struct RunsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")

    @Option(name: .long, help: "Only runs trading this pair.") var pair: String?
    @Option(name: .long, help: "How many runs to show.") var limit: Int = 20
    @Flag(name: .long, help: "Print as JSON.") var json = false

    func run() throws {
        try ExitCodes.reporting {
            let store = try ResultsStore(path: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment).databasePath)
            try store.recoverInterruptedRuns(host: ProcessInfo.processInfo.hostName, isAlive: { kill(pid_t($0), 0) == 0 })
            let runs = try store.runs(pair: pair.map { try Pair(parsing: $0).description }, limit: limit)
            let results = runs.map { r -> [String: Any] in
                (r.results.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
            }
            if json {
                print(Terminal.json(zip(runs, results).map { r, m in
                    ["run_id": r.runID, "started_at": r.startedAt, "status": r.status, "pairs": r.pairs, "exchange": r.exchange,
                     "strategy": r.strategy, "results": m, "error": r.error ?? NSNull()] as [String: Any]
                }))
                return
            }
            if runs.isEmpty { print("No runs yet. Start one: novapulse backtest --pair BTC/USD"); return }
            let rows = zip(runs, results).map { r, m -> [String] in
                [r.runID, String(r.startedAt.prefix(19)), r.status, r.pairs, r.strategy,
                 (m["trades"] as? Int).map(String.init) ?? "",
                 (m["total_return_pct"] as? Double).map { String(format: "%.2f%%", $0) } ?? "",
                 (m["max_drawdown_pct"] as? Double).map { String(format: "%.2f%%", $0) } ?? "",
                 (m["sharpe"] as? Double).map { String(format: "%.2f", $0) } ?? ""]
            }
            print(Terminal.table(["run", "started", "status", "pairs", "strategy", "trades", "return", "max dd", "sharpe"], rows))
        }
    }
}

struct RunsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run (an id prefix is enough when unique).")

    @Argument(help: "Run id or a unique prefix of it.") var runID: String
    @Flag(name: .long, help: "Print as JSON.") var json = false

    func run() throws {
        try ExitCodes.reporting {
            let store = try ResultsStore(path: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment).databasePath)
            let r = try store.run(runID)
            let trades = try store.trades(runID: r.runID)
            let results = (r.results.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
            if json {
                print(Terminal.json(["run_id": r.runID, "status": r.status, "started_at": r.startedAt, "completed_at": r.completedAt ?? NSNull(),
                                     "pairs": r.pairs, "exchange": r.exchange, "strategy": r.strategy, "config_hash": r.configHash,
                                     "data_fingerprint": r.dataFingerprint, "results": results, "trades": trades.count, "error": r.error ?? NSNull()]))
                return
            }
            var lines = ["Run \(r.runID) (\(r.status))", "  started   \(r.startedAt)", "  completed \(r.completedAt ?? "-")",
                         "  pairs     \(r.pairs) on \(r.exchange)", "  strategy  \(r.strategy)", "  config    sha256 \(r.configHash)",
                         "  data      sha256 \(r.dataFingerprint)"]
            if let e = r.error { lines.append("  error     \(e)") }
            for key in results.keys.sorted() { lines.append("  \(key.padding(toLength: 24, withPad: " ", startingAt: 0)) \(results[key]!)") }
            lines.append("  trades stored: \(trades.count)")
            print(lines.joined(separator: "\n"))
        }
    }
}
