import Foundation
import GRDB
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaKraken
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// No order is ever guessed: unknown outcomes settled by `cl_ord_id`, fills made while no
/// process ran found at the restart, orders of no session cancelled or adopted. Against the
/// fake Kraken's account, with the real adapter and runtime.
@Suite struct LiveReconcileTests {
    /// Quick timers for tests: a deadline of 1 s, reconciliation every 300 ms.
    static func quick(_ s: inout KrakenOrderAdapter.Settings) {
        s.deadlineMs = 1_000
        s.settleGraceMs = 200
        s.reconcileOrdersMs = 300
    }

    @Test func anAddOrderThatNeverArrivedIsRejectedAfterItsDeadlineAndNeverResent() async throws {
        // The second AddOrder is the first position's stop: it never reaches Kraken.
        let fake = try LiveOrderTests.fake { $0.account.swallowAddOrders = [2] }
        defer { fake.stop() }
        // 359 bars (9 s of stream): the swallowed stop's reply timeout, deadline and lookup fit
        // in them with room on a loaded machine (with 200 they once did not, in the full suite).
        let r = try await LiveOrderTests.session(fake, database: Fixtures.scratch("live-lost") + "/live.db", config: try LiveOrderTests.config(),
                                                 bars: 359, Self.quick)
        let thoughts = try r.ledger.thoughts(limit: 1_000).map(\.message)
        #expect(r.lines.contains { $0.contains("AddOrder np1-0-1-sl1 (stop_loss) has no definite answer") }, "\(r.lines)")
        #expect(thoughts.contains { $0.contains("np1-0-1-sl1 listed nowhere after its deadline: never traded, called rejected") })
        // Sent once, never at Kraken: once called rejected (a transient refusal), the stop went
        // out again under its next id.
        let orders = r.fake.orders
        #expect(!orders.contains { $0.clientOrderID == "np1-0-1-sl1" } && orders.contains { $0.clientOrderID == "np1-0-1-sl2" })
        #expect(r.fake.addOrderCalls == r.sent && Set(orders.map(\.clientOrderID)).count == orders.count)
        try LiveOrderTests.expectLedgerEqualsAccount(r.ledger, r.fake)
    }

    @Test func anOrderPlacedWhoseReplyWasLostIsFoundByItsClientID() async throws {
        let fake = try LiveOrderTests.fake { $0.account.loseAddOrderReplies = [1: .badGateway, 3: .hangUp] }
        defer { fake.stop() }
        let r = try await LiveOrderTests.session(fake, database: Fixtures.scratch("live-lost-reply") + "/live.db", config: try LiveOrderTests.config(),
                                                 bars: 200, Self.quick)
        #expect(r.lines.contains { $0.contains("has no definite answer (HTTP 502") }, "\(r.lines)")
        // Both orders traded at Kraken and are in the books, each sent once.
        let trades = try r.ledger.trades(limit: 1_000)
        #expect(trades.count >= 3 && r.fake.addOrderCalls == r.sent)
        #expect(Set(r.fake.orders.map(\.clientOrderID)).count == r.fake.orders.count)
        try LiveOrderTests.expectLedgerEqualsAccount(r.ledger, r.fake)
    }

    @Test func ordersOfNoSessionAreCancelledOrAdoptedAndOthersLeftAlone() async throws {
        for adopt in [false, true] {
            let fake = try LiveOrderTests.fake()
            defer { fake.stop() }
            let ours = fake.placeForeignOrder(["pair": "XBTUSD", "type": "buy", "ordertype": "limit", "price": "1000.0", "volume": "0.01",
                                               "cl_ord_id": "np9-0-1-en1"])
            let theirs = fake.placeForeignOrder(["pair": "XBTUSD", "type": "buy", "ordertype": "limit", "price": "1000.0", "volume": "0.01",
                                                 "cl_ord_id": "manual-1"])
            let r = try await LiveOrderTests.session(fake, database: Fixtures.scratch("live-foreign") + "/live.db", config: try LiveOrderTests.config(),
                                                     bars: 3) { s in s.adoptUnknown = adopt }
            let status = { (txid: String?) in r.fake.orders.first { $0.txid == txid }?.status }
            #expect(status(theirs) == "open")
            #expect(status(ours) == (adopt ? "open" : "canceled"))
            let said = r.lines.filter { $0.contains("np9-0-1-en1") }
            #expect(said.contains { $0.contains(adopt ? "left working, not managed" : "cancelled (live.unknown_orders: cancel)") }, "\(r.lines)")
            #expect(r.summary.reconciliations >= 1 && r.summary.reconciliationChanges >= 1)
        }
    }

    @Test func aFillWhileNoProcessRanIsFoundAtTheRestart() async throws {
        // Bars 200 ms apart: the fake's market must not run far ahead of a loaded session
        // (it fills resting orders on every bar it streams, seen or not).
        let fake = try LiveOrderTests.fake { $0.barIntervalMs = 200 }
        defer { fake.stop() }
        let db = Fixtures.scratch("live-restart") + "/live.db"
        let config = try LiveOrderTests.config()
        let first = try await LiveOrderTests.session(fake, database: db, config: config, bars: Self.barsToAnOpenPosition, Self.quick)
        let open = try first.ledger.trades(status: "open")
        try #require(open.count == 1, "\(first.lines)")
        let stop = try #require(fake.orders.last { $0.orderType == "stop-loss" && $0.status == "open" })
        // While nothing runs, the market wicks through the stop: it fills at Kraken.
        let through = NSDecimalNumber(decimal: stop.price).doubleValue - 50
        fake.play(Bar(timestampMs: 0, open: through + 60, high: through + 60, low: through, close: through + 10, volume: 1))
        #expect(fake.orders.first { $0.txid == stop.txid }?.status == "closed")
        let sent = fake.addOrderCalls
        let second = try await LiveOrderTests.session(fake, database: db, config: config, bars: 3, Self.quick)
        #expect(second.lines.contains { $0.contains("resumed from the journal") && $0.contains("1 open position") }, "\(second.lines)")
        // The stop was sent by the first process: looked up by its cl_ord_id (the private
        // channel's snapshot or the start's reconciliation, whichever speaks first), before
        // any decision.
        let thoughts = try second.ledger.thoughts(limit: 1_000).map(\.message)
        #expect(thoughts.contains { $0.contains("left working: looked up at Kraken by cl_ord_id \(stop.clientOrderID)") }, "\(thoughts)")
        let closed = try second.ledger.trades(limit: 100).first { $0.tradeID == open[0].tradeID }
        // Closed by the stop, at the print that went through it (Kraken's cost has 4 decimals).
        #expect(closed?.status == "closed" && closed?.notes == "stop_loss" && abs((closed?.exitPrice ?? 0) - through) < 0.01)
        // Nothing sent twice: the resumed orders were looked up, not placed again.
        #expect(Set(fake.orders.map(\.clientOrderID)).count == fake.orders.count && fake.addOrderCalls == sent + second.sent)
        try LiveOrderTests.expectLedgerEqualsAccount(second.ledger, fake)
    }

    /// Live bars until the widened day's first position is open (with its stop resting).
    static let barsToAnOpenPosition = 6

    /// The journal lost the last process's exchange answers (the entry's fill, its stop), and
    /// the stop filled while nothing ran. The rebuilt engine learns of the fill at the start and
    /// wants that stop again, under the same deterministic id: it is looked up first and found
    /// filled, so no second stop goes out and the position is booked closed.
    @Test func anOrderTheLastProcessSentIsNotSentAgainWhenTheJournalLostIt() async throws {
        let fake = try LiveOrderTests.fake { $0.barIntervalMs = 200 }
        defer { fake.stop() }
        let db = Fixtures.scratch("live-lost-journal") + "/live.db"
        let config = try LiveOrderTests.config()
        let first = try await LiveOrderTests.session(fake, database: db, config: config, bars: Self.barsToAnOpenPosition, Self.quick)
        try #require(try first.ledger.trades(status: "open").count == 1, "\(first.lines)")
        let stop = try #require(fake.orders.last { $0.orderType == "stop-loss" && $0.status == "open" })
        let queue = try DatabaseQueue(path: db)
        // A checkpoint is written after the rows it includes: with them lost, it is lost too.
        try await queue.write {
            try $0.execute(sql: "DELETE FROM live_journal WHERE kind = 'venue'")
            try $0.execute(sql: "DELETE FROM live_checkpoint")
        }
        try queue.close()
        let through = NSDecimalNumber(decimal: stop.price).doubleValue - 50
        fake.play(Bar(timestampMs: 0, open: through + 60, high: through + 60, low: through, close: through + 10, volume: 1))
        let second = try await LiveOrderTests.session(fake, database: db, config: config, bars: 3, Self.quick)
        #expect(second.lines.contains { $0.contains("\(stop.clientOrderID) (stop_loss) was already sent by the last process (\(stop.txid), closed)") },
                "\(second.lines)")
        #expect(fake.orders.filter { $0.clientOrderID == stop.clientOrderID }.count == 1)
        let trade = try second.ledger.trades(limit: 100).first
        #expect(trade?.status == "closed" && trade?.notes == "stop_loss")
        try LiveOrderTests.expectLedgerEqualsAccount(second.ledger, fake)
    }
}
