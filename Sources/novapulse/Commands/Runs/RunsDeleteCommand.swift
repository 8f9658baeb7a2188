import ArgumentParser
import Foundation
import NovaResearch

struct RunsDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete",
                                                    abstract: "Delete a run: its row, trades, equity, signals and report folder.")

    @Argument(help: "Run id or a unique prefix of it.") var runID: String
    @OptionGroup var output: JSONOutput

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let id = try registry.delete(runID)
            print(output.json ? Terminal.json(["deleted": id]) : "Deleted run \(id).")
        }
    }
}
