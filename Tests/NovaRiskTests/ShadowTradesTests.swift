import Testing
import NovaCore
@testable import NovaRisk

/// Shadow trades and the recovery of the edge gates (no absorbing state).
@Suite struct ShadowTradesTests {
    func bar(_ o: Double, _ h: Double, _ l: Double, _ c: Double) -> Bar { Bar(timestampMs: 0, open: o, high: h, low: l, close: c, volume: 1) }

    /// 1,000 at the next open (100), stop 95, target 110, 0.1% fee each side, by hand.
    @Test func fillsByHand() {
        var s = ShadowTrades(slots: 2)
        s.open(slot: 1, stop: 95, target: 110, notional: 1_000, feeRate: 0.001)
        s.open(slot: 1, stop: 90, target: 120, notional: 5_000, feeRate: 0.001)     // one per slot: ignored
        #expect(s.anyOpen && s.isOpen(1) && !s.isOpen(0) && s.opened == 1)
        #expect(s.onBar(slot: 1, bar(100, 104, 99, 103)) == nil)
        let win = s.onBar(slot: 1, bar(103, 111, 102, 109))!                 // the target: 10 units x +10, fees on 1,000 and 1,100
        #expect(abs(win - (100 - 2.1)) < 1e-9 && !s.anyOpen && s.closed == 1)
        s.open(slot: 0, stop: 95, target: 110, notional: 1_000, feeRate: 0)
        #expect(s.onBar(slot: 0, bar(100, 100, 100, 100)) == nil)
        #expect(s.onBar(slot: 0, bar(93, 120, 90, 118)) == -70)              // opens through the stop: out at the open, not the target
    }

    /// A short's shadow mirrors: stop 105 above, target 90 below, entered at the next open (100).
    @Test func shortShadowsByHand() {
        var s = ShadowTrades(slots: 1)
        s.open(slot: 0, stop: 105, target: 90, notional: 1_000, feeRate: 0.001)
        #expect(s.onBar(slot: 0, bar(100, 101, 96, 97)) == nil)
        let win = s.onBar(slot: 0, bar(97, 98, 89, 91))!                      // the target: 10 units x +10, fees on 1,000 and 900
        #expect(abs(win - (100 - 1.9)) < 1e-9)
        s.open(slot: 0, stop: 105, target: 90, notional: 1_000, feeRate: 0)
        #expect(s.onBar(slot: 0, bar(100, 100, 100, 100)) == nil)
        #expect(s.onBar(slot: 0, bar(107, 108, 85, 86)) == -70)              // opens through the stop: out at the open
    }

    /// Without a stop or target, a short's default stop lies 2.5% above the price (102.5) and
    /// its target min_risk_reward (2) R below (95); the 25% position cap (25 units) puts 62.5 at risk.
    @Test func shortDefaultsMirror() {
        var c = Self.config(shadow: true)
        c.gates.minRiskReward = 2
        var m = RiskManager(config: c, initialEquity: 10_000)
        var r = request(at: 0)
        r.stop = nil
        r.target = nil
        r.side = .sell
        guard case .success(let a) = m.evaluate(r) else { Issue.record("refused"); return }
        #expect(abs(a.target - 95) < 1e-9)
        #expect(abs(a.sizing.riskAmount - 62.5) < 1e-6)
    }

    static func config(shadow: Bool) -> RiskManager.Config {
        var c = RiskManager.Config()
        c.sizer.kellyMinTrades = 5
        c.sizer.kellyLookback = 10
        c.gates.globalCooldownSeconds = 0
        c.gates.pairCooldownSeconds = 0
        c.gates.minRiskReward = 0
        c.gates.maxRiskOfRuin = 1
        c.shadowTrades = shadow
        return c
    }

    func request(at ms: Int64) -> RiskManager.Request {
        .init(pair: "BTC/USD", signalMs: ms, nowMs: ms, price: 100, stop: 97.5, target: 105, equity: 10_000, cash: 10_000,
              peakEquity: nil, feeRate: 0.001, volatilityRegime: nil, spreadBps: nil, open: [])
    }

    /// Five losses: Kelly refuses, says it is an edge gate and hands over the entry for a shadow.
    /// Shadow wins bring the estimate back and the entry goes through. Without shadows the same
    /// refusal never ends.
    @Test func kellyRecoversFromShadowOutcomes() {
        for shadow in [true, false] {
            var m = RiskManager(config: Self.config(shadow: shadow), initialEquity: 10_000)
            for k in 0..<5 { m.tradeClosed(pnl: -25, pair: "BTC/USD", atMs: Int64(k)) }
            guard case .failure(let r) = m.evaluate(request(at: 10)) else { Issue.record("not refused"); continue }
            #expect(r.edgeGate == .kelly && r.reason.hasPrefix("sizing: Kelly fraction -1.000"))
            // 1% risk over a 2.5% stop is 4,000, halved by the losing streak (5 in a row): 2,000.
            #expect(r.shadow == .init(stop: 97.5, target: 105, notional: 2_000, feeRate: 0.001))
            for _ in 0..<6 { m.shadowClosed(pnl: 40) }
            let after = m.evaluate(request(at: 20))
            if shadow {
                guard case .success(let a) = after else { Issue.record("still refused: \(after)"); continue }
                #expect(a.sizing.kellyFraction.map { $0 > 0 } == true)
            } else {
                guard case .failure(let still) = after else { Issue.record("lifted without shadows"); continue }
                #expect(still.edgeGate == .kelly && m.edgeOutcomes.count == 5)
            }
        }
    }

    /// Risk of ruin reads the same rolling window: 20 losses make it 1.0; wins afterwards bring
    /// it down again. Other refusals are not edge gates (no halt, no shadow).
    @Test func riskOfRuinRecoversAndOtherGatesAreNotEdge() {
        var c = Self.config(shadow: true)
        c.sizer.kellyMinTrades = 1_000
        c.sizer.kellyLookback = 40
        c.gates.maxRiskOfRuin = 0.01
        var m = RiskManager(config: c, initialEquity: 10_000)
        for k in 0..<19 { m.tradeClosed(pnl: -25, pair: "BTC/USD", atMs: Int64(k)) }
        m.tradeClosed(pnl: 10, pair: "BTC/USD", atMs: 19)
        guard case .failure(let r) = m.evaluate(request(at: 30)) else { Issue.record("not refused"); return }
        #expect(r.edgeGate == .riskOfRuin && r.reason.hasPrefix("risk_of_ruin: 1.0000"))
        for _ in 0..<40 { m.shadowClosed(pnl: 50) }
        m.tradeClosed(pnl: -25, pair: "BTC/USD", atMs: 40)
        guard case .success = m.evaluate(request(at: 50)) else { Issue.record("risk of ruin did not recover"); return }
        var q = request(at: 60)
        q.stop = 100
        guard case .failure(let other) = m.evaluate(q) else { Issue.record("not refused"); return }
        #expect(other.edgeGate == nil && other.shadow == nil)
    }
}
