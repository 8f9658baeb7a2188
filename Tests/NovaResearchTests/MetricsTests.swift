import Testing
import NovaCore
@testable import NovaResearch

@Suite struct MetricsTests {
    /// A five-point equity curve worked by hand.
    @Test func drawdownSharpeAndTradeStatsByHand() {
        let pair = Pair(base: "BTC", quote: "USD")
        func trade(_ entry: Double, _ exit: Double, at t: Int64) -> Trade {
            var x = Trade(tradeID: "T", pair: pair, side: .buy, strategy: "s", entryTimeMs: t, entryPrice: entry, quantity: 1,
                          entryFee: 0, stopLoss: nil, takeProfit: nil, entryReason: "")
            x.exitTimeMs = t + 60_000; x.exitPrice = exit
            return x
        }
        let equity = [100.0, 110, 99, 121, 110]
        let ts: [Int64] = [0, 60_000, 120_000, 180_000, 240_000]
        let m = RunMetrics.compute(initialCash: 100, trades: [trade(100, 110, at: 0), trade(110, 99, at: 60_000), trade(99, 121, at: 120_000)],
                                   equityTimestampMs: ts, equity: equity, timeframe: .oneMinute, lastClose: [:], buyAndHoldReturn: 0.1)
        #expect(m.netPnl == 10 && abs(m.totalReturnPct - 10) < 1e-12)
        #expect(abs(m.maxDrawdownPct - 10) < 1e-12)   // 110 -> 99
        #expect(abs(m.maxDrawdown - 11) < 1e-12)
        // returns 0.1, -0.1, 2/9, -1/11
        let r = [0.1, -0.1, 22.0 / 99, -11.0 / 121]
        let mean = r.reduce(0, +) / 4
        let sd = (r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        #expect(abs(m.sharpe - mean / sd * 525_600.0.squareRoot()) < 1e-9)
        #expect(m.trades == 3 && m.wins == 2 && m.losses == 1)
        #expect(abs(m.winRate - 2.0 / 3) < 1e-12)
        #expect(m.profitFactor == 32.0 / 11)
        #expect(m.largestWin == 22 && m.largestLoss == -11)
        #expect(abs(m.exposurePct - 60) < 1e-12)     // samples at 0, 60s, 120s are inside trades
        #expect(abs(m.buyAndHoldReturnPct - 10) < 1e-12)
    }
}
