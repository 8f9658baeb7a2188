import ArgumentParser
import Foundation
import NovaResearch

struct RunsReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report",
                                                    abstract: "Render a run's report folder again from the results store (HTML and CSVs).")

    @Argument(help: "Run id or a unique prefix of it.") var runID: String
    @OptionGroup var output: JSONOutput

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let dir = try registry.rerender(runID)
            if output.json {
                print(Terminal.json(["report": "\(dir)/report.html", "files": ReportWriter.files.map { "\(dir)/\($0)" }]))
            } else {
                print("Report: \(dir)/report.html")
            }
        }
    }
}
