import Testing
import NovaCore
import NovaVenue
@testable import NovaSimulator

@Suite struct SimulatedVenueTests {
    let pair = Pair(base: "BTC", quote: "USD")
    let t0: Int64 = 1_700_000_000_000

    func bar(_ i: Int64, _ o: Double, _ h: Double, _ l: Double, _ c: Double) -> Bar {
        Bar(timestampMs: t0 + i * 60_000, open: o, high: h, low: l, close: c, volume: 1)
    }

    func order(_ id: Int, _ side: Side, _ kind: OrderKind, _ q: OrderQuantity, at i: Int64, oco: Int? = nil) -> OrderRequest {
        OrderRequest(id: id, pair: pair, side: side, kind: kind, quantity: q, purpose: .entry, ocoGroup: oco, createdAtMs: t0 + (i + 1) * 60_000)
    }

    func fills(_ events: [VenueEvent]) -> [Fill] { events.compactMap { if case .filled(let f) = $0 { return f } else { return nil } } }

    @Test func marketOrderFillsAtTheNextOpenWithTakerFeeAndSpendsExactlyItsCost() {
        var v = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 1000)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .market, .quoteIncludingFee(1000), at: 0), events: &e)
        #expect(e == [.accepted(1, atMs: t0 + 60_000)])
        e = []
        v.replay(pair, bar(1, 100, 105, 95, 102), events: &e)
        let f = fills(e)
        #expect(f.count == 1)
        #expect(f[0].price == 100 && f[0].feeRate == 0.004 && !f[0].isMaker)
        #expect(abs(f[0].quantity - 1000 / (1.004 * 100)) < 1e-13)
        #expect(abs(f[0].quantity * 100 + f[0].fee - 1000) < 1e-9)
        #expect(v.cash < 1e-9)
        // Sell it all at the following open: proceeds minus 0.40%.
        e = []
        v.submit(order(2, .sell, .market, .base(f[0].quantity), at: 1), events: &e)
        v.replay(pair, bar(2, 110, 111, 109, 110), events: &e)
        let s = fills(e)[0]
        #expect(s.price == 110)
        #expect(abs(v.cash - (f[0].quantity * 110 * 0.996)) < 1e-9)
    }

    @Test func stopAndTargetInsideOneBarTakeTheStop() {
        var v = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 0)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .market, .quoteIncludingFee(0.0001), at: 0), events: &e) // gives no units: irrelevant
        v = SimulatedVenue(profile: .kraken.withFlatFee(0.001).unrestricted(), initialCash: 1000)
        e = []
        v.submit(order(1, .buy, .market, .base(1), at: 0), events: &e)
        v.replay(pair, bar(1, 100, 100, 100, 100), events: &e)
        e = []
        v.submit(order(2, .sell, .stop(trigger: 95), .base(1), at: 1, oco: 7), events: &e)
        v.submit(order(3, .sell, .limit(price: 110), .base(1), at: 1, oco: 7), events: &e)
        e = []
        v.replay(pair, bar(2, 100, 112, 94, 105), events: &e)   // both inside: the worse (stop) wins
        #expect(fills(e).map(\.orderID) == [2])
        #expect(fills(e)[0].price == 95)
        #expect(e.contains(.cancelled(3, reason: "one-cancels-other: order 2 filled", atMs: t0 + 120_000)))
        #expect(v.openOrders.isEmpty)
    }

    /// Coinbase has stop-limit orders only: one whose limit is still within reach at the open
    /// of a gap fills there, as a taker.
    @Test func gapThroughAStopFillsAtTheOpen() {
        var v = SimulatedVenue(profile: .coinbase.unrestricted(), initialCash: 1000)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .market, .base(1), at: 0), events: &e)
        v.replay(pair, bar(1, 100, 100, 100, 100), events: &e)
        v.submit(order(2, .sell, .stopLimit(trigger: 95, limit: 89), .base(1), at: 1), events: &e)
        e = []
        v.replay(pair, bar(2, 90, 92, 88, 91), events: &e)
        #expect(fills(e)[0].price == 90)
        #expect(fills(e)[0].feeRate == 0.012)
    }

    @Test func limitOrdersMarketableAtTheOpenTakeOtherwiseRestAndMake() {
        var v = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 10_000)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .limit(price: 105), .base(1), at: 0), events: &e)   // marketable at open 100
        v.submit(order(2, .buy, .limit(price: 97), .base(1), at: 0), events: &e)    // rests
        e = []
        v.replay(pair, bar(1, 100, 101, 98, 99), events: &e)
        #expect(fills(e).map { ($0.orderID, $0.price, $0.isMaker) } .elementsEqual([(1, 100, false)], by: ==))
        e = []
        v.replay(pair, bar(2, 99, 99, 96, 98), events: &e)
        #expect(fills(e).map { ($0.orderID, $0.price, $0.isMaker, $0.feeRate) }.elementsEqual([(2, 97, true, 0.0025)], by: ==))
    }

    @Test func ordersPlacedDuringABarMeetTheRestOfThatBar() {
        var v = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 10_000)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .market, .base(1), at: 0), events: &e)
        v.replay(pair, bar(1, 100, 100, 100, 100), events: &e)
        // Bar 2 is being matched when a fill there makes the engine place a stop, stamped with
        // the fill's time (bar 2's open): the replay shows bar 2 again for it.
        v.replay(pair, bar(2, 99, 99, 97, 98), events: &e)
        v.submit(OrderRequest(id: 2, pair: pair, side: .sell, kind: .stop(trigger: 98), quantity: .base(1), purpose: .stopLoss,
                              createdAtMs: t0 + 2 * 60_000), events: &e)
        e = []
        v.replay(pair, bar(2, 99, 99, 97, 98), events: &e)
        #expect(fills(e).map(\.price) == [98])   // the trigger, not the open: it was placed after the open
    }

    @Test func insufficientFundsAndBadQuantitiesAreRejected() {
        var v = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 50)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .market, .base(1), at: 0), events: &e)
        v.submit(order(2, .sell, .market, .base(1), at: 0), events: &e)
        v.submit(order(3, .buy, .market, .base(-1), at: 0), events: &e)
        #expect(e.last == .rejected(3, reason: .invalidOrder, message: "EGeneral:Invalid arguments:volume: quantity must be positive, got -1.0", atMs: t0 + 60_000))
        e = []
        v.replay(pair, bar(1, 100, 100, 100, 100), events: &e)
        let reasons = e.compactMap { if case .rejected(let id, let r, _, _) = $0 { return (id, r) } else { return nil } }
        #expect(reasons.elementsEqual([(1, VenueRejectReason.insufficientFunds), (2, .insufficientFunds)], by: ==))
        #expect(v.cash == 50)
    }
}

@Suite struct FeeTierTests {
    let pair = Pair(base: "BTC", quote: "USD")

    /// Kraken's schedule: 0.40% taker to $10K of 30-day volume, 0.35% from $10K, 0.24% from
    /// $50K; fills older than 30 days stop counting.
    @Test func takerRateFallsAsVolumeGrowsAndRisesWhenItAges() {
        var v = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 1_000_000)
        var rates: [Double] = []
        var id = 0
        func trade(at day: Int64, units: Double) {
            var e: [VenueEvent] = []
            id += 1
            let t = day * 86_400_000
            v.submit(OrderRequest(id: id, pair: pair, side: .buy, kind: .market, quantity: .base(units), purpose: .entry, createdAtMs: t + 60_000), events: &e)
            v.replay(pair, Bar(timestampMs: t + 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1), events: &e)
            for case .filled(let f) in e { rates.append(f.feeRate) }
        }
        trade(at: 0, units: 60)      // $6,000: volume before it 0 -> 0.40%
        trade(at: 1, units: 60)      // volume 6,000 -> 0.40%
        trade(at: 2, units: 400)     // volume 12,000 -> 0.35%
        trade(at: 3, units: 10)      // volume 52,000 -> 0.24%
        trade(at: 40, units: 10)     // all of it older than 30 days -> back to 0.40%
        #expect(rates == [0.004, 0.004, 0.0035, 0.0024, 0.004])
        #expect(v.volume30d == 1_000)
    }

    @Test func flatFeeAndEntryTierOverride() {
        #expect(VenueProfile.kraken.withFlatFee(0.001).tier(forVolume: 1e9).takerFee == 0.001)
        let p = VenueProfile.coinbase.withEntryTier(makerFee: 0.004, takerFee: 0.006)
        #expect(p.tier(forVolume: 0).takerFee == 0.006 && p.tier(forVolume: 20_000).takerFee == 0.004)
    }
}
