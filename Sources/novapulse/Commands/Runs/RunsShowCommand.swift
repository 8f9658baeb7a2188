import ArgumentParser
import Foundation
import NovaResearch

struct RunsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run: status, identity, metrics, where its report is.")

    @Argument(help: "Run id or a unique prefix of it.") var runID: String
    @OptionGroup var output: JSONOutput

    func run() throws {
        try ExitCodes.reporting {
            let paths = WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment)
            let registry = try RunRegistry(paths: paths)
            let run = try registry.load(runID)
            let r = run.record
            let trades = try registry.store.trades(runID: r.runID)
            let results = (r.results.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
            let report = (paths.reportsDirectory as NSString).appendingPathComponent("\(r.runID)/report.html")
            if output.json {
                print(Terminal.json(["run_id": r.runID, "status": r.status, "started_at": r.startedAt, "completed_at": r.completedAt ?? NSNull(),
                                     "pairs": r.pairs, "exchange": r.exchange, "strategy": r.strategy, "config_hash": r.configHash,
                                     "data_fingerprint": r.dataFingerprint, "results": results, "config": run.stored,
                                     "trades": trades.count, "error": r.error ?? NSNull(), "report": report]))
                return
            }
            var lines = ["Run \(r.runID) (\(r.status))", "  started    \(r.startedAt)", "  completed  \(r.completedAt ?? "-")",
                         "  pairs      \(r.pairs) on \(r.exchange)", "  strategy   \(r.strategy)", "  config     sha256 \(r.configHash)",
                         "  data       sha256 \(r.dataFingerprint)"]
            if let w = run.stored["window"] as? [String: String], (w["from"] ?? "") != "" || (w["to"] ?? "") != "" {
                lines.append("  window     \(w["from"].flatMap { $0.isEmpty ? nil : $0 } ?? "start") to \(w["to"].flatMap { $0.isEmpty ? nil : $0 } ?? "end")")
            }
            if let e = r.error { lines.append("  error      \(e)") }
            if let m = run.metrics {
                let rows = m.scalars.map { [$0.0, $0.1.map { String(format: "%.6g", $0) } ?? "n/a"] }
                lines.append(Terminal.table(["metric", "value"], rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            }
            lines.append("  trades stored: \(trades.count)")
            if FileManager.default.fileExists(atPath: report) { lines.append("  report     \(report)") }
            print(lines.joined(separator: "\n"))
        }
    }
}
