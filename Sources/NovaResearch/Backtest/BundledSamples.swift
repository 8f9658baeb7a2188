import Foundation
import NovaCore
import NovaMarketData

/// Small real datasets shipped in `datasets/` so that `novapulse backtest --pair BTC/USD` works
/// on a fresh clone with no import step: when the catalog lacks the data a run needs and a
/// sample matches, it is imported first (once), with a note saying so.
public enum BundledSamples {
    public struct Sample: Sendable {
        public var file: String
        public var pair: Pair
        public var exchange: ExchangeID
        public var timeframe: Timeframe
    }

    public static let all: [Sample] = [
        Sample(file: "btcusd-1m-2023-03-01_2023-03-21.csv.zst", pair: Pair(base: "BTC", quote: "USD"), exchange: .kraken, timeframe: .oneMinute),
        Sample(file: "btcusd-1m-2023-03-01_2023-03-21.csv.zst", pair: Pair(base: "BTC", quote: "USD"), exchange: .coinbase, timeframe: .oneMinute),
    ]

    /// Imports the bundled sample for this pair/exchange/timeframe into the catalog, if there
    /// is one. Returns a note for the user, or nil when no sample matches.
    public static func importIfAvailable(pair: Pair, exchange: ExchangeID, timeframe: Timeframe, datasetsDirectory: String,
                                         catalog: DatasetCatalog) throws -> String? {
        guard let sample = all.first(where: { $0.pair == pair && $0.exchange == exchange && $0.timeframe == timeframe }) else { return nil }
        let path = (datasetsDirectory as NSString).appendingPathComponent(sample.file)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let result = try OHLCVImporter(options: .init(pair: pair, exchange: exchange, timeframe: timeframe)).importFile(path)
        try catalog.saveBars(result.bars, info: result.info)
        return "imported the bundled sample \(path) as \(pair) \(exchange) \(timeframe) (\(result.info.rows) bars, "
            + "\(UTCTime.isoDate(result.info.firstMs)) to \(UTCTime.isoDate(result.info.lastMs)))"
    }
}
