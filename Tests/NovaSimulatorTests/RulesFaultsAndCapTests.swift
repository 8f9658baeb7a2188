import Testing
import NovaCore
import NovaVenue
@testable import NovaSimulator

/// The exchanges' entry rules, the candle model's volume cap and stop-limit semantics, and
/// seeded fault injection.
@Suite struct ExchangeRulesTests {
    let btc = Pair(base: "BTC", quote: "USD")
    let t0: Int64 = 1_700_000_000_000 / 60_000 * 60_000

    func reject(_ profile: VenueProfile, _ kind: OrderKind, _ q: OrderQuantity, side: Side = .buy) -> (VenueRejectReason, String)? {
        var v = SimulatedVenue(profile: profile, initialCash: 1_000_000)
        var e: [VenueEvent] = []
        v.replay(btc, Bar(timestampMs: t0 - 60_000, open: 30_000, high: 30_000, low: 30_000, close: 30_000, volume: 100), events: &e)
        e = []
        v.submit(OrderRequest(id: 1, pair: btc, side: side, kind: kind, quantity: q, purpose: .entry, createdAtMs: t0), events: &e)
        if case .rejected(_, let r, let m, _)? = e.first { return (r, m) }
        return nil
    }

    @Test func krakenGridAndMinimums() {
        #expect(reject(.kraken, .limit(price: 30_000.05), .base(0.01))?.1.hasPrefix("EOrder:Tick size check failed") == true)
        #expect(reject(.kraken, .limit(price: 30_000.1), .base(0.01)) == nil)
        #expect(reject(.kraken, .limit(price: 30_000), .base(0.000000001))?.0 == .invalidOrder)   // 9 decimals
        #expect(reject(.kraken, .limit(price: 30_000), .base(0.00004))?.1.hasPrefix("EOrder:Order minimum not met") == true)
        // 0.00005 BTC at 5,000 is 0.25 USD: below costmin 0.5.
        #expect(reject(.kraken, .limit(price: 5_000), .base(0.00005))?.1.hasPrefix("EOrder:Cost minimum not met") == true)
        #expect(reject(.kraken, .market, .quoteIncludingFee(0.4))?.0 == .belowMinimum)
    }

    @Test func coinbaseGridOrderTypesAndMinimums() {
        #expect(reject(.coinbase, .limit(price: 30_000.005), .base(0.01))?.1.hasPrefix("INVALID_PRICE_PRECISION") == true)
        #expect(reject(.coinbase, .stop(trigger: 29_000), .base(0.01), side: .sell)?.1.hasPrefix("UNSUPPORTED_ORDER_CONFIGURATION") == true)
        #expect(reject(.coinbase, .stopLimit(trigger: 29_000, limit: 28_900), .base(0.01), side: .sell) == nil)
        #expect(reject(.coinbase, .stopLimit(trigger: 29_000, limit: 29_100), .base(0.01), side: .sell)?.0 == .invalidOrder)
        #expect(reject(.coinbase, .market, .quoteIncludingFee(0.99))?.1.hasPrefix("INVALID_SIZE") == true)
        #expect(reject(.coinbase, .market, .base(0.000000001))?.1.hasPrefix("INVALID_SIZE_PRECISION") == true)
    }

    @Test func roundingOntoTheGrid() {
        let k = VenueProfile.kraken.instrument(btc)
        #expect(k.roundPrice(100.07, up: false) == 100.0 && k.roundPrice(100.01, up: true) == 100.1)
        #expect(k.roundPrice(100.3, up: false) == 100.3)     // on the grid stays put
        #expect(k.floorUnits(0.123456789) == 0.12345678 && k.floorUnits(0.3) == 0.3)
    }
}

@Suite struct CandleCapAndStopLimitTests {
    let pair = Pair(base: "BTC", quote: "USD")
    let t0: Int64 = 1_700_000_000_000 / 60_000 * 60_000
    func bar(_ i: Int64, _ o: Double, _ h: Double, _ l: Double, _ c: Double, volume: Double = 10) -> Bar {
        Bar(timestampMs: t0 + i * 60_000, open: o, high: h, low: l, close: c, volume: volume)
    }
    func fills(_ e: [VenueEvent]) -> [Fill] { e.compactMap { if case .filled(let f) = $0 { return f } else { return nil } } }

    /// 10% of a 10-unit bar is 1 unit: a market order for 2.5 fills 1, 1 and 0.5 at three opens,
    /// the remainder working on; the money is exact at every step.
    @Test func volumeCapSplitsAnOrderAcrossBars() {
        var s = SimulatorSettings()
        s.participation = 0.1
        var v = SimulatedVenue(profile: .kraken.withFlatFee(0.001).unrestricted(), initialCash: 1_000, settings: s)
        var e: [VenueEvent] = []
        v.submit(OrderRequest(id: 1, pair: pair, side: .buy, kind: .market, quantity: .base(2.5), purpose: .entry, createdAtMs: t0 + 60_000), events: &e)
        for (i, open) in [(Int64(1), 100.0), (2, 102), (3, 101)] { v.replay(pair, bar(i, open, open + 1, open - 1, open), events: &e) }
        let f = fills(e)
        #expect(f.map(\.quantity) == [1, 1, 0.5] && f.map(\.price) == [100, 102, 101] && f.map(\.leavesQuantity) == [1.5, 0.5, 0])
        #expect(abs(v.cash - (1_000 - (100 + 102 + 50.5) * 1.001)) < 1e-9)
        #expect(v.stats.partialFills == 2)
        // A second order in the same bar shares the cap: nothing is left for it.
        var e2: [VenueEvent] = []
        v.submit(OrderRequest(id: 2, pair: pair, side: .buy, kind: .market, quantity: .base(0.5), purpose: .entry, createdAtMs: t0 + 4 * 60_000), events: &e2)
        v.submit(OrderRequest(id: 3, pair: pair, side: .buy, kind: .market, quantity: .base(0.8), purpose: .entry, createdAtMs: t0 + 4 * 60_000), events: &e2)
        v.replay(pair, bar(4, 100, 100, 100, 100), events: &e2)
        #expect(fills(e2).map { "\($0.orderID):\($0.quantity)" } == ["2:0.5", "3:0.5"])
    }

    /// A sell fills at most what is held (reduce-only); once the holding is gone, the pair's
    /// other sells are cancelled.
    @Test func sellsAreReduceOnly() {
        var v = SimulatedVenue(profile: .kraken.withFlatFee(0).unrestricted(), initialCash: 0)
        v.holdings[pair] = 1
        var e: [VenueEvent] = []
        v.submit(OrderRequest(id: 1, pair: pair, side: .sell, kind: .market, quantity: .base(1.5), purpose: .exitSignal, createdAtMs: t0 + 60_000), events: &e)
        v.submit(OrderRequest(id: 2, pair: pair, side: .sell, kind: .limit(price: 120), quantity: .base(1), purpose: .takeProfit, createdAtMs: t0 + 60_000), events: &e)
        v.replay(pair, bar(1, 100, 100, 100, 100), events: &e)
        #expect(fills(e).map(\.quantity) == [1] && fills(e)[0].leavesQuantity == 0)
        #expect(e.contains(.cancelled(2, reason: "nothing left to sell: BTC/USD holdings are 0", atMs: t0 + 60_000)))
        #expect(v.cash == 100)
    }

    /// Stop-limit (Coinbase's only stop): a gap below its limit leaves it resting unfilled; it
    /// fills at its limit when the price comes back. A stop-market on Kraken fills at the open.
    @Test func stopLimitGapLeavesItUnfilled() {
        var v = SimulatedVenue(profile: .coinbase.unrestricted(), initialCash: 0)
        v.holdings[pair] = 1
        var e: [VenueEvent] = []
        v.submit(OrderRequest(id: 1, pair: pair, side: .sell, kind: .stopLimit(trigger: 95, limit: 94), quantity: .base(1), purpose: .stopLoss, createdAtMs: t0 + 60_000), events: &e)
        v.replay(pair, bar(1, 90, 93, 89, 92), events: &e)      // opens through trigger and limit
        #expect(fills(e).isEmpty && v.working.first?.triggered == true)
        v.replay(pair, bar(2, 92, 96, 91, 95), events: &e)      // back above the limit: fills at 94, maker
        #expect(fills(e).map { ($0.price, $0.isMaker) }.elementsEqual([(94, true)], by: ==))

        var k = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 0)
        k.holdings[pair] = 1
        e = []
        k.submit(OrderRequest(id: 1, pair: pair, side: .sell, kind: .stop(trigger: 95), quantity: .base(1), purpose: .stopLoss, createdAtMs: t0 + 60_000), events: &e)
        k.replay(pair, bar(1, 90, 93, 89, 92), events: &e)
        #expect(fills(e).map(\.price) == [90])
    }

    /// With latency, an order decided at a close cannot take the next open: it waits a bar.
    @Test func latencyOnCandlesWaitsForTheNextBar() {
        var s = SimulatorSettings()
        s.latencyMs = 250
        var v = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 1_000, settings: s)
        var e: [VenueEvent] = []
        v.submit(OrderRequest(id: 1, pair: pair, side: .buy, kind: .market, quantity: .base(1), purpose: .entry, createdAtMs: t0 + 60_000), events: &e)
        v.replay(pair, bar(1, 100, 101, 99, 100), events: &e)
        #expect(fills(e).isEmpty)
        v.replay(pair, bar(2, 103, 104, 102, 103), events: &e)
        #expect(fills(e).map(\.price) == [103])
    }

    /// Post-only in the candle model: marketable at the open means it would cross.
    @Test func postOnlyOnCandles() {
        var v = SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 1_000)
        var e: [VenueEvent] = []
        v.submit(OrderRequest(id: 1, pair: pair, side: .buy, kind: .limit(price: 101), quantity: .base(1), purpose: .entry, createdAtMs: t0 + 60_000, postOnly: true), events: &e)
        v.replay(pair, bar(1, 100, 101, 99, 100), events: &e)
        #expect(e.last == .cancelled(1, reason: "Post only order", atMs: t0 + 60_000) && fills(e).isEmpty)
    }
}

@Suite struct FaultInjectionTests {
    let pair = Pair(base: "BTC", quote: "USD")
    let t0: Int64 = 1_700_000_000_000 / 3_600_000 * 3_600_000

    func run(_ profile: FaultProfile, seed: UInt64, orders: Int = 400) -> [VenueEvent] {
        var s = SimulatorSettings()
        s.faults = profile
        s.seed = seed
        var v = SimulatedVenue(profile: .kraken.withFlatFee(0).unrestricted(), initialCash: 1e9, settings: s)
        var all: [VenueEvent] = []
        for i in 0..<orders {
            let t = t0 + Int64(i) * 60_000
            v.submit(OrderRequest(id: i + 1, pair: pair, side: .buy, kind: .market, quantity: .base(1), purpose: .entry, createdAtMs: t + 60_000), events: &all)
            v.replay(pair, Bar(timestampMs: t + 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1e6), events: &all)
        }
        return all
    }

    @Test func sameSeedSameFaultsOtherSeedOtherFaults() {
        let a = run(.hostile, seed: 7), b = run(.hostile, seed: 7), c = run(.hostile, seed: 8)
        #expect(a == b)
        #expect(a != c)
        #expect(run(.none, seed: 7).allSatisfy { if case .rejected = $0 { return false } else { return true } })
    }

    /// The hostile profile's rates show up in about their proportions; outages are whole
    /// windows at the start of an hour, refused as `unavailable` (transient).
    @Test func faultKindsAndRates() {
        let e = run(.hostile, seed: 3, orders: 3_000)
        var reasons: [VenueRejectReason: Int] = [:]
        var partial = 0
        for event in e {
            if case .rejected(_, let r, _, _) = event { reasons[r, default: 0] += 1 }
            if case .filled(let f) = event, f.leavesQuantity > 0 { partial += 1 }
        }
        #expect((200...420).contains(reasons[.rateLimited] ?? 0))       // 10% of ~2,900 arriving
        #expect((80...230).contains(reasons[.invalidOrder] ?? 0))       // 5%
        #expect((reasons[.unavailable] ?? 0) > 0)
        #expect(partial > 300)
        for event in e {
            guard case .rejected(_, .unavailable, _, let at) = event else { continue }
            #expect((at - t0) % 3_600_000 < 15 * 60_000)
        }
        #expect(VenueRejectReason.unavailable.isTransient && VenueRejectReason.rateLimited.isTransient && !VenueRejectReason.invalidOrder.isTransient)
    }
}
