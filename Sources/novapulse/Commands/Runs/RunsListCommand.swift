import ArgumentParser
import Foundation
import NovaCore
import NovaResearch

struct RunsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")

    @Option(name: .long, help: "Only runs trading this pair, e.g. BTC/USD.") var pair: String?
    @Option(name: .long, help: "Only runs started at or after this time (YYYY-MM-DD or ISO 8601, UTC).") var since: String?
    @Option(name: .long, help: "How many runs to show (default 20).") var limit: Int = 20
    @OptionGroup var output: JSONOutput

    func validate() throws {
        if let pair { try Validate.pair(pair) }
        if let since { _ = try Validate.time(since) }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let sinceISO = try since.map { UTCTime.iso(try UTCTime.parse($0)) }
            let runs = try registry.store.runs(pair: try pair.map { try Pair(parsing: $0).description }, sinceISO: sinceISO, limit: limit)
            let results = runs.map { r -> [String: Any] in
                (r.results.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
            }
            if output.json {
                print(Terminal.json(zip(runs, results).map { r, m in
                    ["run_id": r.runID, "started_at": r.startedAt, "completed_at": r.completedAt ?? NSNull(), "status": r.status,
                     "pairs": r.pairs, "exchange": r.exchange, "strategy": r.strategy, "config_hash": r.configHash,
                     "results": m.filter { $0.key != "notes" && !$0.key.hasPrefix("by_") && $0.key != "monthly_returns" },
                     "error": r.error ?? NSNull()] as [String: Any]
                }))
                return
            }
            if runs.isEmpty { print("No runs yet. Start one: novapulse backtest --pair BTC/USD"); return }
            let rows = zip(runs, results).map { r, m -> [String] in
                // A failed or interrupted run says why in its row (the first words; `runs show` has all of it).
                let status = r.error.map { e -> String in
                    let line = e.split(separator: "\n").first.map(String.init) ?? e
                    return "\(r.status): " + (line.count > 48 ? line.prefix(47) + "…" : line)
                } ?? r.status
                return [r.runID, String(r.startedAt.prefix(19)), status, r.pairs, r.strategy,
                 (m["trades"] as? Int).map(String.init) ?? "",
                 (m["total_return_pct"] as? Double).map { String(format: "%.2f%%", $0) } ?? "",
                 (m["max_drawdown_pct"] as? Double).map { String(format: "%.2f%%", $0) } ?? "",
                 (m["sharpe"] as? Double).map { String(format: "%.2f", $0) } ?? ""]
            }
            print(Terminal.table(["run", "started", "status", "pairs", "strategy", "trades", "return", "max dd", "sharpe"], rows))
        }
    }
}
