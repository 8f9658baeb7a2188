import Testing
import NovaCore
import NovaMarketData
import NovaVenue
@testable import NovaSimulator

/// Hand-made books: exact fill prices, quantities and fees of the order-book fill model.
@Suite struct BookMatchingTests {
    let pair = Pair(base: "BTC", quote: "USD")
    /// Bar 0 opens at t0; orders decided at the close of bar -1 (created at t0) reach the book at t0.
    let t0: Int64 = 1_700_000_040_000 / 60_000 * 60_000

    /// Snapshots at t0 + seconds, each (bids, asks) best first.
    func book(_ snaps: [(Int64, [(Double, Double)], [(Double, Double)])]) -> OrderBookSeries {
        let depth = snaps.map { max($0.1.count, $0.2.count) }.max()!
        var b = OrderBookSeries(depth: depth)
        for (s, bids, asks) in snaps {
            b.timestampMs.append(t0 + s * 1000)
            for i in 0..<depth {
                b.bidPrice.append(i < bids.count ? bids[i].0 : .nan); b.bidSize.append(i < bids.count ? bids[i].1 : 0)
                b.askPrice.append(i < asks.count ? asks[i].0 : .nan); b.askSize.append(i < asks.count ? asks[i].1 : 0)
            }
        }
        return b
    }

    func venue(_ profile: VenueProfile = .kraken.withFlatFee(0.001).unrestricted(), cash: Double = 100_000, latencyMs: Int64 = 0,
               book: OrderBookSeries, trades: TradeTape? = nil, holdings: Double = 0) -> SimulatedVenue {
        var s = SimulatorSettings()
        s.fillModel = .book
        s.latencyMs = latencyMs
        var v = SimulatedVenue(profile: profile, initialCash: cash, settings: s)
        v.attachBook(pair, snapshots: book, trades: trades)
        if holdings > 0 { v.holdings[pair] = holdings }
        return v
    }

    func order(_ id: Int, _ side: Side, _ kind: OrderKind, _ units: Double, postOnly: Bool = false) -> OrderRequest {
        OrderRequest(id: id, pair: pair, side: side, kind: kind, quantity: .base(units), purpose: .entry, createdAtMs: t0, postOnly: postOnly)
    }

    let bar0: Bar
    init() { bar0 = Bar(timestampMs: 1_700_000_040_000 / 60_000 * 60_000, open: 100, high: 103, low: 97, close: 100, volume: 50) }

    func fills(_ e: [VenueEvent]) -> [Fill] { e.compactMap { if case .filled(let f) = $0 { return f } else { return nil } } }

    /// A market buy of 2.5 walks the asks: 1 at 100, 1.5 at 101 (VWAP 100.6), one fill per
    /// level, taker fee on each; cash and holdings reconcile exactly.
    @Test func marketOrderWalksTheLevels() {
        var v = venue(book: book([(0, [(99, 5)], [(100, 1), (101, 2), (102, 5)])]))
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .market, 2.5), events: &e)
        v.replay(pair, bar0, events: &e)
        let f = fills(e)
        #expect(f.map(\.price) == [100, 101] && f.map(\.quantity) == [1, 1.5])
        #expect(f.map(\.leavesQuantity) == [1.5, 0] && f.allSatisfy { !$0.isMaker && $0.feeRate == 0.001 })
        let vwap = f.reduce(0) { $0 + $1.notional } / 2.5
        #expect(abs(vwap - 100.6) < 1e-12)
        #expect(abs(v.cash - (100_000 - 251.5 * 1.001)) < 1e-9)
        #expect(v.holdings[pair] == 2.5)
    }

    /// More than the visible depth: what is left waits for the next snapshot. Liquidity taken
    /// from a snapshot is gone for the next order in the same snapshot.
    @Test func depthRunsOutAndTakenLiquidityIsGone() {
        var v = venue(book: book([(0, [(99, 5)], [(100, 1), (101, 1)]), (1, [(99, 5)], [(100.5, 4)])]))
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .market, 3), events: &e)
        v.submit(order(2, .buy, .market, 0.5), events: &e)
        v.replay(pair, bar0, events: &e)
        let f = fills(e)
        // Snapshot 0: order 1 takes both levels (2 units); order 2 finds nothing left.
        // Snapshot 1: order 1 gets its last unit, order 2 its half, both at 100.5.
        #expect(f.map { "\($0.orderID)@\($0.price)x\($0.quantity)" } == ["1@100.0x1.0", "1@101.0x1.0", "1@100.5x1.0", "2@100.5x0.5"])
        #expect(f.map(\.timestampMs) == [t0, t0, t0 + 1000, t0 + 1000])
    }

    /// A resting bid waits behind the size already at its level: trades at its price eat that
    /// size first; the excess fills it as a maker at its price; a trade through fills the rest.
    @Test func queuePositionFillsOnlyAfterTheSizeAheadTraded() {
        var tape = TradeTape()
        tape.append(timestampMs: t0 + 1500, price: 99, size: 2, takerBuys: false)     // 3 ahead -> 1 ahead
        tape.append(timestampMs: t0 + 2500, price: 99, size: 1.5, takerBuys: false)   // 1 ahead gone, 0.5 fills us
        tape.append(timestampMs: t0 + 2600, price: 99.5, size: 4, takerBuys: true)    // a buy at the ask: not our queue
        tape.append(timestampMs: t0 + 3500, price: 98.5, size: 0.2, takerBuys: false) // through our price: the rest fills
        let levels: [(Double, Double)] = [(99.5, 1), (99, 3), (98, 5)]
        let b = book([(0, levels, [(100, 2)]), (1, levels, [(100, 2)]), (2, levels, [(100, 2)]), (3, levels, [(100, 2)]), (4, levels, [(100, 2)])])
        var v = venue(.kraken.unrestricted(), book: b, trades: tape)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .limit(price: 99), 2), events: &e)
        v.replay(pair, bar0, events: &e)
        let f = fills(e)
        #expect(f.map(\.quantity) == [0.5, 1.5] && f.allSatisfy { $0.price == 99 && $0.isMaker && $0.feeRate == 0.0025 })
        #expect(f.map(\.timestampMs) == [t0 + 2500, t0 + 3500])
        #expect(f.map(\.leavesQuantity) == [1.5, 0])
    }

    /// Without trades, a level that shrinks can hold no more ahead of us than it shows; a fill
    /// needs the other side to reach our price.
    @Test func shrinkingLevelAndTradeThroughWithoutATape() {
        let b = book([(0, [(99, 3)], [(100, 1)]), (1, [(99, 0.5)], [(100, 1)]), (2, [(98.5, 1)], [(99, 0.7)])])
        var v = venue(book: b)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .limit(price: 99), 1), events: &e)
        v.replay(pair, bar0, events: &e)
        #expect(v.working.isEmpty)
        let f = fills(e)
        #expect(f.count == 1 && f[0].price == 99 && f[0].quantity == 1 && f[0].isMaker && f[0].timestampMs == t0 + 2000)
    }

    /// A limit that crosses takes liquidity up to its price (taker), then rests with the rest.
    @Test func crossingLimitTakesThenRests() {
        var v = venue(book: book([(0, [(99, 1)], [(100, 1), (100.5, 1), (101, 1)]), (1, [(99, 1)], [(100.5, 3)])]))
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .limit(price: 100.5), 3), events: &e)
        v.replay(pair, bar0, events: &e)
        let f = fills(e)
        // 1 at 100 and 1 at 100.5 as taker; the last unit rests at 100.5 and fills as a maker
        // when the next snapshot's ask sits at its price.
        #expect(f.map(\.price) == [100, 100.5, 100.5] && f.map(\.isMaker) == [false, false, true])
    }

    /// Post-only orders that would cross: Kraken accepts and cancels ("Post only order"),
    /// Coinbase rejects (`INVALID_LIMIT_PRICE_POST_ONLY`). A resting post-only order is fine.
    @Test func postOnlyCrossPerExchange() {
        let b = book([(0, [(99, 1)], [(100, 1)])])
        var k = venue(book: b)
        var e: [VenueEvent] = []
        k.submit(order(1, .buy, .limit(price: 100), 1, postOnly: true), events: &e)
        k.submit(order(2, .buy, .limit(price: 98), 1, postOnly: true), events: &e)
        k.replay(pair, bar0, events: &e)
        #expect(e.contains(.accepted(1, atMs: t0)))
        #expect(e.contains(.cancelled(1, reason: "Post only order", atMs: t0)))
        #expect(k.working.map(\.order.id) == [2] && fills(e).isEmpty)

        var c = venue(.coinbase.unrestricted(), book: b)
        e = []
        c.submit(order(1, .buy, .limit(price: 100), 1, postOnly: true), events: &e)
        c.replay(pair, bar0, events: &e)
        guard case .rejected(1, .postOnlyWouldCross, let message, _)? = e.last else { Issue.record("no reject: \(e)"); return }
        #expect(message.hasPrefix("INVALID_LIMIT_PRICE_POST_ONLY"))
    }

    /// Stops trigger on the last trade: a bid below the trigger without a trade does not fire
    /// a Kraken stop; the trade at the trigger does, and the stop sells into the bids.
    @Test func stopTriggersOnTheLastTradeAndWalksTheBids() {
        var tape = TradeTape()
        tape.append(timestampMs: t0 + 1500, price: 95, size: 0.1, takerBuys: false)
        let b = book([(0, [(94.5, 1)], [(96, 1)]), (1, [(94.5, 1)], [(96, 1)]), (2, [(94, 0.6), (93, 5)], [(95, 1)])])
        var v = venue(book: b, trades: tape, holdings: 1)
        var e: [VenueEvent] = []
        v.submit(order(1, .sell, .stop(trigger: 95), 1), events: &e)
        v.replay(pair, bar0, events: &e)
        let f = fills(e)
        #expect(f.map(\.price) == [94, 93] && f.map(\.quantity) == [0.6, 0.4])
        #expect(f.allSatisfy { $0.timestampMs == t0 + 2000 && !$0.isMaker })
    }

    /// Latency: an order decided at t0 with 1.5 s of latency meets the snapshot in force at
    /// t0 + 1.5 s (the one from t0 + 1 s), not the one at t0.
    @Test func latencyMeetsTheBookAsItIsOnArrival() {
        let b = book([(0, [(99, 1)], [(100, 1)]), (1, [(99, 1)], [(100.8, 1)]), (2, [(99, 1)], [(101.2, 1)])])
        var v = venue(latencyMs: 1500, book: b)
        var e: [VenueEvent] = []
        v.submit(order(1, .buy, .market, 1), events: &e)
        v.replay(pair, bar0, events: &e)
        let f = fills(e)
        #expect(f.count == 1 && f[0].price == 100.8 && f[0].timestampMs == t0 + 1500)
    }

    /// A bar without snapshots falls back to the candle rules (and is counted).
    @Test func barsWithoutABookUseCandles() {
        var v = venue(book: book([(0, [(99, 1)], [(100, 1)])]))
        var e: [VenueEvent] = []
        let later = Bar(timestampMs: t0 + 600_000, open: 105, high: 106, low: 104, close: 105, volume: 10)
        v.submit(OrderRequest(id: 1, pair: pair, side: .buy, kind: .market, quantity: .base(1), purpose: .entry, createdAtMs: t0 + 540_000), events: &e)
        v.replay(pair, later, events: &e)
        #expect(fills(e).map(\.price) == [105])
        #expect(v.stats.barsMatchedOnCandles == 1 && v.stats.barsMatchedOnBook == 0)
    }
}
