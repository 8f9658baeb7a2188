import ArgumentParser

/// `novapulse runs`: the registry of stored runs.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, inspect, compare, re-render and delete stored runs (a unique run id prefix is enough).",
        subcommands: [RunsListCommand.self, RunsShowCommand.self, RunsCompareCommand.self, RunsReportCommand.self, RunsDeleteCommand.self, RunsWhyCommand.self, RunsExportCommand.self,
                      RunsRobustnessCommand.self])
}
