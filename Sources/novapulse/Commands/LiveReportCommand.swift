import ArgumentParser
import Foundation
import NovaCore
import NovaResearch
import NovaStorage

/// `novapulse live report`: how far the simulator was from the exchange in a `--mode shadow`
/// session (docs/live.md "Shadow fills"). It reads the ledger only: no live stack needed.
struct LiveReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compare the simulator with the exchange: the real and simulated outcomes of a --mode shadow session's orders.",
        discussion: """
        Reads shadow_fills of the session's ledger (default data/live-EXCHANGE-shadow.db): fill rates, maker share, fees and \
        slippage against the decision price on both sides; the simulator's price, time and quantity differences from the \
        exchange; and which simulator settings (simulator.latency_ms, simulator.participation) matched the exchange best.
        """)

    @Option(name: .long, help: "The shadow session's ledger (default: data/live-EXCHANGE-shadow.db; NOVAPULSE_DATA_DIR moves data/).")
    var db: String?

    @Option(name: .long, help: "Exchange of the default ledger: kraken or coinbase.")
    var exchange: String = "kraken"

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard ["kraken", "coinbase"].contains(exchange.lowercased()) else { throw ValidationError("--exchange \(exchange): expected kraken or coinbase") }
    }

    func run() throws {
        let path = db ?? Self.defaultPath(exchange: exchange.lowercased())
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no ledger at \(path): run `novapulse live --mode shadow --confirm-real-money` first, or name one with --db")
        }
        let rows: [LiveLedger.ShadowFillRow]
        do {
            rows = try LiveLedger(store: try ResultsStore(path: path)).shadowFills()
        } catch {
            FileHandle.standardError.write(Data("error: \(path): \(error)\n".utf8))
            throw ExitCode(ExitCodes.data)
        }
        let report: ShadowReport
        do { report = try ShadowReport(rows: rows) } catch {
            FileHandle.standardError.write(Data("error: \(path): \(error)\n".utf8))
            throw ExitCode(ExitCodes.data)
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report.json, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(path)\n" + report.text)
        }
    }

    /// `data/live-EXCHANGE-shadow.db`, as `novapulse live --mode shadow` names it.
    static func defaultPath(exchange: String) -> String {
        let env = ProcessInfo.processInfo.environment
        let dir = env["NOVAPULSE_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
        return (dir as NSString).appendingPathComponent("live-\(exchange)-shadow.db")
    }
}
