import Testing
import NovaCore
import NovaVenue
@testable import NovaSimulator

/// `--mode shadow`'s comparison: every real order also goes to simulated venues (one per
/// setting) on the same bars; each order's real and simulated outcomes settle side by side.
@Suite struct ShadowFillsTests {
    let btc = Pair(base: "BTC", quote: "USD")
    let t0: Int64 = 1_700_000_000_000 / 60_000 * 60_000

    func bar(_ minute: Int64, open: Double, high: Double? = nil, low: Double? = nil, close: Double? = nil) -> Bar {
        Bar(timestampMs: t0 + minute * 60_000, open: open, high: high ?? open + 5, low: low ?? open - 5, close: close ?? open, volume: 100)
    }

    func shadow(latencyMs: Int64 = 0, participation: Double = 0) -> ShadowFills {
        var s = SimulatorSettings()
        s.latencyMs = latencyMs
        s.participation = participation
        var f = ShadowFills(profile: .kraken, settings: s)
        f.bar(btc, bar(-1, open: 30_000))
        return f
    }

    func order(_ id: Int, _ side: Side, _ kind: OrderKind, _ units: Double, at: Int64? = nil, purpose: OrderPurpose = .entry) -> OrderRequest {
        OrderRequest(id: id, pair: btc, side: side, kind: kind, quantity: .base(units), purpose: purpose, createdAtMs: at ?? t0,
                     clientOrderID: "np1-\(id)")
    }

    func fill(_ id: Int, _ side: Side, price: Double, qty: Double, at: Int64, leaves: Double = 0, maker: Bool = false) -> VenueEvent {
        .filled(Fill(orderID: id, pair: btc, side: side, price: price, quantity: qty, fee: price * qty * 0.004, feeRate: 0.004,
                     isMaker: maker, timestampMs: at, leavesQuantity: leaves))
    }

    @Test func theGridStartsWithTheConfiguredSettingAndHasNoDuplicates() {
        var s = SimulatorSettings()
        s.participation = 0.1
        let g = ShadowCandidate.grid(configured: s)
        #expect(g.first == ShadowCandidate(latencyMs: 0, participation: 0.1))
        #expect(g.count == 6 && Set(g).count == 6)
        s.latencyMs = 250
        s.participation = 0.05
        #expect(ShadowCandidate.grid(configured: s).count == 7)
    }

    @Test func aMarketBuySettlesOnceEverySimulatedVenueFilledIt() {
        var f = shadow()
        f.submit(order(1, .buy, .market, 0.5), decisionPrice: 30_000)
        f.real(.accepted(1, atMs: t0 + 120))
        f.real(fill(1, .buy, price: 30_015, qty: 0.5, at: t0 + 400))
        f.bar(btc, bar(0, open: 30_010))
        // The venues without latency filled at this bar's open; those with wait for the next.
        #expect(f.takeSettled().isEmpty)
        let o = f.pending[0]
        #expect(o.real.state == .filled && o.real.averagePrice == 30_015 && o.real.firstFillMs == t0 + 400)
        #expect(o.real.slippageBps(side: .buy, decisionPrice: 30_000)! == 5)
        for (k, c) in o.candidates.enumerated() {
            #expect(o.simulated[k].averagePrice == (c.latencyMs == 0 ? 30_010 : nil))
        }
        f.bar(btc, bar(1, open: 30_030))
        let done = f.takeSettled()
        #expect(done.count == 1 && f.pending.isEmpty && f.takeSettled().isEmpty)
        let s = done[0]
        #expect(s.settled && s.clientOrderID == "np1-1" && s.decisionPrice == 30_000 && s.decidedAtMs == t0)
        for (k, c) in s.candidates.enumerated() {
            #expect(s.simulated[k].state == .filled && s.simulated[k].filledQuantity == 0.5)
            #expect(s.simulated[k].averagePrice == (c.latencyMs == 0 ? 30_010 : 30_030))
            #expect(s.simulated[k].firstFillMs == (c.latencyMs == 0 ? t0 : t0 + 60_000))
        }
    }

    @Test func aRealFillTheSimulatorNeverMatchesIsCancelledAfterTheGrace() {
        var f = shadow()
        f.submit(order(2, .buy, .limit(price: 29_900), 0.5), decisionPrice: 30_000)
        f.real(fill(2, .buy, price: 29_900, qty: 0.5, at: t0 + 30_000, maker: true))
        // The bars never reach 29,900: the simulator gets the bar of the real fill and two more
        // (the grace), then its twins are cancelled and the comparison settles.
        for m in 0..<2 {
            f.bar(btc, bar(Int64(m), open: 30_000, low: 29_950))
            #expect(f.takeSettled().isEmpty, "bar \(m)")
        }
        f.bar(btc, bar(2, open: 30_000, low: 29_950))
        let s = f.takeSettled()
        #expect(s.count == 1)
        #expect(s[0].real.state == .filled && s[0].real.makerQuantity == 0.5)
        #expect(s[0].simulated.allSatisfy { $0.state == .cancelled && !$0.didFill && $0.reason == "not filled by the simulator" })
    }

    @Test func aSellStopIsGivenItsUnitsAndRealStatusReportsCount() {
        var f = shadow()
        // The simulated venues hold no BTC: the stop is not refused for funds.
        f.submit(order(3, .sell, .stop(trigger: 29_950), 0.5, purpose: .stopLoss), decisionPrice: 30_000)
        f.bar(btc, bar(0, open: 30_000, low: 29_900))
        let o = f.pending[0]
        for (k, c) in o.candidates.enumerated() {
            #expect(o.simulated[k].averagePrice == (c.latencyMs == 0 ? 29_950 : nil))
        }
        // The exchange's fill comes as a reconciliation's cumulative report (its execution was
        // missed): it counts all the same.
        f.real(.orderStatus(OrderStatusReport(orderID: 3, state: .filled, filledQuantity: 0.5, averagePrice: 29_930, totalFee: 59.86,
                                              atMs: t0 + 50_000)))
        #expect(f.takeSettled().isEmpty)
        // The late venues meet the next bar, which opens through the trigger: the open (a gap).
        f.bar(btc, bar(1, open: 29_920))
        let s = f.takeSettled()
        #expect(s.count == 1 && s[0].real.averagePrice == 29_930 && s[0].real.fees == 59.86 && s[0].real.state == .filled)
        #expect(zip(s[0].candidates, s[0].simulated).allSatisfy { c, x in x.averagePrice == (c.latencyMs == 0 ? 29_950 : 29_920) })
        // A sell: worse for us is lower; 70 USD under the decision price is 23.33 bps.
        #expect(abs(s[0].real.slippageBps(side: .sell, decisionPrice: 30_000)! - 70 / 30_000 * 10_000) < 1e-9)
    }

    @Test func theEnginesCancelEndsBothSidesAndForeignEventsAreIgnored() {
        var f = shadow()
        f.submit(order(4, .buy, .limit(price: 29_000), 0.5), decisionPrice: 30_000)
        f.real(fill(99, .buy, price: 1, qty: 1, at: t0))      // another session's order
        f.real(.balance(asset: "USD", available: 5, atMs: t0))
        f.command(.cancel(4, atMs: t0 + 5_000), decisionPrice: 0)
        #expect(f.takeSettled().isEmpty)     // the exchange has not confirmed the cancel yet
        f.real(.cancelled(4, reason: "cancelled by the engine", atMs: t0 + 5_200))
        let s = f.takeSettled()
        #expect(s.count == 1 && s[0].real.state == .cancelled && s[0].simulated.allSatisfy { $0.state == .cancelled })
        #expect(f.pending.isEmpty)
    }

    @Test func aVolumeCapFillsPartOfABarAndTheRestLater() {
        var f = shadow(participation: 0.01)
        f.submit(order(5, .buy, .market, 1.5), decisionPrice: 30_000)
        f.real(fill(5, .buy, price: 30_001, qty: 1.5, at: t0 + 300))
        f.bar(btc, bar(0, open: 30_010))
        let o = f.pending[0]
        // Configured: 1% of 100 units a bar; the uncapped venues filled in full.
        let capped = o.candidates.firstIndex { $0 == ShadowCandidate(latencyMs: 0, participation: 0.01) }!
        let uncapped = o.candidates.firstIndex { $0 == ShadowCandidate(latencyMs: 0, participation: 0) }!
        #expect(o.simulated[capped].filledQuantity == 1 && o.simulated[capped].state == .working)
        #expect(o.simulated[uncapped].filledQuantity == 1.5 && o.simulated[uncapped].state == .filled)
    }
}
