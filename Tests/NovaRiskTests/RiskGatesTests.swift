import Testing
@testable import NovaRisk

/// Each gate blocks when it should and passes when it should.
@Suite struct RiskGatesTests {
    let now: Int64 = 1_717_236_000_000   // 2024-06-01 10:00 UTC
    func candidate(pair: String = "SOL/USD", age: Double = 0, notional: Double = 1_000, tp: Double = 106,
                   spread: Double? = nil) -> RiskGates.Candidate {
        .init(pair: pair, signalMs: now - Int64(age * 1000), notional: notional, entry: 100, stopLoss: 98, takeProfit: tp, spreadBps: spread)
    }
    func gates(_ edit: (inout RiskGates.Config) -> Void = { _ in }) -> RiskGates {
        var c = RiskGates.Config()
        edit(&c)
        return RiskGates(config: c)
    }
    func names(_ r: [String]) -> [String] { r.map { String($0.prefix { $0 != ":" }) } }

    @Test func aCleanSignalPasses() {
        #expect(gates().check(candidate(), .init(nowMs: now, equity: 10_000)).isEmpty)
    }

    @Test(arguments: [
        ("duplicate_pair", RiskGates.State(nowMs: 1_717_236_000_000, equity: 10_000, open: [("SOL/USD", 500)])),
        ("max_positions", .init(nowMs: 1_717_236_000_000, equity: 100_000, open: (0..<5).map { ("P\($0)/USD", 100) })),
        ("exposure", .init(nowMs: 1_717_236_000_000, equity: 10_000, open: [("ADA/USD", 4_500)])),   // 4,500 + 1,000 > 50%
        ("daily_loss", .init(nowMs: 1_717_236_000_000, equity: 10_000, todayPnL: -500)),             // 5% of equity
        ("global_cooldown", .init(nowMs: 1_717_236_000_000, equity: 10_000, lastLossExitMs: 1_717_236_000_000 - 200_000)),
        ("pair_cooldown", .init(nowMs: 1_717_236_000_000, equity: 10_000, lastExitMsByPair: ["SOL/USD": 1_717_236_000_000 - 600_000])),
        ("rate_throttle", .init(nowMs: 1_717_236_000_000, equity: 10_000, recentOrderMs: (0..<10).map { 1_717_236_000_000 - Int64($0) * 1000 })),
        ("risk_of_ruin", .init(nowMs: 1_717_236_000_000, equity: 10_000, winRate: 0.4, payoff: 1.2)),   // edge -0.12: ruin 1
    ] as [(String, RiskGates.State)])
    func stateGatesBlock(gate: String, state: RiskGates.State) {
        #expect(names(gates().check(candidate(), state)) == [gate])
    }

    @Test func stateGatesPassJustInside() {
        let g = gates()
        #expect(g.check(candidate(), .init(nowMs: now, equity: 10_000, open: [("ADA/USD", 4_000)])).isEmpty)        // exactly 50%
        #expect(g.check(candidate(), .init(nowMs: now, equity: 10_000, todayPnL: -499)).isEmpty)
        #expect(g.check(candidate(), .init(nowMs: now, equity: 10_000, lastLossExitMs: now - 300_000)).isEmpty)     // 300 s: over
        #expect(g.check(candidate(), .init(nowMs: now, equity: 10_000, recentOrderMs: (0..<9).map { now - Int64($0) * 1000 })).isEmpty)
        #expect(g.check(candidate(), .init(nowMs: now, equity: 10_000, winRate: 0.6, payoff: 2)).isEmpty)            // edge 0.8: ruin ~0
    }

    @Test func candidateGates() {
        #expect(names(gates().check(candidate(age: 121), .init(nowMs: now, equity: 10_000))) == ["signal_age"])
        #expect(names(gates().check(candidate(spread: 25), .init(nowMs: now, equity: 10_000))) == ["spread"])
        #expect(names(gates().check(candidate(tp: 102.9), .init(nowMs: now, equity: 10_000))) == ["risk_reward"])   // 2.9 / 2 = 1.45
        #expect(gates().check(candidate(tp: 103), .init(nowMs: now, equity: 10_000)).isEmpty)                       // 1.5 exactly
        // 1.5 R computed in floating point from a real price (78323 with a 2.5% stop) comes out
        // as 1.4999999999999998: it still passes.
        let entry = 78323.0, stop = entry * (1 - 0.025)
        let real = RiskGates.Candidate(pair: "BTC/USD", signalMs: now, notional: 1_000, entry: entry, stopLoss: stop,
                                       takeProfit: entry + (entry - stop) * 1.5, spreadBps: nil)
        #expect(gates().check(real, .init(nowMs: now, equity: 10_000)).isEmpty)
        #expect(names(gates { $0.quietHours = [10] }.check(candidate(), .init(nowMs: now, equity: 10_000))) == ["quiet_hours"])
        #expect(names(gates { $0.maxDailyTrades = 3 }.check(candidate(), .init(nowMs: now, equity: 10_000, todayTrades: 3))) == ["daily_trades"])
    }

    @Test func correlationGroups() {
        let state = RiskGates.State(nowMs: now, equity: 100_000, open: [("BTC/USD", 100), ("ETH/USD", 100)])
        #expect(names(gates().check(candidate(pair: "BTC/USDT"), state)) == ["correlation_group"])
        #expect(gates().check(candidate(pair: "SOL/USD"), state).isEmpty)
    }

    /// ((1 - e) / (1 + e))^(1 / f) with e = W x payoff - (1 - W), worked by hand.
    @Test func riskOfRuinByHand() {
        // W 0.5, payoff 2: e = 0.5; risking 10%: (0.5 / 1.5)^10 = 1 / 59049.
        #expect(abs(RiskGates.riskOfRuin(winRate: 0.5, payoff: 2, riskFraction: 0.1) - 1.0 / 59_049) < 1e-15)
        #expect(RiskGates.riskOfRuin(winRate: 0.4, payoff: 1.4, riskFraction: 0.01) == 1)     // e = -0.04: certain ruin
    }
}
