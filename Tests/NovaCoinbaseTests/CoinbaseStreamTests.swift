import Foundation
import NovaCore
import NovaVenue
import Testing
@testable import NovaCoinbase

/// The WebSocket side: messages parsed, the level2 book kept honest by sequence numbers, fills
/// from the user channel's cumulative state, 1-minute bars from trades.
@Suite struct CoinbaseStreamTests {
    static func l2(_ seq: Int64, _ type: String, _ updates: [(String, String, String)], product: String = "BTC-USD") -> Data {
        let u = updates.map { #"{"side":"\#($0.0)","event_time":"2024-06-01T12:00:00Z","price_level":"\#($0.1)","new_quantity":"\#($0.2)"}"# }
        return Data(#"{"channel":"l2_data","client_id":"","timestamp":"2024-06-01T12:00:00.1Z","sequence_num":\#(seq),"events":[{"type":"\#(type)","product_id":"\#(product)","updates":[\#(u.joined(separator: ","))]}]}"#.utf8)
    }
    static func msg(_ d: Data) throws -> CoinbaseWSMessage { try CoinbaseWSMessage.parse(d) }

    @Test func theBookFollowsSnapshotsAndAbsoluteUpdates() throws {
        var state = CoinbaseMarketState(productIDs: ["BTC-USD"])
        #expect(state.books["BTC-USD"]?.isValid == false)
        #expect(state.handle(try Self.msg(Self.l2(0, "snapshot", [("bid", "100.0", "1"), ("bid", "99.5", "2"), ("offer", "100.5", "3")]))) == .none)
        #expect(state.handle(try Self.msg(Self.l2(1, "update", [("bid", "100.0", "0"), ("offer", "100.5", "1.5"), ("offer", "101", "4")]))) == .none)
        let book = state.books["BTC-USD"]!
        #expect(book.isValid)
        #expect(book.top(5).bids.map(\.price) == [99.5])
        #expect(book.top(5).asks.map(\.price) == [100.5, 101])
        #expect(book.top(5).asks[0].size == 1.5)   // absolute size, not a delta
    }

    @Test func aSequenceGapClearsTheBookAndAsksForLevel2Again() throws {
        var state = CoinbaseMarketState(productIDs: ["BTC-USD", "ETH-USD"])
        _ = state.handle(try Self.msg(Self.l2(10, "snapshot", [("bid", "100", "1"), ("offer", "101", "1")])))
        _ = state.handle(try Self.msg(Self.l2(11, "snapshot", [("bid", "10", "1"), ("offer", "11", "1")], product: "ETH-USD")))
        // 12 is lost.
        let action = state.handle(try Self.msg(Self.l2(13, "update", [("bid", "100", "5")])))
        #expect(action == .resubscribeLevel2(["BTC-USD", "ETH-USD"], reason: "sequence gap: expected 12, got 13"))
        #expect(state.books["BTC-USD"]?.isValid == false && state.books["BTC-USD"]?.levelCount == 0)
        // Updates before the new snapshot are ignored; the snapshot makes the book whole again.
        _ = state.handle(try Self.msg(Self.l2(14, "update", [("bid", "100", "5")])))
        #expect(state.books["BTC-USD"]?.levelCount == 0)
        #expect(state.handle(try Self.msg(Self.l2(15, "snapshot", [("bid", "100", "7"), ("offer", "101", "1")]))) == .none)
        #expect(state.books["BTC-USD"]?.isValid == true && state.books["BTC-USD"]?.bestBid == 100)
        // A repeated message is a break too (a replay after a hiccup).
        #expect(state.handle(try Self.msg(Self.l2(15, "update", [("bid", "100", "8")]))) != .none)
        #expect(state.breaks.count == 2)
    }

    @Test func heartbeatJumpsAndCrossedBooksAreBreaks() throws {
        var state = CoinbaseMarketState(productIDs: ["BTC-USD"])
        func hb(_ seq: Int64, _ counter: Int64) -> Data {
            Data(#"{"channel":"heartbeats","client_id":"","timestamp":"2024-06-01T12:00:00Z","sequence_num":\#(seq),"events":[{"current_time":"2024-06-01 12:00:00 +0000 UTC","heartbeat_counter":\#(counter)}]}"#.utf8)
        }
        _ = state.handle(try Self.msg(Self.l2(0, "snapshot", [("bid", "100", "1"), ("offer", "101", "1")])))
        #expect(state.handle(try Self.msg(hb(1, 7))) == .none)
        #expect(state.handle(try Self.msg(hb(2, 8))) == .none)
        #expect(state.handle(try Self.msg(hb(3, 11))) != .none)
        #expect(state.books["BTC-USD"]?.isValid == false)
        // A snapshot whose best bid is not below its best ask is not trusted.
        #expect(state.handle(try Self.msg(Self.l2(4, "snapshot", [("bid", "102", "1"), ("offer", "101", "1")]))) != .none)
        #expect(state.books["BTC-USD"]?.invalidReason?.hasPrefix("crossed") == true)
        // A new connection starts the counters again.
        state.reconnected()
        #expect(state.handle(try Self.msg(Self.l2(0, "snapshot", [("bid", "100", "1"), ("offer", "101", "1")]))) == .none)
    }

    @Test func aSnapshotOfSeveralMebibytesParses() throws {
        let levels = (0..<40_000).map { i in ("bid", String(format: "%.2f", 50_000 - Double(i) * 0.01), "0.12345678") }
            + (0..<40_000).map { i in ("offer", String(format: "%.2f", 50_000.01 + Double(i) * 0.01), "0.12345678") }
        let data = Self.l2(0, "snapshot", levels)
        #expect(data.count > 8_000_000)
        var state = CoinbaseMarketState(productIDs: ["BTC-USD"])
        #expect(state.handle(try Self.msg(data)) == .none)
        #expect(state.books["BTC-USD"]?.levelCount == 80_000)
        #expect(state.books["BTC-USD"]?.bestBid == 50_000 && state.books["BTC-USD"]?.bestAsk == 50_000.01)
    }

    @Test func badFramesAreNamedErrors() throws {
        #expect(throws: CoinbaseWSMessage.ParseError.self) { try CoinbaseWSMessage.parse(Data("<html>".utf8)) }
        #expect(throws: CoinbaseWSMessage.ParseError.self) {
            try CoinbaseWSMessage.parse(Data(#"{"channel":"l2_data","sequence_num":1,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"ask","event_time":"","price_level":"1","new_quantity":"1"}]}]}"#.utf8))
        }
        #expect((try? CoinbaseWSMessage.parse(Data(#"{"type":"error","message":"authentication failure"}"#.utf8))) == .error("authentication failure"))
        #expect((try? CoinbaseWSMessage.parse(Data(#"{"channel":"status","sequence_num":3,"events":[]}"#.utf8))) == .other(channel: "status", sequence: 3))
        let sub = try? CoinbaseWSMessage.parse(Data(#"{"channel":"subscriptions","client_id":"","timestamp":"2024-06-01T12:00:00Z","sequence_num":1,"events":[{"subscriptions":{"level2":["BTC-USD"],"heartbeats":["heartbeats"]}}]}"#.utf8))
        #expect(sub == .subscriptions(["level2": ["BTC-USD"], "heartbeats": ["heartbeats"]], sequence: 1))
        let body = String(decoding: CoinbaseWSMessage.subscribe(channel: "level2", productIDs: ["BTC-USD"], jwt: "j"), as: UTF8.self)
        #expect(body == #"{"channel":"level2","jwt":"j","product_ids":["BTC-USD"],"type":"subscribe"}"#)
    }

    static func user(_ seq: Int64, _ type: String, cum: String, leaves: String, avg: String, fees: String, status: String,
                     client: String = "np-1-e", id: String = "o-1", cancel: String = "") -> Data {
        Data(#"{"channel":"user","client_id":"","timestamp":"2024-06-01T12:00:05Z","sequence_num":\#(seq),"events":[{"type":"\#(type)","orders":[{"order_id":"\#(id)","client_order_id":"\#(client)","cumulative_quantity":"\#(cum)","leaves_quantity":"\#(leaves)","avg_price":"\#(avg)","total_fees":"\#(fees)","status":"\#(status)","product_id":"BTC-USD","creation_time":"2024-06-01T12:00:00Z","order_side":"BUY","order_type":"Limit","cancel_reason":"\#(cancel)","reject_reason":""}]}]}"#.utf8)
    }
    static func apply(_ t: inout CoinbaseOrderTracker, _ d: Data) throws -> (events: [VenueEvent], foreign: Bool) {
        guard case .user(let events, _) = try CoinbaseWSMessage.parse(d) else { throw CoinbaseWSMessage.ParseError(message: "not user") }
        var out: [VenueEvent] = []
        var foreign = false
        for e in events { for o in e.orders { let r = t.apply(o, nowMs: 0); out += r.events; foreign = foreign || r.foreign } }
        return (out, foreign)
    }

    @Test func fillsComeFromTheCumulativeStateAndAreNotCountedTwice() throws {
        var t = CoinbaseOrderTracker()
        let o = OrderRequest(id: 1, pair: Pair(base: "BTC", quote: "USD"), side: .buy, kind: .limit(price: 102), quantity: .base(0.01),
                             purpose: .entry, createdAtMs: 0, clientOrderID: "np-1-e")
        t.sent(o, clientOrderID: "np-1-e", baseSize: 0.01, atMs: 0)
        let at: Int64 = 1_717_243_205_000
        #expect(try Self.apply(&t, Self.user(1, "snapshot", cum: "0", leaves: "0.01", avg: "0", fees: "0", status: "OPEN")).events == [.accepted(1, atMs: at)])
        let first = try Self.apply(&t, Self.user(2, "update", cum: "0.004", leaves: "0.006", avg: "100", fees: "0.0024", status: "OPEN")).events
        guard case .filled(let f1)? = first.first, first.count == 1 else { Issue.record("expected one fill, got \(first)"); return }
        #expect(f1.orderID == 1 && f1.price == 100 && f1.quantity == 0.004 && f1.fee == 0.0024 && abs(f1.feeRate - 0.006) < 1e-12)
        #expect(f1.timestampMs == at && f1.leavesQuantity == 0.006 && f1.side == .buy)
        // The same state again (a reconnect's snapshot): nothing new.
        #expect(try Self.apply(&t, Self.user(1, "snapshot", cum: "0.004", leaves: "0.006", avg: "100", fees: "0.0024", status: "OPEN")).events.isEmpty)
        // The rest, its price from the change of the filled value: (101.2 x 0.01 - 100 x 0.004) / 0.006 = 102.
        let rest = try Self.apply(&t, Self.user(3, "update", cum: "0.01", leaves: "0", avg: "101.2", fees: "0.006072", status: "FILLED")).events
        guard case .filled(let f)? = rest.first, rest.count == 1 else { Issue.record("expected one fill, got \(rest)"); return }
        #expect(abs(f.quantity - 0.006) < 1e-12 && abs(f.price - 102) < 1e-9 && abs(f.fee - 0.003672) < 1e-12 && f.leavesQuantity == 0)
        #expect(t.open.isEmpty)
        #expect(try Self.apply(&t, Self.user(4, "update", cum: "0.01", leaves: "0", avg: "101.2", fees: "0.006072", status: "FILLED")).events.isEmpty)
    }

    @Test func cancelsFailuresAndOrdersOfOthers() throws {
        var t = CoinbaseOrderTracker()
        let pair = Pair(base: "BTC", quote: "USD")
        t.sent(OrderRequest(id: 2, pair: pair, side: .sell, kind: .limit(price: 110), quantity: .base(1), purpose: .takeProfit, createdAtMs: 0,
                            clientOrderID: "np-2-t"), clientOrderID: "np-2-t", baseSize: 1, atMs: 0)
        #expect(t.placed(2, exchangeID: "o-2", atMs: 5) == [.accepted(2, atMs: 5)])
        let cancel = try Self.apply(&t, Self.user(1, "update", cum: "0.25", leaves: "0", avg: "110", fees: "0.1", status: "CANCELLED", client: "np-2-t", id: "o-2", cancel: "User requested cancel"))
        #expect(cancel.events.count == 2)
        if case .filled(let f) = cancel.events[0] { #expect(f.quantity == 0.25 && f.leavesQuantity == 0.75) } else { Issue.record("no fill first") }
        #expect(cancel.events[1] == .cancelled(2, reason: "User requested cancel", atMs: 1_717_243_205_000))
        t.sent(OrderRequest(id: 3, pair: pair, side: .buy, kind: .limit(price: 90), quantity: .base(1), purpose: .entry, createdAtMs: 0,
                            clientOrderID: "np-3-e"), clientOrderID: "np-3-e", baseSize: 1, atMs: 0)
        let failed = try Self.apply(&t, Self.user(2, "update", cum: "0", leaves: "1", avg: "0", fees: "0", status: "FAILED", client: "np-3-e", id: "o-3"))
        guard case .rejected(3, _, _, _)? = failed.events.first else { Issue.record("expected a rejection, got \(failed.events)"); return }
        // Someone else's open order: no event, reported as foreign.
        let other = try Self.apply(&t, Self.user(3, "snapshot", cum: "0.5", leaves: "0.5", avg: "100", fees: "0", status: "OPEN", client: "manual", id: "o-x"))
        #expect(other.events.isEmpty && other.foreign)
        #expect(t.refused(9, CoinbaseError(kind: .insufficientFunds, message: "x"), atMs: 0).isEmpty)   // unknown id: nothing
    }

    @Test func minuteBarsFromTrades() {
        var b = TradeBarBuilder(productID: "BTC-USD", graceMs: 2_000)
        let m0: Int64 = 1_717_243_200_000
        func tr(_ id: String, _ ms: Int64, _ p: Double, _ s: Double) -> CoinbaseWSMessage.Trade {
            CoinbaseWSMessage.Trade(tradeID: id, productID: "BTC-USD", price: p, size: s, side: "BUY", timeMs: ms)
        }
        // Newest first in one message, as a snapshot lists them; a repeated trade; another product.
        var bars = b.trades([tr("3", m0 + 50_000, 102, 1), tr("2", m0 + 20_000, 99, 2), tr("1", m0 + 1_000, 100, 1), tr("2", m0 + 20_000, 99, 2),
                             CoinbaseWSMessage.Trade(tradeID: "x", productID: "ETH-USD", price: 1, size: 1, side: "SELL", timeMs: m0)])
        #expect(bars.isEmpty)
        #expect(b.duplicateTrades == 1)
        bars = b.trades([tr("4", m0 + 61_000, 103, 0.5)])
        #expect(bars == [Bar(timestampMs: m0, open: 100, high: 102, low: 99, close: 102, volume: 4)])
        // A trade for the closed minute is late: counted, not used.
        #expect(b.trades([tr("5", m0 + 59_000, 1, 1)]).isEmpty)
        #expect(b.lateTrades == 1)
        // No trade in minute 2: the clock closes minute 1, then a flat minute 2 at the last close.
        #expect(b.tick(nowMs: m0 + 121_000) == [])
        let closed = b.tick(nowMs: m0 + 182_500)
        #expect(closed == [Bar(timestampMs: m0 + 60_000, open: 103, high: 103, low: 103, close: 103, volume: 0.5),
                           Bar(timestampMs: m0 + 120_000, open: 103, high: 103, low: 103, close: 103, volume: 0)])
    }
}
