import ArgumentParser
import Foundation
import NovaCore

/// The `novapulse` command: a crypto trading research workbench.
@main
struct NovaPulse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "novapulse",
        abstract: "A workbench for crypto trading research: import market data, backtest the NovaPulse stack, compare runs.",
        discussion: """
        Data and results live in data/ (DB_PATH moves the SQLite database, NOVAPULSE_DATA_DIR the folder);
        reports are written to reports/RUN_ID/ (NOVAPULSE_REPORTS_DIR moves them).
        Exit codes: 0 success, 2 usage or configuration error, 3 data error, 1 internal error.
        """,
        version: "0.1.0",
        subcommands: [BacktestCommand.self, OptimizeCommand.self, LiveCommand.self, SecretsCommand.self, DataCommand.self, RunsCommand.self, IndicatorsCommand.self, SignalsCommand.self, PlotCommand.self]
    )

    /// Parses, runs, and maps every failure to NovaPulse's exit codes (see ExitCodes.swift):
    /// ArgumentParser's own usage errors would otherwise exit with 64.
    static func main() {
        // One line, one flush: under systemd, `| tee` or cron the lines show as they happen,
        // and a kill -9 loses none that was printed (stdout is block-buffered off a terminal).
        lineBufferStandardOutput()
        // A mistyped command: say so by its name (ArgumentParser would complain about the
        // first option instead: "Unknown option '--pair'").
        let args = CommandLine.arguments.dropFirst()
        if let first = args.first, !first.hasPrefix("-"), first != "help" {
            let names = configuration.subcommands.compactMap { $0.configuration.commandName }
            if !names.contains(first) {
                let hint = DidYouMean.suggestion(for: first, among: names).map { "; did you mean '\($0)'?" } ?? ""
                FileHandle.standardError.write(Data("error: unknown command '\(first)'\(hint) (commands: \(names.joined(separator: ", ")))\n".utf8))
                Foundation.exit(ExitCodes.usage)
            }
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(ExitCodes.usage)
        }
    }
}
