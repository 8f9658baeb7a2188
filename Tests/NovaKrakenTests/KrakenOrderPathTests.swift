import Foundation
import NovaCore
import NovaVenue
import Testing
@testable import NovaKraken

/// The order path's pure parts: the engine's orders as AddOrder parameters, and the
/// `executions` channel turned into the engine's events (exchange-crib.md §1.4, §2.5, §6).
@Suite struct KrakenOrderPathTests {
    static let btc = KrakenInstrument(key: "XXBTZUSD", altname: "XBTUSD", wsname: "XBT/USD", pairDecimals: 1, lotDecimals: 8, tickSize: 0.1,
                                      orderMin: 0.00005, costMin: 0.5, status: "online")
    static let pair = try! Pair(parsing: "BTC/USD")

    static func order(_ id: OrderID, _ side: Side, _ kind: OrderKind, _ q: OrderQuantity, cid: String = "np2-0-1-en1", postOnly: Bool = false,
                      ioc: Bool = false) -> OrderRequest {
        OrderRequest(id: id, pair: pair, side: side, kind: kind, quantity: q, purpose: .entry, createdAtMs: 0, postOnly: postOnly,
                     clientOrderID: cid, immediateOrCancel: ioc)
    }

    @Test func clientIDsFitKrakensFormsDeterministically() {
        #expect(KrakenOrderParams.wireClientID("np2-0-12-sl1") == "np2-0-12-sl1")
        let long = KrakenOrderParams.wireClientID("np12-10-123456-eod12")
        #expect(long.count == 36 && UUID(uuidString: long) != nil)
        #expect(long == KrakenOrderParams.wireClientID("np12-10-123456-eod12"))
        #expect(long != KrakenOrderParams.wireClientID("np12-10-123456-eod13"))
    }

    @Test func ordersBecomeAddOrderParametersOnThePairsGrid() throws {
        let buy = try KrakenOrderParams.addOrder(Self.order(1, .buy, .market, .quoteIncludingFee(1_000)), instrument: Self.btc, referencePrice: 40_000,
                                                 takerFee: 0.004, deadlineMs: 1_700_000_030_000)
        // 1000 / (40000 * 1.004 * 1.005) = 0.0247765...  floored to 8 places.
        #expect(buy.params.map(\.0) == ["pair", "type", "ordertype", "volume", "cl_ord_id", "deadline"])
        #expect(buy.params.map(\.1) == ["XBTUSD", "buy", "market", "0.02477651", "np2-0-1-en1", "2023-11-14T22:13:50Z"])
        #expect(buy.volume == 0.02477651)
        let post = try KrakenOrderParams.addOrder(Self.order(2, .sell, .limit(price: 40_000.04), .base(0.1), postOnly: true), instrument: Self.btc,
                                                  referencePrice: 40_000, takerFee: 0.004, deadlineMs: nil)
        #expect(post.params.map { "\($0.0)=\($0.1)" } == ["pair=XBTUSD", "type=sell", "ordertype=limit", "price=40000.0", "volume=0.10000000",
                                                         "oflags=post", "cl_ord_id=np2-0-1-en1"])
        let stop = try KrakenOrderParams.addOrder(Self.order(3, .sell, .stop(trigger: 39_123.456), .base(0.1)), instrument: Self.btc,
                                                  referencePrice: 40_000, takerFee: 0.004, deadlineMs: nil)
        #expect(stop.params.contains { $0 == ("ordertype", "stop-loss") } && stop.params.contains { $0 == ("price", "39123.5") })
        let ioc = try KrakenOrderParams.addOrder(Self.order(4, .sell, .limit(price: 41_000), .base(0.1), ioc: true), instrument: Self.btc,
                                                 referencePrice: 40_000, takerFee: 0.004, deadlineMs: nil)
        #expect(ioc.params.contains { $0 == ("timeinforce", "IOC") })
    }

    @Test func ordersBelowThePairsMinimumsAreNotSent() {
        #expect(throws: KrakenOrderParams.Refusal.self) {
            try KrakenOrderParams.addOrder(Self.order(1, .sell, .market, .base(0.00001)), instrument: Self.btc, referencePrice: 40_000, takerFee: 0.004, deadlineMs: nil)
        }
        do {
            _ = try KrakenOrderParams.addOrder(Self.order(1, .buy, .limit(price: 1), .base(0.0001)), instrument: Self.btc, referencePrice: 40_000,
                                               takerFee: 0.004, deadlineMs: nil)
            Issue.record("a cost of 0.0001 was sent")
        } catch {
            #expect(error.reason == .belowMinimum && error.message.contains("costmin"))
        }
    }

    @Test func onlyAnAnswerFromKrakenProvesAnOrderWasNotPlaced() {
        #expect(KrakenOrderParams.isDefiniteReject(KrakenError.classify("EOrder:Insufficient funds")))
        #expect(KrakenOrderParams.isDefiniteReject(KrakenError.classify("EAPI:Rate limit exceeded")))
        #expect(KrakenOrderParams.isDefiniteReject(KrakenError.classify("EService:Deadline elapsed")))
        #expect(!KrakenOrderParams.isDefiniteReject(KrakenError.classify("EService:Unavailable")))
        #expect(!KrakenOrderParams.isDefiniteReject(KrakenError.classify("ESomething:New")))
        do { _ = try KrakenReply.result(status: 502, body: Data("<html>502</html>".utf8)); Issue.record("a 502 page was a result") } catch {
            #expect(!KrakenOrderParams.isDefiniteReject(error))
        }
    }

    /// One `executions` frame in the documented shape.
    static func executions(_ elements: String) -> [KrakenExecution] {
        guard case .executions(_, let rows) = KrakenWSMessage.parse(#"{"channel":"executions","type":"update","data":[\#(elements)],"sequence":2}"#) else {
            Issue.record("not an executions frame"); return []
        }
        return rows
    }

    @Test func executionsBecomeTheEnginesEventsOncePerFill() {
        var t = KrakenExecutionTracker()
        t.sent(Self.order(7, .buy, .market, .quoteIncludingFee(10_100)), wireID: "np2-0-1-en1", volume: 0.25)
        var events: [VenueEvent] = []
        let frame = Self.executions("""
            {"exec_type":"pending_new","order_id":"OA-1","cl_ord_id":"np2-0-1-en1","order_status":"pending_new","timestamp":"2026-01-01T00:00:00.000Z"},
            {"exec_type":"new","order_id":"OA-1","cl_ord_id":"np2-0-1-en1","order_status":"new","timestamp":"2026-01-01T00:00:00.000Z"},
            {"exec_type":"trade","order_id":"OA-1","cl_ord_id":"np2-0-1-en1","exec_id":"T1","last_qty":0.1,"last_price":40000.5,"cost":4000.05,
             "liquidity_ind":"t","fees":[{"asset":"USD","qty":16.0002}],"order_status":"partially_filled","cum_qty":0.1,"cum_cost":4000.05,
             "timestamp":"2026-01-01T00:00:01.000Z"}
            """)
        for e in frame { events += t.apply(e, nowMs: 5).events }
        // The REST reply after the channel: no second acceptance.
        events += t.placed(7, txid: "OA-1", atMs: 6)
        // The same trade again (a reconnect's snapshot), then the next one after a missed one.
        for e in frame.suffix(1) { events += t.apply(e, nowMs: 7).events }
        for e in Self.executions("""
            {"exec_type":"trade","order_id":"OA-1","cl_ord_id":"np2-0-1-en1","exec_id":"T3","last_qty":0.05,"last_price":40001.5,"liquidity_ind":"t",
             "fees":[{"asset":"USD","qty":8.0003}],"order_status":"partially_filled","cum_qty":0.25,"cum_cost":10000.225,"timestamp":"2026-01-01T00:00:02.000Z"},
            {"exec_type":"filled","order_id":"OA-1","cl_ord_id":"np2-0-1-en1","order_status":"filled","cum_qty":0.25,"cum_cost":10000.225,
             "timestamp":"2026-01-01T00:00:02.000Z"}
            """) { events += t.apply(e, nowMs: 8).events }
        #expect(events.count == 3)
        #expect(events.first == .accepted(7, atMs: 1_767_225_600_000))
        guard case .filled(let a) = events[1], case .filled(let b) = events[2] else { Issue.record("\(events)"); return }
        #expect(a.quantity == 0.1 && a.price == 40_000.5 && a.fee == 16.0002 && abs(a.leavesQuantity - 0.15) < 1e-12 && !a.isMaker)
        // The missed trade and the last one together: 0.15 at the cumulative cost's increase.
        #expect(abs(b.quantity - 0.15) < 1e-12 && abs(b.price - (10_000.225 - 4_000.05) / 0.15) < 1e-6 && b.leavesQuantity == 0)
        #expect(t.open.isEmpty)
    }

    @Test func cancelsPostOnlyCrossesAndForeignOrders() {
        var t = KrakenExecutionTracker()
        t.sent(Self.order(1, .sell, .limit(price: 41_000), .base(0.2), cid: "np2-0-1-tp1"), wireID: "np2-0-1-tp1", volume: 0.2)
        t.sent(Self.order(2, .buy, .limit(price: 39_000), .base(0.1), cid: "np2-0-2-en1", postOnly: true), wireID: "np2-0-2-en1", volume: 0.1)
        #expect(t.held("BTC") == 0.2 && t.held("USD") == 3_900)
        #expect(t.balanceEvents(["USD": 100_000, "BTC": 0.5], atMs: 1) == [.balance(asset: "BTC", available: 0.3, atMs: 1),
                                                                           .balance(asset: "USD", available: 96_100, atMs: 1)])
        var events: [VenueEvent] = []
        for e in Self.executions("""
            {"exec_type":"trade","order_id":"OB-1","cl_ord_id":"np2-0-1-tp1","exec_id":"T9","last_qty":0.1,"last_price":41000,"liquidity_ind":"m",
             "fees":[{"asset":"USD","qty":10.25}],"order_status":"partially_filled","cum_qty":0.1,"cum_cost":4100,"timestamp":"2026-01-01T00:00:00Z"},
            {"exec_type":"canceled","order_id":"OB-1","cl_ord_id":"np2-0-1-tp1","order_status":"canceled","reason":"User requested","cum_qty":0.1,
             "cum_cost":4100,"timestamp":"2026-01-01T00:00:01Z"},
            {"exec_type":"canceled","order_id":"OB-2","cl_ord_id":"np2-0-2-en1","order_status":"canceled","reason":"Post only order",
             "timestamp":"2026-01-01T00:00:01Z"}
            """) { events += t.apply(e, nowMs: 0).events }
        #expect(events.count == 4)
        guard case .filled(let f) = events[1] else { Issue.record("\(events)"); return }
        #expect(f.isMaker && abs(f.leavesQuantity - 0.1) < 1e-12 && f.fee == 10.25)
        #expect(events[2] == .cancelled(1, reason: "User requested", atMs: 1_767_225_601_000))
        #expect(events[3] == .cancelled(2, reason: "Post only order", atMs: 1_767_225_601_000))
        #expect(t.open.isEmpty && t.held("USD") == 0)
        let foreign = Self.executions(#"{"exec_type":"new","order_id":"OX-1","cl_ord_id":"np9-0-1-en1","timestamp":"2026-01-01T00:00:00Z"}"#)
        #expect(t.apply(foreign[0], nowMs: 0).foreign)
    }

    /// A gap of ten days (a clock far off, a feed down): at most a day of flat bars comes out
    /// of one call, the newest day, and the rest is counted as skipped.
    @Test func aLongGapGivesAtMostADayOfFlatBarsPerCall() {
        var a = CandleAssembler(intervalMs: 60_000, graceMs: 2_000, after: 0, lastClose: 100)
        let bars = a.tick(nowMs: 10 * 86_400_000 + 62_000)
        #expect(bars.count == CandleAssembler.maxFlatBars && bars.last?.timestampMs == 10 * 86_400_000)
        #expect(bars.first?.timestampMs == 10 * 86_400_000 - Int64(CandleAssembler.maxFlatBars - 1) * 60_000)
        #expect(a.skippedFlatBars == 10 * 1_440 - CandleAssembler.maxFlatBars && bars.allSatisfy { $0.close == 100 && $0.volume == 0 })
        #expect(a.tick(nowMs: 10 * 86_400_000 + 62_000).isEmpty)
    }
}
