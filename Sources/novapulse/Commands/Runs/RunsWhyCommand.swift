import ArgumentParser
import Foundation
import NovaCore
import NovaResearch

struct RunsWhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        abstract: "What the stack saw and decided at a moment of a run: the evaluation, its filters or gates, the position, the equity.")

    @Argument(help: "Run id or a unique prefix of it.") var runID: String
    @Option(name: .long, help: "The moment: ISO 8601 time or unix time (UTC); the bar at or before it is used.") var at: String
    @OptionGroup var output: JSONOutput

    func validate() throws { _ = try Validate.time(at) }

    func run() throws {
        try ExitCodes.reporting {
            let registry = try RunRegistry(paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            let answer = try registry.why(runID, atMs: try UTCTime.parse(at))
            print(output.json ? Terminal.json(answer.json) : answer.text)
        }
    }
}
