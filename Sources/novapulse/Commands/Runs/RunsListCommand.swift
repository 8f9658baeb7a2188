import ArgumentParser
import Foundation
import NovaCore
import NovaResearch

struct RunsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")

    @Option(name: .long, help: "Only runs trading this pair, e.g. BTC/USD.") var pair: String?
    @Option(name: .long, help: "Only runs started at or after this time (YYYY-MM-DD or ISO 8601, UTC).") var since: String?
    @Option(name: .long, help: "How many runs to show (default 20).") var limit: Int = 20
    @Option(name: .long, help: ArgumentHelp("Which runs: backtest (the default), trial (optimizer trials), oos (walk-forward tests) or all.",
                                            valueName: "kind")) var kind: String?
    @Option(name: .long, help: ArgumentHelp("Only the runs of this optimisation (its id, e.g. ex-03b4e0fc319b): its trials and tests unless --kind says otherwise.",
                                            valueName: "id")) var experiment: String?
    @OptionGroup var output: JSONOutput

    func validate() throws {
        if let pair { try Validate.pair(pair) }
        if let since { _ = try Validate.time(since) }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let kind, !Self.kinds.contains(kind) {
            let shown = kind.count > 40 ? String(kind.prefix(40)) + "…" : kind
            let hint = DidYouMean.suggestion(for: kind, among: Self.kinds).map { " (did you mean \($0)?)" } ?? ""
            throw ValidationError("--kind \(shown): give one of \(Self.kinds.joined(separator: ", "))" + hint)
        }
        if let experiment, experiment.trimmingCharacters(in: .whitespaces).isEmpty || experiment.count > 100 {
            throw ValidationError("--experiment needs an experiment id, e.g. ex-03b4e0fc319b (novapulse optimize prints it)")
        }
    }

    static let kinds = ["backtest", "trial", "oos", "all"]

    /// The kinds listed: what --kind says; with --experiment and no --kind, its trials and tests;
    /// else backtests only (an optimisation stores hundreds of trials).
    var listedKinds: [String]? {
        switch kind ?? (experiment == nil ? "backtest" : "all") {
        case "all": return nil
        case let k: return [k]
        }
    }

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let sinceISO = try since.map { UTCTime.iso(try UTCTime.parse($0)) }
            let runs = try registry.store.runs(pair: try pair.map { try Pair(parsing: $0).description }, sinceISO: sinceISO, limit: limit,
                                               kinds: listedKinds, experiment: experiment)
            let results = runs.map { r -> [String: Any] in
                (r.results.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
            }
            if output.json {
                print(Terminal.json(zip(runs, results).map { r, m in
                    ["run_id": r.runID, "kind": r.kind, "started_at": r.startedAt, "completed_at": r.completedAt ?? NSNull(), "status": r.status,
                     "pairs": r.pairs, "exchange": r.exchange, "strategy": r.strategy, "config_hash": r.configHash,
                     "results": m.filter { $0.key != "notes" && !$0.key.hasPrefix("by_") && $0.key != "monthly_returns" },
                     "error": r.error ?? NSNull()] as [String: Any]
                }))
                return
            }
            if runs.isEmpty {
                let counts = try registry.store.runCountsByKind()
                let others = counts.filter { listedKinds?.contains($0.key) != true && $0.value > 0 }.sorted { $0.key < $1.key }
                if counts.values.reduce(0, +) == 0 {
                    print("No runs yet. Start one: novapulse backtest --pair BTC/USD")
                } else if pair == nil && since == nil && experiment == nil && !others.isEmpty {
                    print("No \(kind ?? "backtest") runs. The store holds " + others.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                          + " run(s): novapulse runs list --kind " + (others.count == 1 ? others[0].key : "all"))
                } else {
                    print("No runs match.")
                }
                return
            }
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
