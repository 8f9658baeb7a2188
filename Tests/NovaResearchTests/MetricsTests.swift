import Foundation
import Testing
import NovaCore
import NovaMarketData
import NovaTestSupport
@testable import NovaResearch

@Suite struct MetricsTests {
    static let pair = Pair(base: "BTC", quote: "USD")

    static func trade(_ entry: Double, _ exit: Double, at t: Int64, hold: Int64 = 60_000, strategy: String = "s", fee: Double = 0) -> Trade {
        var x = Trade(tradeID: "T", pair: pair, side: .buy, strategy: strategy, entryTimeMs: t, entryPrice: entry, quantity: 1,
                      entryFee: fee, stopLoss: nil, takeProfit: nil, entryReason: "")
        x.exitTimeMs = t + hold; x.exitPrice = exit; x.exitReason = "signal"
        return x
    }

    /// A five-point equity curve and three trades, worked by hand.
    @Test func byHandOnAShortSeries() {
        let equity = [100.0, 110, 99, 121, 110]
        let ts: [Int64] = [0, 60_000, 120_000, 180_000, 240_000]
        let trades = [Self.trade(100, 110, at: 0), Self.trade(110, 99, at: 60_000), Self.trade(99, 121, at: 120_000, hold: 120_000)]
        let m = RunMetrics.compute(initialCash: 100, trades: trades, equityTimestampMs: ts, equity: equity, timeframe: .oneMinute,
                                   lastClose: [:], buyAndHoldEquity: [100, 101, 102, 103, 104], tradedNotional: 639)
        #expect(m.netPnl == 10 && abs(m.totalReturnPct - 10) < 1e-12)
        #expect(abs(m.maxDrawdownPct - 10) < 1e-12)       // 110 -> 99
        #expect(abs(m.maxDrawdown - 11) < 1e-12)
        #expect(m.maxDrawdownDurationSeconds == 120)      // peak 110 at 60 s, back above it (121) at 180 s
        // returns 0.1, -0.1, 2/9, -1/11
        let r = [0.1, -0.1, 22.0 / 99, -11.0 / 121]
        let mean = r.reduce(0, +) / 4
        let sd = (r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        #expect(abs(m.sharpe - mean / sd * 525_600.0.squareRoot()) < 1e-9)
        let downside = ((0.01 + 1.0 / 121) / 4).squareRoot()
        #expect(abs(m.sortino - mean / downside * 525_600.0.squareRoot()) < 1e-9)
        #expect(m.trades == 3 && m.wins == 2 && m.losses == 1)
        #expect(abs(m.winRate - 2.0 / 3) < 1e-12)
        #expect(m.profitFactor == 32.0 / 11)
        #expect(m.largestWin == 22 && m.largestLoss == -11)
        #expect(m.averageWin == 16 && m.averageLoss == -11)
        #expect(m.byStrategy == [BreakdownRow(key: "s", trades: 3, wins: 2, pnl: 21, fees: 0)])
        #expect(m.byExitMonth.map(\.key) == ["1970-01"])
        #expect(m.realisedPnl == 21 && m.unrealisedPnl == 0 && m.openTrades == 0)
        #expect(abs(m.expectancy - 7) < 1e-12)
        let sdPnl = ((9.0 + 324 + 225) / 2).squareRoot()  // pnls 10, -11, 22; mean 7
        #expect(abs(m.sqn! - 3.0.squareRoot() * 7 / sdPnl) < 1e-12)
        #expect(abs(m.exposurePct - 80) < 1e-12)         // samples 0..180s are inside trades
        #expect(abs(m.turnover - 639 / 108) < 1e-12)     // mean equity 108
        #expect(abs(m.tradesPerDay - 3 / (300.0 / 86_400)) < 1e-9)
        #expect(abs(m.averageHoldingSeconds - 80) < 1e-12)
        #expect(abs(m.buyAndHoldReturnPct - 4) < 1e-12)
        #expect(m.byExitReason == [BreakdownRow(key: "signal", trades: 3, wins: 2, pnl: 21, fees: 0)])
        #expect(m.byEntryHour.map(\.key) == ["00"])
    }

    struct Reference: Decodable {
        var total_return_pct: Double; var cagr_pct: Double; var volatility_pct: Double; var sharpe: Double; var sortino: Double
        var calmar: Double; var max_drawdown_pct: Double; var max_drawdown: Double; var max_drawdown_duration_seconds: Double
        var monthly_returns_pct: [String: Double]
    }

    /// Against empyrical on a longer real series (Kraken XBTUSD hourly, 2023 Q1):
    /// Tests/Fixtures/make_metrics_reference.py made the expected values.
    @Test func returnMetricsMatchEmpyrical() throws {
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("metrics_reference.json"))))
        let bars = try OHLCVImporter(options: .init(pair: Self.pair, exchange: .kraken)).importFile(Fixtures.path("kraken-xbtusd-60m-2023q1.csv")).bars
        let equity = bars.close.map { 10_000 * $0 / bars.close[0] }
        let m = ReturnMetrics.compute(timestampMs: bars.timestampMs, equity: equity, barsPerYear: Timeframe(seconds: 3600).barsPerYear)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }
        #expect(close(m.totalReturnPct, ref.total_return_pct))
        #expect(close(m.cagrPct, ref.cagr_pct))
        #expect(close(m.volatilityPct, ref.volatility_pct))
        #expect(close(m.sharpe, ref.sharpe))
        #expect(close(m.sortino, ref.sortino))
        #expect(close(m.calmar!, ref.calmar))
        #expect(close(m.maxDrawdownPct, ref.max_drawdown_pct))
        #expect(close(m.maxDrawdown, ref.max_drawdown))
        #expect(m.maxDrawdownDurationSeconds == ref.max_drawdown_duration_seconds)
        let monthly = ReturnMetrics.monthlyReturns(timestampMs: bars.timestampMs, equity: equity)
        #expect(monthly.map(\.month) == ref.monthly_returns_pct.keys.sorted())
        for mr in monthly { #expect(close(mr.returnPct, ref.monthly_returns_pct[mr.month]!)) }
    }

    @Test func buyAndHoldBenchmarkSplitsCashOverPairs() {
        let a = Bars.closes([100, 110, 120])
        let b = Bars.closes([10, 5], startMs: a.timestampMs[1])
        let curve = BacktestRunner.buyAndHoldEquity(series: [a, b], at: a.timestampMs, cash: 1000)
        let expected: [Double] = [1000, 550 + 500, 600 + 250]
        #expect(curve == expected)
    }
}

@Suite struct HTMLHelperTests {
    /// Both reports escape through one helper: text and attribute values alike.
    @Test func escapesTextAndAttributes() {
        #expect(HTML.escape(#"a<b & "c" 'd'>"#) == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        #expect(OptimizeReport.esc(#"x="1""#) == "x=&quot;1&quot;")
    }

    /// A long series is thinned to two points per column and keeps its extremes.
    @Test func polylineKeepsSpikes() {
        let values = (0..<10_000).map { $0 == 5_003 ? 100.0 : 1.0 }
        let line = HTML.polyline(count: values.count, columns: 100, color: "#000", width: 1, x: { Double($0) }, y: { values[$0] }, value: { values[$0] })
        let points = line.split(separator: "\"")[7].split(separator: " ")
        #expect(points.count == 200)
        #expect(points.contains("5003.0,100.0"))
    }
}

@Suite struct CSVFormattingTests {
    /// The fast two-decimal formatter gives what `%.2f` gives (away from exact binary ties).
    @Test func fixed2MatchesPrintf() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let x = Double.random(in: -3...3, using: &rng)
            let scaled = abs(x) * 100
            if abs(scaled - scaled.rounded(.down) - 0.5) < 1e-6 { continue }
            #expect(CSVExport.fixed2(x) == String(format: "%.2f", x), "\(x)")
        }
        #expect(CSVExport.fixed2(0) == "0.00" && CSVExport.fixed2(-0.001) == "-0.00" && CSVExport.fixed2(1.05) == String(format: "%.2f", 1.05))
    }
}

@Suite struct ReportGateTests {
    /// Refusals group by their gate, never cut mid-word.
    @Test func gatesOfRefusals() {
        #expect(HTMLReport.gate(of: "sizing: Kelly fraction -0.447 <= 0: no measured edge") == "sizing: Kelly fraction")
        #expect(HTMLReport.gate(of: "pair_cooldown: 120 s since the last BTC/USD trade, wait 900 s") == "pair_cooldown")
        #expect(HTMLReport.gate(of: "confidence 0.47 < 0.55") == "confidence")
        #expect(HTMLReport.gate(of: "timeframes disagree: 1 of 3 agree, fewer than 2") == "timeframes disagree")
        #expect(HTMLReport.gate(of: "risk_of_ruin: 1.0000, limit 0.01") == "risk_of_ruin")
        #expect(HTMLReport.gate(of: "a position or order is already open for BTC/USD") == "a position or order is already open for BTC/USD")
        #expect(HTMLReport.gate(of: "") == "")
    }
}

@Suite struct HonestFiguresTests {
    @Test func smallSamplesAreSaid() {
        #expect(SampleSize.warning(trades: 8, bars: 30) == "small sample: 8 closed trades (under 30) and 30 bars (under 1440): Sharpe, Sortino, win rate and profit factor are one draw here, not estimates")
        #expect(SampleSize.warning(trades: 1, bars: 50_000)?.hasPrefix("small sample: 1 closed trade (under 30):") == true)
        #expect(SampleSize.warning(trades: 30, bars: 1_440) == nil)
    }

    /// A run on one day of real bars: the report names its currency, warns of its sample, and
    /// does not call a drawdown that lasts to the end "back to" its peak.
    @Test func theReportSaysWhatItsFiguresAre() throws {
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: try BacktestRunnerTests.workspace())
        request.strategy = "buy_and_hold"
        let out = try BacktestRunner(request: request).run()
        let html = try String(contentsOfFile: out.reportDirectory + "/report.html", encoding: .utf8)
        #expect(html.contains(" USD</div>"))
        #expect(html.contains("Small sample: 1 closed trade") || html.contains("Small sample: 0 closed trades"))
        #expect(out.notes.contains { $0.hasPrefix("small sample: ") })
        // Which drawdown is the longest: the one still open at the end, or an earlier one?
        var peak = -Double.infinity, peakMs: Int64 = 0
        for (t, e) in zip(out.equityTimestampMs, out.equity) where e >= peak { peak = e; peakMs = t }
        let open = out.equity.last! < peak ? Double(out.equityTimestampMs.last! - peakMs) / 1000 : 0
        let unrecovered = open >= out.metrics.maxDrawdownDurationSeconds - 60
        #expect(html.contains("not recovered by the end of the data") == unrecovered)
        #expect(html.contains("from a peak back to it") == !unrecovered)
    }
}
