import ArgumentParser
import Foundation
import NovaCore
import NovaResearch

struct RunsCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare",
                                                    abstract: "Compare runs: metrics side by side and the configuration keys that differ.")

    @Argument(help: "Two or more run ids (unique prefixes are enough).") var runIDs: [String]
    @OptionGroup var output: JSONOutput

    func validate() throws {
        if runIDs.count < 2 { throw ValidationError("give at least two run ids to compare") }
    }

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let c = try registry.compare(runIDs)
            if output.json {
                print(Terminal.json([
                    "runs": c.runIDs,
                    "metrics": Dictionary(uniqueKeysWithValues: c.metrics.map { ($0.0, $0.1.map { $0 as Any? ?? NSNull() }) }),
                    "config_differences": Dictionary(uniqueKeysWithValues: c.configDifferences.map { ($0.0, $0.1) }),
                ]))
                return
            }
            // Durations in days and hours; the rest at 6 significant digits without an exponent.
            let metricRows = c.metrics.map { name, values in
                [name] + values.map { v in
                    v.map { name.hasSuffix("_seconds") ? NumberText.duration(seconds: $0) : NumberText.compact($0) } ?? "n/a"
                }
            }
            print(Terminal.table(["metric"] + c.runIDs, metricRows))
            print("")
            if c.configDifferences.isEmpty {
                print("Same configuration and data.")
            } else {
                print(Terminal.table(["config key (differs)"] + c.runIDs, c.configDifferences.map { [$0.0] + $0.1 }))
            }
        }
    }
}
