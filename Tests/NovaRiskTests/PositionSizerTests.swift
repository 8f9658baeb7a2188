import Testing
@testable import NovaRisk

/// Every sizing factor with numbers worked by hand. Base case: equity 10,000, entry 100,
/// stop 98 (2%), risk 1% -> base notional 10,000 x 0.01 / 0.02 = 5,000, capped by the 25%
/// position limit at 2,500 unless said otherwise.
@Suite struct PositionSizerTests {
    func context(equity: Double = 10_000, peak: Double = 10_000, cash: Double = 10_000, stop: Double = 98,
                 vol: String? = nil, pnl: [Double] = []) -> PositionSizer.Context {
        .init(equity: equity, peakEquity: peak, cash: cash, price: 100, stopPrice: stop, feeRate: 0.004, volatilityRegime: vol, recentPnL: pnl)
    }

    var wide: PositionSizer {
        var c = PositionSizer.Config()
        c.maxPositionPct = 1      // lift the position cap to see each factor alone
        return PositionSizer(config: c)
    }

    @Test func fixedFractionalThenCaps() {
        let d = PositionSizer().size(context())
        #expect(d.baseNotional == 5_000)
        #expect(d.notional == 2_500 && d.units == 25 && d.cappedBy == "max_position")
        #expect(d.riskAmount == 50)                                   // 25 units x 2
        let free = wide.size(context())
        #expect(free.notional == 5_000 && free.cappedBy == nil && free.riskAmount == 100)   // exactly 1% of equity
        let poor = wide.size(context(cash: 1_004))
        #expect(abs(poor.notional - 1_000) < 1e-9 && poor.cappedBy == "cash")              // 1,004 / 1.004
    }

    @Test func drawdownScalesLinearly() {
        // 12.5% below the peak: halfway between 5% and 20% -> 1 - 0.5 x 0.75 = 0.625.
        let d = wide.size(context(equity: 8_750, peak: 10_000))
        #expect(abs(d.drawdownFactor - 0.625) < 1e-12)
        #expect(abs(d.notional - 8_750 * 0.01 / 0.02 * 0.625) < 1e-9)
        #expect(wide.size(context(equity: 9_600, peak: 10_000)).drawdownFactor == 1)     // 4%: untouched
        #expect(wide.size(context(equity: 7_000, peak: 10_000)).drawdownFactor == 0.25)  // past 20%: the floor
    }

    @Test func volatilityAndStreakFactors() {
        #expect(wide.size(context(vol: "high_vol")).notional == 3_000)                   // 5,000 x 0.6
        #expect(wide.size(context(vol: "low_vol")).notional == 6_000)                    // 5,000 x 1.2
        #expect(wide.size(context(pnl: [5, -1, -2, -3])).notional == 2_500)              // three losses: x 0.5
        #expect(wide.size(context(pnl: [1, 2, 3])).notional == 6_000)                    // three wins: x 1.2
        #expect(wide.size(context(pnl: [-1, 2, -3])).streakFactor == 1)
    }

    @Test func kellyCapsAndRefusesWithoutEdge() {
        // 20 trades: 12 wins of +30, 8 losses of -20. W = 0.6, R = 1.5, f* = 0.6 - 0.4 / 1.5 = 0.3333.
        let pnl = Array(repeating: 30.0, count: 12) + Array(repeating: -20.0, count: 8)
        var cfg = PositionSizer.Config()
        cfg.maxPositionPct = 1
        cfg.streakLength = 0
        let d = PositionSizer(config: cfg).size(context(pnl: pnl))
        #expect(abs(d.kellyFraction! - (0.6 - 0.4 / 1.5)) < 1e-12)
        #expect(abs(d.notional - 0.5 * (1.0 / 3) * 10_000) < 1e-9 && d.cappedBy == "kelly")   // 1,666.67
        // 8 wins of +10, 12 losses of -20: f* = 0.4 - 0.6 / 0.5 = -0.8 -> no trade.
        let bad = PositionSizer(config: cfg).size(context(pnl: Array(repeating: 10.0, count: 8) + Array(repeating: -20.0, count: 12)))
        #expect(bad.units == 0 && bad.refusal?.hasPrefix("Kelly fraction -0.800") == true)
        // Under kellyMinTrades the cap does not apply.
        #expect(PositionSizer(config: cfg).size(context(pnl: Array(pnl.prefix(19)))).kellyFraction == nil)
    }

    @Test func venueLotRules() {
        let lots = PositionSizer.LotRules(unitIncrement: 0.3, minUnits: 1, minCost: 50)
        let d = PositionSizer().size(context(), lots: lots)
        #expect(abs(d.units - 24.9) < 1e-9)                             // 25 rounded down to 0.3 steps
        let tiny = PositionSizer().size(context(equity: 300, peak: 300, cash: 300), lots: lots)
        #expect(tiny.units == 0 && tiny.refusal?.hasPrefix("size") == true)   // 75 notional -> 0.75 units < 1
        #expect(PositionSizer().size(context(stop: 100)).refusal == "no stop distance or no equity")
    }
}
