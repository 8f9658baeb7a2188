import Foundation
import Testing
import NovaCore
import NovaMarketData
import NovaStorage
import NovaTestSupport
@testable import NovaResearch

@Suite struct RunRegistryTests {
    static func twoRuns() throws -> (WorkspacePaths, BacktestRunner.Outcome, BacktestRunner.Outcome) {
        let paths = try BacktestRunnerTests.workspace()
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.strategy = "sma_cross"
        request.fee = 0.001
        let a = try BacktestRunner(request: request).run()
        request.params = ["fast=5", "slow=20"]
        request.toMs = try UTCTime.parse("2024-06-01T12:00:00Z")
        let b = try BacktestRunner(request: request).run()
        return (paths, a, b)
    }

    @Test func compareShowsMetricsAndOnlyTheConfigThatDiffers() throws {
        let (paths, a, b) = try Self.twoRuns()
        let c = try RunRegistry(paths: paths).compare([a.runID, String(b.runID)])
        #expect(c.runIDs == [a.runID, b.runID])
        let trades = c.metrics.first { $0.0 == "trades" }!.1
        #expect(trades == [Double(a.metrics.trades), Double(b.metrics.trades)])
        let keys = c.configDifferences.map(\.0)
        #expect(keys.contains("strategies.sma_cross.fast") && keys.contains("strategies.sma_cross.slow") && keys.contains("window.to"))
        #expect(!keys.contains("risk.risk_per_trade"))
        #expect(c.configDifferences.first { $0.0 == "strategies.sma_cross.fast" }!.1 == ["10", "5"])
        #expect(throws: StorageError.self) { try RunRegistry(paths: paths).compare([a.runID, a.runID]) }
    }

    /// `runs report` rebuilds the same report files from the store alone (plus the catalog for prices).
    @Test func rerenderReproducesTheReportFiles() throws {
        let (paths, a, _) = try Self.twoRuns()
        let dir = a.reportDirectory
        var before: [String: String] = [:]
        for f in ReportWriter.files { before[f] = try String(contentsOfFile: "\(dir)/\(f)", encoding: .utf8) }
        try FileManager.default.removeItem(atPath: dir)
        let again = try RunRegistry(paths: paths).rerender(String(a.runID.prefix(30)))
        #expect(again == dir)
        for f in ["trades.csv", "equity.csv", "metrics.csv"] {
            #expect(try String(contentsOfFile: "\(dir)/\(f)", encoding: .utf8) == before[f], "\(f) differs")
        }
        let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
        for id in HTMLReport.sectionIDs { #expect(html.contains("<section id=\"\(id)\">")) }
        #expect(html.contains("Price: BTC/USD"))
        #expect(html.contains("<code>novapulse runs export \(a.runID) --signals</code> writes signals.csv"))
        // The report file is the same but for nothing: same inputs, same HTML.
        #expect(html == before["report.html"])
    }

    /// A report's work grows linearly in trades (counted, not timed): the money cells' currency
    /// is found once, not per cell (it was quadratic: 37 % of a 20,000-trade run).
    @Test func aReportsWorkGrowsLinearlyInTrades() throws {
        let (paths, a, _) = try Self.twoRuns()
        var artifacts = try RunRegistry(paths: paths).artifacts(a.runID)
        #expect(!artifacts.trades.isEmpty)
        let one = artifacts.trades
        for n in [1, 40] {
            artifacts.trades = Array((0..<n).map { _ in one }.joined())
            let report = HTMLReport(artifacts)
            let html = report.render()
            #expect(html.contains(" USD"))
            #expect(report.work.quoteDerivations == 1)
            #expect(report.work.rowsScannedForQuote == artifacts.prices.count + n * one.count)
        }
    }

    /// Issue 33 #11: a strategy that moves 9,804-10,000 beside buy-and-hold's 8,273-12,528 gets
    /// its own scale (its line spans the chart, not a flat line), buy-and-hold a second chart;
    /// the entry-hour chart has a y axis in money.
    @Test func chartsShowWhatTheyDraw() throws {
        let (paths, a, _) = try Self.twoRuns()
        var artifacts = try RunRegistry(paths: paths).artifacts(a.runID)
        let n = artifacts.equityTimestampMs.count
        #expect(n > 100 && !artifacts.trades.isEmpty)
        artifacts.equity = (0..<n).map { 10_000 - 196 * Double($0) / Double(n - 1) }
        artifacts.benchmark = (0..<n).map { 8_273 + 4_255 * Double($0) / Double(n - 1) }
        let html = HTMLReport(artifacts).render()
        let section = String(html[html.range(of: "<section id=\"equity\">")!.lowerBound...].prefix { $0 != "§" })
        let equity = String(section[..<section.range(of: "</section>")!.lowerBound])
        #expect(equity.components(separatedBy: "<svg").count == 3, "two charts")
        #expect(equity.contains("its range is 22x smaller than buy-and-hold's"), "\(equity.prefix(400))")
        // The strategy's line (the first chart's blue one) spans most of the plot's height.
        let line = try #require(equity.range(of: ##"stroke="#2557d6"[^>]*points="([^"]*)""##, options: .regularExpression).map { String(equity[$0]) })
        let ys = line.split(separator: "\"")[5].split(separator: " ").compactMap { Double($0.split(separator: ",").last ?? "") }
        #expect((ys.max()! - ys.min()!) > 150, "y from \(ys.min()!) to \(ys.max()!)")
        // One scale when they are comparable.
        artifacts.benchmark = (0..<n).map { 9_900 + 150 * Double($0) / Double(n - 1) }
        let together = HTMLReport(artifacts).render()
        let eq2 = String(together[together.range(of: "<section id=\"equity\">")!.lowerBound...])
        #expect(String(eq2[..<eq2.range(of: "</section>")!.lowerBound]).components(separatedBy: "<svg").count == 2)
        // The hour chart's axis: its largest bar's money at the top, zero in the middle.
        let maxHour = artifacts.metrics.byEntryHour.map { abs($0.pnl) }.max()!
        let hours = String(html[html.range(of: "<h3>By entry hour (UTC)</h3>")!.upperBound...].prefix(3_000))
        #expect(hours.contains(">" + String(format: "%.2f", maxHour) + " USD</text>") && hours.contains(">0</text>"), "\(hours.prefix(600))")
    }

    @Test func rerenderWithoutTheDataSaysSoAndStillRenders() throws {
        let (paths, a, _) = try Self.twoRuns()
        try FileManager.default.removeItem(atPath: paths.dataDirectory + "/market")
        let dir = try RunRegistry(paths: paths).rerender(a.runID)
        let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
        #expect(html.contains("no longer holds the data this run used"))
        #expect(!html.contains("Price: BTC/USD"))
    }

    @Test func deleteRemovesRowsAndReport() throws {
        let (paths, a, b) = try Self.twoRuns()
        let registry = try RunRegistry(paths: paths)
        #expect(try registry.delete(a.runID) == a.runID)
        #expect(!FileManager.default.fileExists(atPath: a.reportDirectory))
        #expect(throws: StorageError.self) { try registry.load(a.runID) }
        #expect(try registry.store.trades(runID: a.runID).isEmpty && registry.store.signals(runID: a.runID).isEmpty)
        #expect(try registry.load(b.runID).record.status == "completed")
    }

    /// The exported signals.csv of the full stack on a real day equals the text the report
    /// folder held before (made from the replay's in-memory evaluations), byte for byte.
    @Test func exportedSignalsEqualTheInMemoryTextOfTheFullStack() throws {
        let paths = try BacktestRunnerTests.workspace()
        let request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        let run = try BacktestRunner(request: request).run()
        #expect(run.config.backtest.strategy == "confluence")
        let (bars, _) = try DatasetCatalog(dataDirectory: paths.dataDirectory).loadBars(pair: Fixtures.btcusd, exchange: .kraken, timeframe: .oneMinute)
        let sim = try BacktestRunner.simulate(config: run.config, series: [bars], pairs: [Fixtures.btcusd], books: [nil], tapes: [nil])
        #expect(sim.replay.signals.count > 20 && sim.replay.signals.contains { $0.confluence != nil }, "\(sim.replay.signals.count)")
        let (path, rows) = try RunRegistry(paths: paths).exportSignals(run.runID, to: paths.reportsDirectory + "/x/signals.csv")
        #expect(rows == sim.replay.signals.count)
        let exported = try String(contentsOfFile: path, encoding: .utf8)
        let expected = CSVExport.signals(sim.replay.signals)
        #expect(exported == expected)
        if exported != expected {
            let (a, b) = (exported.split(separator: "\n"), expected.split(separator: "\n"))
            if let k = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) { Issue.record("line \(k): \(a[k]) vs \(b[k])") }
        }
    }

    @Test func signalsAreStoredWithTheirFate() throws {
        let (paths, a, _) = try Self.twoRuns()
        let signals = try RunRegistry(paths: paths).store.signals(runID: a.runID)
        #expect(!signals.isEmpty)
        #expect(signals.filter(\.actedUpon).count == a.trades.count + a.trades.filter { !$0.isOpen }.count)
        // signals.csv is not in the report folder: it is exported from the store on request.
        #expect(!FileManager.default.fileExists(atPath: a.reportDirectory + "/signals.csv"))
        let (path, rows) = try RunRegistry(paths: paths).exportSignals(String(a.runID.prefix(30)))
        #expect(path == a.reportDirectory + "/signals.csv" && rows == signals.count)
        let csv = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(csv[0].hasPrefix("time,pair,strategy,action,direction,strength,acted_upon,reason,rejection,confluence_count,confidence"))
        #expect(csv.count == signals.count + 1)
        let metrics = try String(contentsOfFile: a.reportDirectory + "/metrics.csv", encoding: .utf8)
        #expect(metrics.hasPrefix("metric,value,buy_and_hold\nfinal_equity,"))
        #expect(metrics.contains("\nsharpe,"))
    }
}
