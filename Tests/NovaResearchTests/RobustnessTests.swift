import Testing
@testable import NovaResearch

/// Issue 16 (robustness slice): resampled trades and per-bar returns, on cases worked by hand.
@Suite struct RobustnessTests {
    @Test func shufflingKeepsTheFinalEquityAndMovesTheDrawdown() {
        var s = Robustness.Settings()
        s.draws = 2_000
        // Ten wins of 100 and ten losses of 100: the end is always 10,000; the deepest drawdown
        // is between one loss (all wins first: 100 off 11,000) and ten (10 x 100 off 10,000).
        let pnl = Array(repeating: 100.0, count: 10) + Array(repeating: -100.0, count: 10)
        let r = Robustness.trades(pnl, initial: 10_000, settings: s)
        #expect(r.map(\.method) == ["shuffled trades", "bootstrapped trades"])
        let shuffled = r[0]
        #expect(shuffled.draws == 2_000 && shuffled.finalEquity == Robustness.Spread(p5: 10_000, p50: 10_000, p95: 10_000))
        #expect(shuffled.maxDrawdownPct.p5 >= 100 / 11_000 * 100 - 1e-9 && shuffled.maxDrawdownPct.p95 <= 10.0 + 1e-9)
        #expect(shuffled.maxDrawdownPct.p5 < shuffled.maxDrawdownPct.p95)
        #expect(shuffled.probabilityOfRuin == 0 && shuffled.sharpe.p50 == 0)
        // Bootstrapped: the end varies around 10,000, symmetric draws.
        #expect(r[1].finalEquity.p5 < 10_000 && r[1].finalEquity.p95 > 10_000)
    }

    @Test func ruinIsCountedAndTheSeedFixesEveryFigure() {
        var s = Robustness.Settings()
        s.draws = 1_000
        s.seed = 7
        let ruinous = Robustness.trades([-6_000, 500, 500], initial: 10_000, settings: s)
        #expect(ruinous[0].probabilityOfRuin == 1)       // -6,000 at any place takes 10,000 (or 11,000) to 5,000 or under: ruined at 50%
        let pnl = (0..<200).map { Double(($0 * 37) % 23) - 10 }
        let a = Robustness.trades(pnl, initial: 10_000, settings: s), b = Robustness.trades(pnl, initial: 10_000, settings: s)
        #expect(a == b)
        s.seed = 8
        #expect(Robustness.trades(pnl, initial: 10_000, settings: s)[1] != a[1])
    }

    @Test func blocksOfReturnsKeepTheirDependenceAndAreCapped() {
        var s = Robustness.Settings()
        s.draws = 500
        s.blockBars = 10
        // +1% and -1% alternating: blocks of 10 always hold five of each, so every draw ends
        // where the curve itself ends (a product of 100 pairs of 1.01 x 0.99).
        var equity = [10_000.0]
        for k in 0..<200 { equity.append(equity.last! * (k % 2 == 0 ? 1.01 : 0.99)) }
        let r = Robustness.blocks(equity: equity, barsPerYear: 525_600, settings: s)!
        #expect(abs(r.finalEquity.p50 - equity.last!) < 1e-6 * equity.last! && abs(r.finalEquity.p5 - r.finalEquity.p95) < 1e-6 * equity.last!)
        #expect(r.draws == 500)
        s.maxBarDraws = 2_000      // 200 returns: at most 10 draws under this cap
        #expect(Robustness.blocks(equity: equity, barsPerYear: 525_600, settings: s)!.draws == 10)
        #expect(Robustness.blocks(equity: [1], barsPerYear: 1, settings: s) == nil)
    }
}
