import Foundation
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaKraken
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// The faults real accounts meet (exchange-crib.md §7), each against the fake Kraken's account
/// with the real adapter and runtime: afterwards every order went once and the ledger equals
/// the account.
@Suite struct LiveFaultTests {
    static func run(bars: Int = 200, _ configure: (inout FakeKraken.Script) -> Void) async throws -> LivePaperTests.Run {
        let fake = try LiveOrderTests.fake(configure)
        defer { fake.stop() }
        return try await LiveOrderTests.session(fake, database: Fixtures.scratch("live-fault") + "/live.db", config: try LiveOrderTests.config(),
                                                bars: bars, LiveReconcileTests.quick)
    }

    static func expectEachOrderOnce(_ r: LivePaperTests.Run) {
        let orders = r.fake.orders
        #expect(Set(orders.map(\.clientOrderID)).count == orders.count, "\(orders.map(\.clientOrderID))")
    }

    @Test func anOrderRateLimitBacksOffAndTheStopGoesOutAgain() async throws {
        // The second AddOrder (the first position's stop) meets the trading engine's counter.
        let r = try await Self.run { $0.account.orderRateLimitAddOrders = [2] }
        #expect(r.lines.contains { $0.contains("np1-0-1-sl1 (stop_loss) rejected by Kraken: EOrder:Rate limit exceeded") }, "\(r.lines)")
        #expect(r.fake.orders.contains { $0.clientOrderID == "np1-0-1-sl2" })
        Self.expectEachOrderOnce(r)
        try LiveOrderTests.expectLedgerEqualsAccount(r.ledger, r.fake)
    }

    @Test func aNonceRefusedOnceIsResynchronisedAndTwiceStopsEntries() async throws {
        let once = try await Self.run { $0.account.invalidNonceAddOrders = [1] }
        // Resynchronised and sent once more: the entry is at Kraken, once.
        #expect(once.fake.orders.first?.clientOrderID == "np1-0-1-en1" && once.fake.addOrderCalls == once.sent + 1)
        try LiveOrderTests.expectLedgerEqualsAccount(once.ledger, once.fake)
        let twice = try await Self.run { $0.account.invalidNonceAddOrders = [1, 2] }
        #expect(twice.lines.contains { $0.contains("another process may be using this API key") }, "\(twice.lines)")
        #expect(twice.fake.orders.isEmpty && twice.summary.tradesOpened == 0)
        #expect(twice.lines.contains { $0.contains("refused: Kraken refused our nonce again") })
    }

    @Test func insufficientFundsIsNotRetried() async throws {
        let r = try await Self.run { $0.account.balances = ["ZUSD": 1_000, "XXBT": 0] }
        #expect(r.lines.contains { $0.contains("np1-0-1-en1 (entry) rejected by Kraken: EOrder:Insufficient funds") }, "\(r.lines)")
        #expect(r.fake.orders.isEmpty && r.fake.addOrderCalls == r.sent && !r.lines.contains { $0.contains("-en2") })
    }

    @Test func partialFillsFromAThinBookAreBookedFillByFill() async throws {
        let r = try await Self.run { $0.account.levelQty = Decimal(string: "0.01")! }
        let entries = r.fake.orders.filter { $0.clientOrderID.hasSuffix("-en1") && $0.status == "closed" }
        #expect(!entries.isEmpty && entries.allSatisfy { $0.tradeIDs.count >= 3 })
        Self.expectEachOrderOnce(r)
        try LiveOrderTests.expectLedgerEqualsAccount(r.ledger, r.fake)
    }

    @Test func aCancelThatMeetsAFillLeavesTheFillBooked() async throws {
        let r = try await Self.run { $0.account.fillOnCancel = [1] }
        #expect(r.fake.cancelOrderCalls >= 1)
        // The order whose cancel came too late filled in full, and the books have that fill.
        let txid = try #require(r.fake.racedCancels.first)
        let raced = try #require(r.fake.orders.first { $0.txid == txid })
        #expect(raced.status == "closed" && raced.executed == raced.volume)
        Self.expectEachOrderOnce(r)
        try LiveOrderTests.expectLedgerEqualsAccount(r.ledger, r.fake)
    }

    @Test func aDroppedPrivateConnectionReconnectsWithANewTokenAndReconciles() async throws {
        let r = try await Self.run { $0.account.dropPrivateAfterMessages = 6 }
        #expect(r.fake.privateConnectionCount >= 2)
        #expect(r.lines.contains { $0.contains("Kraken private WebSocket closed: reconnecting") })
        let thoughts = try r.ledger.thoughts(limit: 1_000).map(\.message)
        #expect(thoughts.contains { $0.contains("reconciliation (reconnect)") }, "\(thoughts.filter { $0.contains("reconcil") })")
        Self.expectEachOrderOnce(r)
        try LiveOrderTests.expectLedgerEqualsAccount(r.ledger, r.fake)
    }

    @Test func aCancelThatFailsOnTheWayIsSentAgain() async throws {
        // The REST client tries a cancel three times; all three fail, so the adapter tries again.
        let r = try await Self.run { $0.account.failCancelOrders = [1: "EService:Unavailable", 2: "EService:Busy", 3: "EService:Unavailable"] }
        #expect(r.lines.contains { $0.contains("failed (EService:Unavailable): trying again in 500 ms") }, "\(r.lines)")
        // The fourth try went through: nothing waits on a cancel that never came.
        #expect(r.fake.cancelOrderCalls >= 4 && !r.lines.contains { $0.hasPrefix("CancelOrder np") && $0.hasSuffix("failed: EService:Unavailable") })
        Self.expectEachOrderOnce(r)
        try LiveOrderTests.expectLedgerEqualsAccount(r.ledger, r.fake)
    }

}
