import ArgumentParser
import Foundation
import NovaResearch

/// `novapulse runs export RUN --signals`: the run's signals.csv, made from the store on request
/// (a year of the full stack records ~470,000 evaluations: 148 MB of text no run needs to write).
struct RunsExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a stored run's signals.csv: a row per evaluation of the stack and what became of it.",
        discussion: "Columns: time, pair, strategy, action, direction, strength, acted_upon, reason, rejection, then the confluence's "
            + "count, confidence, sure-fire flag, timeframe agreement, timeframes, regime, volatility regime and level, stop, target and votes.")

    @Argument(help: "Run id or a unique prefix of it.") var runID: String
    @Flag(name: .long, help: "Export the recorded evaluations as signals.csv (the only export for now).") var signals = false
    @Option(name: .long, help: "Where to write it (default: reports/RUN/signals.csv).") var out: String?
    @OptionGroup var output: JSONOutput

    func validate() throws {
        guard signals else { throw ValidationError("say what to export: --signals") }
    }

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let started = Date()
            let (path, rows) = try registry.exportSignals(runID, to: out)
            let seconds = Date().timeIntervalSince(started)
            if output.json {
                print(Terminal.json(["signals": path, "rows": rows, "seconds": seconds]))
            } else {
                print("Wrote \(rows) signals to \(path) (\(String(format: "%.1f", seconds)) s)")
            }
        }
    }
}
