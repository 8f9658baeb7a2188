import ArgumentParser
import Foundation
import NovaResearch

struct RunsDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete",
                                                    abstract: "Delete a run: its row, trades, equity, signals and report folder.")

    @Argument(help: "Run id or a unique prefix of it.") var runID: String
    @Flag(name: .long, help: "Print the result as JSON.") var json = false

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let id = try registry.delete(runID)
            print(json ? Terminal.json(["deleted": id]) : "Deleted run \(id).")
        }
    }
}
