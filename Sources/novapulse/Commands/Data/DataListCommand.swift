import ArgumentParser
import Foundation
import NovaCore
import NovaMarketData
import NovaResearch

/// `novapulse data list`: what the catalog holds.
struct DataListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List imported datasets.")

    @OptionGroup var output: JSONOutput

    func run() throws {
        try ExitCodes.reporting {
            let paths = WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment)
            let infos = DatasetCatalog(dataDirectory: paths.dataDirectory).list()
            if output.json {
                print(Terminal.json(infos.map { i -> [String: Any] in
                    ["pair": i.pair.description, "exchange": i.exchange.rawValue, "kind": i.kind.rawValue, "timeframe": i.timeframe.description,
                     "first": UTCTime.iso(i.firstMs), "last": UTCTime.iso(i.lastMs), "rows": i.rows, "gaps": i.gapCount,
                     "missing_bars": i.missingBars, "fingerprint": i.fingerprint, "source": i.sourcePath]
                }))
                return
            }
            if infos.isEmpty {
                print("No datasets yet. Import one: novapulse data import FILE --pair BTC/USD --exchange kraken")
                return
            }
            let rows = infos.map { i -> [String] in
                [i.pair.description, i.exchange.rawValue, i.kind == .book ? "book(\(i.depth))" : i.kind == .trades ? "trades" : i.timeframe.description,
                 String(UTCTime.iso(i.firstMs).prefix(16)), String(UTCTime.iso(i.lastMs).prefix(16)), "\(i.rows)",
                 i.kind != .ohlcv ? "-" : "\(i.gapCount) (\(i.missingBars) bars)", String(i.fingerprint.prefix(12))]
            }
            print(Terminal.table(["pair", "exchange", "timeframe", "first", "last", "rows", "gaps", "fingerprint"], rows))
        }
    }
}
