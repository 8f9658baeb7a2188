import Testing
import NovaCore
@testable import NovaRisk

/// The risk manager alone: its state between trades and the answers it gives.
@Suite struct RiskManagerTests {
    static func config() -> RiskManager.Config {
        var c = RiskManager.Config()
        c.gates.globalCooldownSeconds = 300
        c.gates.pairCooldownSeconds = 900
        c.gates.maxOrdersPerWindow = 2
        c.gates.throttleWindowSeconds = 60
        c.gates.minRiskReward = 1.5
        return c
    }

    func request(_ m: RiskManager, at ms: Int64, pair: String = "BTC/USD", open: [(pair: String, notional: Double)] = []) -> RiskManager.Request {
        .init(pair: pair, signalMs: ms, nowMs: ms, price: 100, stop: 97.5, target: 110, equity: 10_000, cash: 10_000, peakEquity: nil,
              feeRate: 0.004, volatilityRegime: nil, spreadBps: nil, open: open)
    }

    /// 1% of 10,000 at risk over a 2.5% stop: 4,000 notional, capped at 25% of equity (2,500);
    /// the budget includes the taker fee.
    @Test func sizesAndApproves() throws {
        var m = RiskManager(config: Self.config(), initialEquity: 10_000)
        let a = try m.evaluate(request(m, at: 0)).get()
        #expect(abs(a.sizing.requestedNotional - 2_500) < 1e-9 && a.sizing.cappedBy == "max_position")
        #expect(abs(a.budget - 2_500 * 1.004) < 1e-9 && a.target == 110)
        #expect(m.todayTrades == 1)
    }

    /// Two orders in a minute fill the throttle; the third waits until the window has passed.
    @Test func throttleCountsApprovedEntries() {
        var m = RiskManager(config: Self.config(), initialEquity: 10_000)
        _ = m.evaluate(request(m, at: 0))
        _ = m.evaluate(request(m, at: 10_000, pair: "ETH/USD"))
        guard case .failure(let r) = m.evaluate(request(m, at: 20_000, pair: "SOL/USD")) else { Issue.record("not refused"); return }
        #expect(r.reason == "rate_throttle: 2 orders in 60 s, limit 2")
        guard case .success = m.evaluate(request(m, at: 61_000, pair: "SOL/USD")) else { Issue.record("still refused"); return }
    }

    /// A loss starts the global cooldown and the pair's cooldown; the day's P&L resets at UTC midnight.
    @Test func cooldownsAndTheDayRollOver() {
        var m = RiskManager(config: Self.config(), initialEquity: 10_000)
        m.tradeClosed(pnl: -50, pair: "BTC/USD", atMs: 1_000_000)
        #expect(m.todayPnL == -50 && m.lastLossExitMs == 1_000_000)
        guard case .failure(let g) = m.evaluate(request(m, at: 1_100_000, pair: "ETH/USD")) else { Issue.record("not refused"); return }
        #expect(g.reason == "global_cooldown: 100 s since a loss, wait 300 s")
        guard case .failure(let p) = m.evaluate(request(m, at: 1_400_000)) else { Issue.record("not refused"); return }
        #expect(p.reason == "pair_cooldown: 400 s since the last BTC/USD trade, wait 900 s")
        guard case .success = m.evaluate(request(m, at: 1_400_000, pair: "ETH/USD")) else { Issue.record("refused"); return }
        m.tradeClosed(pnl: 20, pair: "ETH/USD", atMs: 86_400_000 + 5)
        #expect(m.todayPnL == 20 && m.todayTrades == 0)
    }

    /// The sizer's refusal comes first and is prefixed, so a run can tell sizing from the gates.
    @Test func sizingRefusalsAreNamed() {
        var m = RiskManager(config: Self.config(), initialEquity: 10_000)
        var r = request(m, at: 0)
        r.stop = 100
        guard case .failure(let f) = m.evaluate(r) else { Issue.record("not refused"); return }
        #expect(f.reason == "sizing: no stop distance or no equity" && m.todayTrades == 0)
    }

    @Test func winStatsNeedTwentyTrades() {
        #expect(RiskManager.winStats(Array(repeating: 1.0, count: 19) + [-1]) != nil)
        #expect(RiskManager.winStats(Array(repeating: 1.0, count: 10) + [-1]) == nil)
        let s = RiskManager.winStats(Array(repeating: 2.0, count: 10) + Array(repeating: -1.0, count: 10))
        #expect(s?.winRate == 0.5 && s?.payoff == 2)
    }
}
