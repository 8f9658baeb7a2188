import Foundation
import Testing
import NovaCore
import NovaMarketData
import NovaStorage
import NovaTestSupport
@testable import NovaResearch

@Suite struct BacktestRunnerTests {
    /// A workspace with the one-day Binance fixture imported as BTC/USD on kraken.
    static func workspace(extraPair: Pair? = nil) throws -> WorkspacePaths {
        let root = Fixtures.scratch("ws")
        let paths = WorkspacePaths(dataDirectory: root + "/data", databasePath: root + "/data/novapulse.db",
                                   reportsDirectory: root + "/reports", bundledDatasetsDirectory: root + "/none")
        let catalog = DatasetCatalog(dataDirectory: paths.dataDirectory)
        let r = try OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken)).importFile(Fixtures.path("btcusdt-1m-2024-06-01.csv"))
        try catalog.saveBars(r.bars, info: r.info)
        if let extraPair {
            // A second market: the same closes scaled, trading only the second half of the day.
            var bars = r.bars.slice(720..<1440)
            for k in 0..<bars.count { bars.open[k] /= 20; bars.high[k] /= 20; bars.low[k] /= 20; bars.close[k] /= 20 }
            var info = r.info
            info.pair = extraPair; info.rows = bars.count; info.firstMs = bars.timestampMs[0]
            try catalog.saveBars(bars, info: info)
        }
        return paths
    }

    struct Reference: Decodable {
        struct T: Decodable {
            var entry_time: Int64; var entry_price: Double; var quantity: Double; var entry_fee: Double
            var exit_time: Int64?; var exit_price: Double?; var exit_fee: Double?; var pnl: Double?
        }
        var closed_trades: [T]
        var open_trade: T?
        var final_equity: Double
    }

    /// The trade list and final equity of sma_cross on a real day of data equal those of an
    /// independent implementation (Tests/Fixtures/make_sma_cross_reference.py).
    @Test func smaCrossMatchesTheIndependentReference() throws {
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sma_cross_reference.json"))))
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: try Self.workspace())
        request.strategy = "sma_cross"
        // The reference fills whole orders at the open (no volume cap), units on Kraken's lot grid.
        request.params = ["fast=10", "slow=30", "simulator.participation=0"]
        request.fee = 0.001
        request.sizing = .allIn
        let out = try BacktestRunner(request: request).run()
        #expect(out.trades.count == ref.closed_trades.count + (ref.open_trade == nil ? 0 : 1))
        for (t, r) in zip(out.trades, ref.closed_trades + [ref.open_trade].compactMap { $0 }) {
            #expect(t.entryTimeMs == r.entry_time && t.entryPrice == r.entry_price)
            #expect(abs(t.quantity - r.quantity) <= 1e-12 * r.quantity)
            #expect(abs(t.entryFee - r.entry_fee) < 1e-9)
            #expect(t.exitTimeMs == r.exit_time && t.exitPrice == r.exit_price)
            if let pnl = r.pnl { #expect(abs(t.pnl! - pnl) < 1e-6) }
        }
        #expect(out.trades.last!.isOpen == (ref.open_trade != nil))
        #expect(abs(out.metrics.finalEquity - ref.final_equity) < 0.005)
        #expect(String(format: "%.2f", out.metrics.finalEquity) == String(format: "%.2f", ref.final_equity))
        // Reconciles to the cent: initial cash + closed P&L (fees included) + open mark-to-market.
        #expect(abs(out.metrics.finalEquity - (10_000 + out.metrics.realisedPnl + out.metrics.unrealisedPnl)) < 0.005)
        #expect(abs(out.engineCash - out.venueCash) < 1e-6)
    }

    /// Buy and hold, worked by hand: units = 10000 / (1.001 x open of bar 2), held to the end.
    @Test func buyAndHoldByHand() throws {
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: try Self.workspace())
        request.strategy = "buy_and_hold"
        request.fee = 0.001
        request.sizing = .allIn
        let out = try BacktestRunner(request: request).run()
        // Bar 2 opens at 67573.41; units cut to Kraken's 8 lot decimals.
        let units = (10_000 / (1.001 * 67573.41) * 1e8).rounded(.down) / 1e8
        #expect(out.trades.count == 1 && out.trades[0].isOpen)
        #expect(abs(out.trades[0].quantity - units) < 1e-12)
        #expect(abs(out.metrics.finalEquity - units * 67766.85) < 0.005)   // last close
        // --close-at-end sells at the last close and pays the exit fee.
        request.closeAtEnd = true
        let closed = try BacktestRunner(request: request).run()
        #expect(closed.trades[0].exitReason == "end_of_data" && closed.trades[0].exitPrice == 67766.85)
        #expect(abs(closed.metrics.finalEquity - units * 67766.85 * 0.999) < 0.005)
    }

    @Test func runIsStoredWithItsTradesEquityAndReports() throws {
        let paths = try Self.workspace()
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.strategy = "sma_cross"
        request.sizing = .fixedFractional     // through the risk manager: its sizing is in the trade's metadata
        request.fromMs = try UTCTime.parse("2024-06-01T06:00:00Z")
        request.toMs = try UTCTime.parse("2024-06-01T18:00:00Z")
        let out = try BacktestRunner(request: request).run()
        #expect(out.equity.count == 720)
        #expect(out.metrics.startTime == "2024-06-01T06:00:00Z" && out.metrics.endTime == "2024-06-01T17:59:00Z")
        let store = try ResultsStore(path: paths.databasePath)
        let row = try store.run(out.runID)
        #expect(row.status == "completed" && row.strategy == "sma_cross" && row.pairs == "BTC/USD")
        #expect(row.dataFingerprint == "c74d5643bb39562569929e33e4757d783743f4a4084d7f7051d9b9ffe6b358b7")
        #expect(row.config.contains("\"config_hash\"") && row.results!.contains("\"final_equity\""))
        let stored = try store.trades(runID: out.runID)
        #expect(stored.count == out.trades.count)
        // The seed's trade metadata: sizing (1% of 10,000 at risk to the assumed 2.5% stop, capped
        // at 25% of equity), fee rates, planned prices.
        let meta = try #require(stored.first?.metadata)
        let m = try JSONSerialization.jsonObject(with: Data(meta.utf8)) as! [String: Any]
        #expect([0.0025, 0.004].contains((m["entry_fee_rate"] as? NSNumber)?.doubleValue ?? 0))   // maker (limit) or taker (chase fallback)
        #expect(["limit", "market"].contains(m["order_type"] as? String ?? ""))
        #expect((m["size_usd"] as? NSNumber).map { abs($0.doubleValue - 2_500) < 30 } == true)
        #expect((m["risk_amount"] as? NSNumber).map { $0.doubleValue > 0 } == true)
        #expect(m["requested_units"] != nil && m["partial_fill"] as? Bool == false && m["planned_entry_price"] != nil)
        #expect(try store.equity(runID: out.runID).count == 720)

        let html = try String(contentsOfFile: out.reportDirectory + "/report.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        for id in HTMLReport.sectionIDs { #expect(html.contains("<section id=\"\(id)\">"), "missing section \(id)") }
        #expect(html.components(separatedBy: "<section").count == html.components(separatedBy: "</section>").count)
        #expect(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"))   // self-contained
        let trades = try String(contentsOfFile: out.reportDirectory + "/trades.csv", encoding: .utf8).split(separator: "\n")
        #expect(trades.count == out.trades.count + 1)
        #expect(trades[0].hasPrefix("trade_id,pair,side,strategy,status,entry_time,entry_price,exit_time,exit_price,quantity,pnl"))
        let equity = try String(contentsOfFile: out.reportDirectory + "/equity.csv", encoding: .utf8).split(separator: "\n")
        #expect(equity.count == 721 && equity[1].hasPrefix("2024-06-01T06:00:00Z,10000"))
    }

    @Test func aRunThatFailsIsStoredAsFailed() throws {
        let paths = try Self.workspace()
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.strategy = "buy_and_hold"
        request.fillModel = "book"                  // no order-book snapshots imported: the run stops once begun
        #expect(throws: (any Error).self) { try BacktestRunner(request: request).run() }
        let runs = try ResultsStore(path: paths.databasePath).runs()
        #expect(runs.count == 1 && runs[0].status == "failed" && runs[0].error != nil && runs[0].results == nil)
    }

    /// The report folder appears only once the run is committed: a run whose storing fails
    /// leaves no report, a finished one leaves no staging folder, and a staging folder of a
    /// killed backtest is removed by the next run.
    @Test func theReportAppearsOnlyWithItsCommittedRun() throws {
        let paths = try Self.workspace()
        try FileManager.default.createDirectory(atPath: paths.reportsDirectory, withIntermediateDirectories: true)
        let stale = paths.reportsDirectory + "/bt-dead.staging-2147483000"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.strategy = "buy_and_hold"
        let out = try BacktestRunner(request: request).run()
        let names = try FileManager.default.contentsOfDirectory(atPath: paths.reportsDirectory)
        #expect(names == [out.runID], "\(names)")
        #expect(FileManager.default.fileExists(atPath: out.reportDirectory + "/report.html"))
        // Storing fails (the database is a folder): the run is not stored and no report is left.
        var broken = paths
        broken.databasePath = Fixtures.scratch("dbdir")
        var second = BacktestRequest(pairs: [Fixtures.btcusd], paths: broken)
        second.strategy = "buy_and_hold"
        #expect(throws: (any Error).self) { try BacktestRunner(request: second).run() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: paths.reportsDirectory) == [out.runID])
    }

    @Test func severalPairsShareOneBankrollInTimeOrder() throws {
        let eth = Pair(base: "ETH", quote: "USD")
        var request = BacktestRequest(pairs: [Fixtures.btcusd, eth], paths: try Self.workspace(extraPair: eth))
        request.strategy = "sma_cross"
        request.fee = 0.001
        let out = try BacktestRunner(request: request).run()
        #expect(out.equity.count == 1440)            // one sample per distinct timestamp
        #expect(Set(out.trades.map(\.pair)) == [Fixtures.btcusd, eth])
        #expect(out.trades.filter { $0.pair == eth }.allSatisfy { $0.entryTimeMs >= 1_717_200_000_000 + 720 * 60_000 })
        #expect(abs(out.metrics.finalEquity - (10_000 + out.metrics.realisedPnl + out.metrics.unrealisedPnl)) < 0.005)
        #expect(abs(out.engineCash - out.venueCash) < 1e-6)
    }

    @Test func missingDataAndEmptyWindowsAreClearErrors() throws {
        var request = BacktestRequest(pairs: [Pair(base: "SOL", quote: "USD")], paths: try Self.workspace())
        #expect { try BacktestRunner(request: request).run() } throws: {
            "\($0)" == "no 1m data for SOL/USD on kraken: import it first: novapulse data import FILE --pair SOL/USD --exchange kraken"
        }
        request.pairs = [Fixtures.btcusd]
        request.fromMs = try UTCTime.parse("2025-01-01")
        #expect { try BacktestRunner(request: request).run() } throws: { "\($0)".contains("the data covers 2024-06-01T00:00:00Z to 2024-06-01T23:59:00Z") }
        request.fromMs = nil
        request.strategy = "nope"
        #expect { try BacktestRunner(request: request).run() } throws: { "\($0)".contains("--strategy = 'nope' is not allowed") }
    }

    @Test func sameInputsGiveIdenticalTrades() throws {
        let paths = try Self.workspace()
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.params = ["risk.stop_loss_floor_pct=0.002", "risk.take_profit_floor_pct=0.004"]
        let a = try BacktestRunner(request: request).run()
        let b = try BacktestRunner(request: request).run()
        #expect(a.trades == b.trades && a.equity == b.equity && a.metrics == b.metrics)
        #expect(a.runID != b.runID)
        #expect(!a.trades.isEmpty)
        // Every trade after warm-up carries the regime of its decision bar; the breakdown adds up.
        #expect(a.trades.allSatisfy { $0.entryRegime != nil || $0.entryTimeMs < 1_717_200_000_000 + 40 * 60_000 })
        #expect(a.metrics.byRegime.reduce(0) { $0 + $1.trades } == a.metrics.trades)
    }

    /// Issue 32 #4: a run killed between its commit and the rename of its report folder keeps
    /// its report: the next run moves the dead process's staging folder into place; a staging
    /// folder of a run the store does not call completed is removed.
    @Test func aCompletedRunsStagedReportIsMovedIntoPlace() throws {
        let paths = try Self.workspace()
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.strategy = "buy_and_hold"
        let first = try BacktestRunner(request: request).run()
        let dead: Int32 = 4_000_000     // above pid_max: no such process
        let staged = first.reportDirectory + ".staging-\(dead)"
        try FileManager.default.moveItem(atPath: first.reportDirectory, toPath: staged)
        let orphan = paths.reportsDirectory + "/bt-19990101-000000-abcdef.staging-\(dead)"
        try FileManager.default.createDirectory(atPath: orphan, withIntermediateDirectories: true)
        _ = try BacktestRunner(request: request).run()
        #expect(FileManager.default.fileExists(atPath: first.reportDirectory + "/report.html"))
        #expect(!FileManager.default.fileExists(atPath: staged) && !FileManager.default.fileExists(atPath: orphan))
    }

    @Test func bundledSampleIsImportedOnFirstUse() throws {
        let root = Fixtures.scratch("bundled")
        let paths = WorkspacePaths(dataDirectory: root + "/data", databasePath: root + "/db.sqlite", reportsDirectory: root + "/reports",
                                   bundledDatasetsDirectory: Fixtures.packageRoot.appendingPathComponent("datasets").path)
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.strategy = "buy_and_hold"
        let out = try BacktestRunner(request: request).run()
        #expect(out.notes.first?.hasPrefix("imported the bundled sample") == true)
        #expect(out.metrics.bars == 30_240)
        let again = try BacktestRunner(request: request).run()
        #expect(again.notes.allSatisfy { !$0.hasPrefix("imported") })
    }
}

@Suite struct BookReplayTests {
    /// Order-book snapshots imported for the pair are replayed with the bars: the run says so
    /// and every recorded confluence carries OBI and book score.
    @Test func snapshotsCoveringTheBarsReachTheStack() throws {
        let paths = try BacktestRunnerTests.workspace()
        let catalog = DatasetCatalog(dataDirectory: paths.dataDirectory)
        let (bars, _) = try catalog.loadBars(pair: Fixtures.btcusd, exchange: .kraken, timeframe: .oneMinute)
        var lines = ""
        for i in 0..<bars.count {
            let c = bars.close[i]
            lines += "{\"timestamp\": \(bars.timestampMs[i] + 59_000), \"bids\": [[\(c - 0.5), 3], [\(c - 1), 2]], \"asks\": [[\(c + 0.5), 1], [\(c + 1), 1]]}\n"
        }
        let (book, info, _) = try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.file(lines, name: "book.jsonl"))
        try catalog.saveBook(book, info: info)
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.strategy = "confluence"
        let out = try BacktestRunner(request: request).run()
        #expect(out.notes.contains("BTC/USD: replaying 1440 order-book snapshots alongside the bars (OBI, book score, spread check)"))
        let signals = try ResultsStore(path: paths.databasePath).signals(runID: out.runID)
        #expect(!signals.isEmpty)
        #expect(signals.allSatisfy { $0.metadata?.contains("\"obi\":\((3.0 / 7).description)") == true })
    }
}

@Suite struct ThoughtLogTests {
    /// Every refused entry and every trade opened and closed lands in the seed's thought_log,
    /// tagged with the run.
    @Test func refusalsAndTradesAreLogged() throws {
        let paths = try BacktestRunnerTests.workspace()
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.strategy = "sma_cross"
        request.params = ["fast=3", "slow=8"]
        request.sizing = .fixedFractional     // the risk manager's refusals are what is logged
        let out = try BacktestRunner(request: request).run()
        let thoughts = try ResultsStore(path: paths.databasePath).thoughts(runID: out.runID)
        let risk = thoughts.filter { $0.category == "risk" }
        let refused = risk.filter { $0.message.contains("entry refused: ") }
        #expect(!refused.isEmpty && refused.allSatisfy { $0.severity == "warning" })
        // The rest of the risk thoughts are halts beginning and ending (docs/risk.md).
        let halts = risk.filter { !$0.message.contains("entry refused: ") }
        #expect(halts.allSatisfy { $0.message.hasPrefix("trading halted by ") || $0.message.hasPrefix("trading resumed: ") })
        #expect(halts.filter { $0.message.hasPrefix("trading halted by ") }.count == out.halts.count)
        #expect(refused.contains { $0.message.contains("pair_cooldown") })
        let trades = thoughts.filter { $0.category == "trade" }
        #expect(trades.count == out.trades.count + out.trades.filter { !$0.isOpen }.count)
        #expect(thoughts.map(\.timestamp) == thoughts.map(\.timestamp).sorted())
        _ = try RunRegistry(paths: paths).delete(out.runID)
        #expect(try ResultsStore(path: paths.databasePath).thoughts(runID: out.runID).isEmpty)
    }
}
