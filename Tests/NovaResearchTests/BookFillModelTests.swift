import Foundation
import Testing
import NovaCore
import NovaMarketData
import NovaStorage
import NovaTestSupport
@testable import NovaResearch

/// The book fill model end to end on real data: Bitstamp BTC/USD, 30 minutes of 20-level
/// snapshots and their trades (../shared/datasets), bars built from the trades.
@Suite struct BookFillModelTests {
    static func workspace(book: Bool = true, trades: Bool = true) throws -> WorkspacePaths {
        let root = Fixtures.scratch("bookws")
        let paths = WorkspacePaths(dataDirectory: root + "/data", databasePath: root + "/data/novapulse.db",
                                   reportsDirectory: root + "/reports", bundledDatasetsDirectory: root + "/none")
        let catalog = DatasetCatalog(dataDirectory: paths.dataDirectory)
        let (tape, info) = try TradeTapeImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.shared("bitstamp-btcusd-trades.csv"))
        let bars = TradeTapeImporter.bars(tape, timeframe: .oneMinute)
        var barInfo = info
        barInfo.kind = .ohlcv; barInfo.timeframe = .oneMinute; barInfo.rows = bars.count
        barInfo.firstMs = bars.timestampMs.first!; barInfo.lastMs = bars.timestampMs.last!
        try catalog.saveBars(bars, info: barInfo)
        if trades { try catalog.saveTrades(tape, info: info) }
        if book {
            let (b, bInfo, _) = try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.shared("bitstamp-btcusd-l2-20levels-1s.csv"))
            try catalog.saveBook(b, info: bInfo)
        }
        return paths
    }

    func request(_ paths: WorkspacePaths) -> BacktestRequest {
        var r = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        r.strategy = "buy_and_hold"
        r.sizing = .allIn
        r.fee = 0.001
        r.fillModel = "book"
        r.closeAtEnd = true
        return r
    }

    /// The entry walks the asks of the snapshot in force when the order arrives: its price is
    /// that walk's average for the units bought, and the slippage the decision's book predicted
    /// is the slippage realised (no latency: it is the same book). Money reconciles.
    @Test func entryWalksTheRealBook() throws {
        let paths = try Self.workspace()
        var r = request(paths)
        r.cash = 200_000           // about 2.5 BTC: more than the best ask holds
        let out = try BacktestRunner(request: r).run()
        let t = try #require(out.trades.first)
        let (book, _) = try DatasetCatalog(dataDirectory: paths.dataDirectory).loadBook(pair: Fixtures.btcusd, exchange: .kraken)
        let k = book.lastIndex(atOrBefore: t.entryTimeMs)
        #expect(t.entryTimeMs == t.entryDecisionTimeMs)                 // no latency: fills at the decision
        let vwap = try #require(ExecutionQuality.walk(book, k, buy: true, units: t.quantity))
        #expect(abs(t.entryPrice - vwap) < 1e-6)
        #expect(t.entryPrice > book.bestAsk(k) && t.entryFills > 1)     // it walked several levels
        let entry = try #require(out.executionLegs.first { $0.leg == "entry" })
        #expect(abs(entry.slippageBps! - entry.expectedSlippageBps!) < 1e-6)
        #expect(entry.spreadBps! > 0)
        #expect(out.execution.fillModel == "book" && out.execution.simulator.barsMatchedOnBook == 30)
        #expect(abs(out.engineCash - out.venueCash) < 1e-6)
        #expect(abs(out.metrics.finalEquity - (200_000 + out.metrics.realisedPnl + out.metrics.unrealisedPnl)) < 0.005)
        // Stored with the run: one row per leg, and the summary in the results.
        let store = try ResultsStore(path: paths.databasePath)
        let rows = try store.execution(runID: out.runID)
        #expect(rows.map(\.leg) == ["entry", "exit"] && rows[0].fills == t.entryFills)
        #expect(try store.run(out.runID).results!.contains("\"fill_model\":\"book\""))
    }

    /// Same data, config and seed: identical fills, even with the hostile fault profile;
    /// latency moves the fill to a later book.
    @Test func deterministicWithSeedAndFaults() throws {
        let paths = try Self.workspace()
        var r = request(paths)
        r.faults = "hostile"
        r.seed = 42
        r.strategy = "sma_cross"
        r.params = ["fast=3", "slow=8"]
        let a = try BacktestRunner(request: r).run(), b = try BacktestRunner(request: r).run()
        #expect(a.trades == b.trades && a.equity == b.equity)
        r.latencyMs = 2_500
        let late = try BacktestRunner(request: r).run()
        #expect(late.trades.first.map { $0.entryTimeMs - ($0.entryDecisionTimeMs ?? 0) } == 2_500)
    }

    /// No snapshots for the window: a clear error naming what exists and what to do.
    @Test func bookModelWithoutABookSaysSo() throws {
        let none = try Self.workspace(book: false)
        #expect { try BacktestRunner(request: request(none)).run() } throws: { error in
            "\(error)".contains("--fill-model book replays order-book snapshots and there are none for BTC/USD on kraken")
        }
        let paths = try BacktestRunnerTests.workspace()        // bars of 2024-06-01
        let catalog = DatasetCatalog(dataDirectory: paths.dataDirectory)
        let (b, bInfo, _) = try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.shared("bitstamp-btcusd-l2-20levels-1s.csv"))
        try catalog.saveBook(b, info: bInfo)
        #expect { try BacktestRunner(request: request(paths)).run() } throws: { error in
            let text = "\(error)"
            return text.contains("no BTC/USD order-book snapshots between 2024-06-01T00:00:00Z") && text.contains("2026-05-02T02:36:21Z")
                && text.contains("--fill-model candle")
        }
    }
}
