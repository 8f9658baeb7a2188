import Foundation
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaStorage
import NovaVenue

/// Loading a run's data: bars from the catalog (a bundled sample imported on first use), order books and trades.
extension BacktestRunner {
    /// Loads each pair's bars from the catalog (importing a bundled sample if the catalog lacks
    /// it) and cuts them to the requested window.
    public func loadData(config: NovaPulseConfig, notes: inout [String]) throws -> [(BarSeries, DatasetInfo)] {
        let catalog = DatasetCatalog(dataDirectory: request.paths.dataDirectory)
        var out: [(BarSeries, DatasetInfo)] = []
        for pair in request.pairs {
            let (exchange, timeframe) = (config.backtest.exchange, config.backtest.timeframe)
            let loaded: (BarSeries, DatasetInfo)
            do {
                loaded = try catalog.loadBars(pair: pair, exchange: exchange, timeframe: timeframe)
            } catch MarketDataError.noDataset(let p, let e, let t, let hint) {
                guard let note = try BundledSamples.importIfAvailable(pair: pair, exchange: exchange, timeframe: timeframe,
                                                                      datasetsDirectory: request.paths.bundledDatasetsDirectory,
                                                                      catalog: catalog) else {
                    throw MarketDataError.noDataset(pair: p, exchange: e, timeframe: t, hint: hint)
                }
                notes.append(note)
                loaded = try catalog.loadBars(pair: pair, exchange: exchange, timeframe: timeframe)
            }
            let range = loaded.0.indices(fromMs: request.fromMs, toMs: request.toMs)
            guard range.count >= 2 else {
                let window = "\(request.fromMs.map(UTCTime.iso) ?? "start") to \(request.toMs.map(UTCTime.iso) ?? "end")"
                throw MarketDataError.usage("no \(pair) bars between \(window): the data covers \(UTCTime.iso(loaded.1.firstMs)) to \(UTCTime.iso(loaded.1.lastMs)); adjust --from/--to")
            }
            if loaded.1.gapCount > 0 {
                notes.append("\(pair): the data has \(loaded.1.gapCount) gap\(loaded.1.gapCount == 1 ? "" : "s") (\(loaded.1.missingBars) missing bars, largest \(loaded.1.largestGapBars)); "
                    + "no bars are fabricated: orders wait for the next real bar")
            }
            out.append((range.count == loaded.0.count ? loaded.0 : loaded.0.slice(range), loaded.1))
        }
        return out
    }

    /// Each pair's imported order-book snapshots when they overlap the bars, else nil (noted).
    /// The book fill model needs them: without snapshots in the window it stops with an error
    /// that says what the catalog holds and how to import more.
    func loadBooks(data: [(BarSeries, DatasetInfo)], config: NovaPulseConfig, notes: inout [String]) throws -> [OrderBookSeries?] {
        let catalog = DatasetCatalog(dataDirectory: request.paths.dataDirectory)
        let needBook = config.simulator.fillModel == "book"
        return try data.map { bars, info in
            let first = bars.timestampMs.first!, last = bars.timestampMs.last!
            let window = "\(UTCTime.iso(first)) to \(UTCTime.iso(last + info.timeframe.milliseconds))"
            let loaded: (OrderBookSeries, DatasetInfo)
            do {
                loaded = try catalog.loadBook(pair: info.pair, exchange: info.exchange)
            } catch MarketDataError.noDataset(let p, let e, _, let hint) {
                guard needBook else { return nil }
                throw MarketDataError.noDataset(pair: p, exchange: e, timeframe: "order-book",
                                                hint: "--fill-model book replays order-book snapshots and there are none for \(p) on \(e); " + hint)
            }
            let (book, bookInfo) = loaded
            guard bookInfo.lastMs >= first, bookInfo.firstMs <= last + info.timeframe.milliseconds else {
                guard needBook else { return nil }
                throw MarketDataError.usage("--fill-model book: no \(info.pair) order-book snapshots between \(window); the imported book covers "
                    + "\(UTCTime.iso(bookInfo.firstMs)) to \(UTCTime.iso(bookInfo.lastMs)). Choose --from/--to inside it, import a book for this "
                    + "period, or use --fill-model candle")
            }
            let inside = book.timestampMs.filter { $0 >= first && $0 <= last + info.timeframe.milliseconds }.count
            notes.append("\(info.pair): replaying \(inside) order-book snapshots alongside the bars"
                + (needBook ? " (book fill model: fills walk these books)" : " (OBI, book score, spread check)"))
            return book
        }
    }

    /// Each pair's imported trades (the book model's queue positions and stop triggers), or nil.
    func loadTrades(data: [(BarSeries, DatasetInfo)], notes: inout [String]) throws -> [TradeTape?] {
        let catalog = DatasetCatalog(dataDirectory: request.paths.dataDirectory)
        return try data.map { _, info in
            guard let (tape, _) = try catalog.loadTrades(pair: info.pair, exchange: info.exchange) else {
                notes.append("\(info.pair): no imported trades: resting limit orders fill only when the book trades through them, stops trigger on the touch")
                return nil
            }
            return tape
        }
    }
}
