import Foundation
import NovaCore

/// The imported datasets under `<data dir>/market/`, one columnar cache file each:
/// `market/<exchange>/<BASE-QUOTE>/<timeframe>.npbars` for OHLCV and `.../book.npbook` for
/// order-book snapshots. The file header holds the `DatasetInfo`, so listing reads headers only.
public struct DatasetCatalog: Sendable {
    public let root: String

    /// `dataDirectory` is NovaPulse's data folder (`data/` by default).
    public init(dataDirectory: String) {
        self.root = (dataDirectory as NSString).appendingPathComponent("market")
        removeOrphans()
    }

    /// Removes the temporary files (`1m.npbars.tmp-PID`) of imports whose process was killed
    /// before it renamed them: any command that opens the catalog does, not only the next
    /// import to finish (an 83 MB one stayed until then). Files of running processes stay.
    public func removeOrphans() {
        let fm = FileManager.default
        for exchange in (try? fm.contentsOfDirectory(atPath: root)) ?? [] {
            let dir = (root as NSString).appendingPathComponent(exchange)
            for pair in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] {
                OrphanFiles.remove(in: (dir as NSString).appendingPathComponent(pair), marker: ".tmp-")
            }
        }
    }

    public func barsPath(pair: Pair, exchange: ExchangeID, timeframe: Timeframe) -> String {
        "\(root)/\(exchange.rawValue)/\(pair.slug)/\(timeframe).npbars"
    }

    public func bookPath(pair: Pair, exchange: ExchangeID) -> String {
        "\(root)/\(exchange.rawValue)/\(pair.slug)/book.npbook"
    }

    public func tradesPath(pair: Pair, exchange: ExchangeID) -> String {
        "\(root)/\(exchange.rawValue)/\(pair.slug)/trades.nptrades"
    }

    public func saveTrades(_ tape: TradeTape, info: DatasetInfo) throws {
        try ColumnarFile.write([
            .int64("timestamp", tape.timestampMs), .float64("price", tape.price), .float64("size", tape.size),
            .float64("taker_buys", tape.takerBuys.map { $0 ? 1 : 0 }),
        ], info: info, to: tradesPath(pair: info.pair, exchange: info.exchange))
    }

    /// The pair's imported trades, or nil when none were imported.
    public func loadTrades(pair: Pair, exchange: ExchangeID) throws -> (TradeTape, DatasetInfo)? {
        let path = tradesPath(pair: pair, exchange: exchange)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let (header, cols) = try ColumnarFile.read(path)
        var tape = TradeTape()
        tape.timestampMs = try ColumnarFile.int64s(cols, "timestamp", path: path)
        tape.price = try ColumnarFile.doubles(cols, "price", path: path)
        tape.size = try ColumnarFile.doubles(cols, "size", path: path)
        tape.takerBuys = try ColumnarFile.doubles(cols, "taker_buys", path: path).map { $0 != 0 }
        guard tape.price.count == tape.count, tape.size.count == tape.count else { throw MarketDataError.corruptCache(path: path, reason: "column lengths disagree") }
        return (tape, header.info)
    }

    public func saveBars(_ bars: BarSeries, info: DatasetInfo) throws {
        var columns: [ColumnarFile.Column] = [
            .int64("timestamp", bars.timestampMs), .float64("open", bars.open), .float64("high", bars.high),
            .float64("low", bars.low), .float64("close", bars.close), .float64("volume", bars.volume),
        ]
        if let t = bars.trades { columns.append(.float64("trades", t)) }
        if let t = bars.takerBuyVolume { columns.append(.float64("taker_buy_volume", t)) }
        try ColumnarFile.write(columns, info: info, to: barsPath(pair: info.pair, exchange: info.exchange, timeframe: info.timeframe))
    }

    public func loadBars(pair: Pair, exchange: ExchangeID, timeframe: Timeframe) throws -> (BarSeries, DatasetInfo) {
        let path = barsPath(pair: pair, exchange: exchange, timeframe: timeframe)
        guard FileManager.default.fileExists(atPath: path) else {
            let others = list().filter { $0.kind == .ohlcv && $0.pair == pair }
            let hint = others.isEmpty
                ? "import it first: novapulse data import FILE --pair \(pair) --exchange \(exchange.rawValue)"
                : "available: " + others.map { "\($0.exchange) \($0.timeframe)" }.joined(separator: ", ")
                    + " (choose with --exchange/--timeframe, or import this one)"
            throw MarketDataError.noDataset(pair: pair.description, exchange: exchange.rawValue, timeframe: timeframe.description, hint: hint)
        }
        let (header, cols) = try ColumnarFile.read(path)
        var bars = BarSeries(
            timestampMs: try ColumnarFile.int64s(cols, "timestamp", path: path),
            open: try ColumnarFile.doubles(cols, "open", path: path), high: try ColumnarFile.doubles(cols, "high", path: path),
            low: try ColumnarFile.doubles(cols, "low", path: path), close: try ColumnarFile.doubles(cols, "close", path: path),
            volume: try ColumnarFile.doubles(cols, "volume", path: path))
        if cols["trades"] != nil { bars.trades = try ColumnarFile.doubles(cols, "trades", path: path) }
        if cols["taker_buy_volume"] != nil { bars.takerBuyVolume = try ColumnarFile.doubles(cols, "taker_buy_volume", path: path) }
        let n = bars.count
        guard [bars.open, bars.high, bars.low, bars.close, bars.volume].allSatisfy({ $0.count == n }), n == header.info.rows else {
            throw MarketDataError.corruptCache(path: path, reason: "column lengths disagree")
        }
        return (bars, header.info)
    }

    public func saveBook(_ book: OrderBookSeries, info: DatasetInfo) throws {
        try ColumnarFile.write([
            .int64("timestamp", book.timestampMs), .float64("bid_price", book.bidPrice), .float64("bid_size", book.bidSize),
            .float64("ask_price", book.askPrice), .float64("ask_size", book.askSize),
        ], info: info, to: bookPath(pair: info.pair, exchange: info.exchange))
    }

    public func loadBook(pair: Pair, exchange: ExchangeID) throws -> (OrderBookSeries, DatasetInfo) {
        let path = bookPath(pair: pair, exchange: exchange)
        guard FileManager.default.fileExists(atPath: path) else {
            throw MarketDataError.noDataset(pair: pair.description, exchange: exchange.rawValue, timeframe: "order-book",
                                            hint: "import snapshots with: novapulse data import FILE --kind book --pair \(pair) --exchange \(exchange)")
        }
        let (header, cols) = try ColumnarFile.read(path)
        var book = OrderBookSeries(depth: header.info.depth)
        book.timestampMs = try ColumnarFile.int64s(cols, "timestamp", path: path)
        book.bidPrice = try ColumnarFile.doubles(cols, "bid_price", path: path)
        book.bidSize = try ColumnarFile.doubles(cols, "bid_size", path: path)
        book.askPrice = try ColumnarFile.doubles(cols, "ask_price", path: path)
        book.askSize = try ColumnarFile.doubles(cols, "ask_size", path: path)
        guard book.bidPrice.count == book.count * book.depth else { throw MarketDataError.corruptCache(path: path, reason: "column lengths disagree") }
        return (book, header.info)
    }

    /// Every dataset in the catalog, sorted by pair, exchange, kind and timeframe.
    public func list() -> [DatasetInfo] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [DatasetInfo] = []
        for case let relative as String in walker where relative.hasSuffix(".npbars") || relative.hasSuffix(".npbook") || relative.hasSuffix(".nptrades") {
            if let header = try? ColumnarFile.readHeader("\(root)/\(relative)") { out.append(header.info) }
        }
        return out.sorted {
            ($0.pair.description, $0.exchange.rawValue, $0.kind.rawValue, $0.timeframe.seconds)
                < ($1.pair.description, $1.exchange.rawValue, $1.kind.rawValue, $1.timeframe.seconds)
        }
    }
}
