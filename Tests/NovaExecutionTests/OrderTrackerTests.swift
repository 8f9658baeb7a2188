import Testing
import NovaCore
import NovaExecution
import NovaVenue

/// The order state machine, event by event.
@Suite struct OrderTrackerTests {
    let pair = Pair(base: "BTC", quote: "USD")

    func request(_ id: OrderID, _ units: Double = 2, cid: String = "") -> OrderRequest {
        OrderRequest(id: id, pair: pair, side: .buy, kind: .limit(price: 100), quantity: .base(units), purpose: .entry, createdAtMs: 0,
                     clientOrderID: cid)
    }

    func fill(_ id: OrderID, _ q: Double, leaves: Double, price: Double = 100) -> VenueEvent {
        .filled(Fill(orderID: id, pair: pair, side: .buy, price: price, quantity: q, fee: 0.1 * q, feeRate: 0.001, isMaker: true,
                     timestampMs: 1, leavesQuantity: leaves))
    }

    @Test func lifeOfAnOrder() {
        var t = OrderTracker()
        t.track(request(1), slot: 0)
        #expect(t[1]?.state == .pendingNew && t[1]?.isLive == true)
        _ = t.apply(.accepted(1, atMs: 0))
        #expect(t[1]?.state == .working)
        _ = t.apply(fill(1, 0.5, leaves: 1.5))
        #expect(t[1]?.state == .partiallyFilled && t[1]?.filledQuantity == 0.5)
        let first = t.requestCancel(1), second = t.requestCancel(1)
        #expect(first && !second)                // already pending: no second cancel goes out
        #expect(t[1]?.state == .pendingCancel)
        // A fill on the way while the cancel is pending is applied, and the order stays.
        guard case .fill(let f)? = t.apply(fill(1, 0.5, leaves: 1))?.1 else { Issue.record("no fill"); return }
        #expect(f.quantity == 0.5 && t[1]?.state == .pendingCancel && t[1]?.filledQuantity == 1)
        _ = t.apply(.cancelled(1, reason: "cancelled by the engine", atMs: 2))
        #expect(t[1]?.state == .cancelled && t[1]?.isLive == false && t.live.isEmpty)
        // A terminal order stays terminal: a second cancel is not sent, a repeated answer is no news.
        let third = t.requestCancel(1)
        #expect(!third)
        let again = t.apply(.cancelled(1, reason: "again", atMs: 3))?.1
        #expect(again == OrderTracker.Transition.none)
    }

    @Test func aLostAckIsTakenFromTheFill() {
        var t = OrderTracker()
        t.track(request(1), slot: 0)
        _ = t.apply(fill(1, 2, leaves: 0))
        #expect(t[1]?.state == .filled)
    }

    @Test func aCancelThatCameTooLateLeavesTheOrderToItsFills() {
        var t = OrderTracker()
        t.track(request(1), slot: 0)
        _ = t.apply(.accepted(1, atMs: 0))
        _ = t.requestCancel(1)
        _ = t.apply(.cancelRejected(1, reason: "EOrder:Unknown order", atMs: 1))
        #expect(t[1]?.state == .working && t[1]?.isLive == true)
        _ = t.apply(fill(1, 2, leaves: 0))
        #expect(t[1]?.state == .filled)
    }

    /// A submit with no answer is in flight, not rejected; a status report settles it, and the
    /// fills the books missed come from the cumulative figures.
    @Test func anUnknownOutcomeWaitsForTheVenue() {
        var t = OrderTracker()
        t.track(request(7, 3, cid: "np-0-1-en1"), slot: 2)
        t.markOutcomeUnknown(7)
        #expect(t[7]?.state == .pendingNew && t[7]?.outcomeUnknown == true && t.id(forClientID: "np-0-1-en1") == 7)
        _ = t.apply(fill(7, 1, leaves: 2, price: 100))
        // The venue reports 2.5 filled at an average of 101 with 0.30 of fees: 1.5 more at 101.6667.
        let r = OrderStatusReport(orderID: 7, state: .cancelled, filledQuantity: 2.5, averagePrice: 101, totalFee: 0.3, atMs: 9)
        guard let (o, transition) = t.apply(.orderStatus(r)), case .fill(let missed) = transition else { Issue.record("no derived fill"); return }
        #expect(abs(missed.quantity - 1.5) < 1e-12 && abs(missed.price - (252.5 - 100) / 1.5) < 1e-9 && abs(missed.fee - 0.2) < 1e-12)
        #expect(abs(missed.leavesQuantity - 0.5) < 1e-12 && o.slot == 2)
        #expect(t[7]?.state == .partiallyFilled && t[7]?.outcomeUnknown == false && abs(t[7]!.filledQuantity - 2.5) < 1e-12)
        // The same report again has no fill left to derive: it ends the order, with its 2.5 filled.
        let ended = t.apply(.orderStatus(r))?.1
        #expect(ended == .ended(state: .cancelled, reason: "status report: cancelled", rejectReason: nil))
        #expect(t[7]?.state == .cancelled && abs(t[7]!.filledQuantity - 2.5) < 1e-12)
        // A report that matches the books changes nothing.
        let repeated = t.apply(.orderStatus(r))?.1
        #expect(repeated == OrderTracker.Transition.none)
    }

    @Test func aRejectEndsTheOrderWithItsReason() {
        var t = OrderTracker()
        t.track(request(1), slot: 0)
        let r = t.apply(.rejected(1, reason: .rateLimited, message: "EOrder:Rate limit exceeded", atMs: 0))
        #expect(r?.1 == .ended(state: .rejected, reason: "EOrder:Rate limit exceeded", rejectReason: .rateLimited))
        #expect(VenueRejectReason.rateLimited.family == .rateLimit && VenueRejectReason.rateLimited.isTransient)
        #expect(VenueRejectReason.authentication.family == .authentication && !VenueRejectReason.authentication.isTransient)
        #expect(VenueRejectReason.insufficientFunds.family == .insufficientFunds && VenueRejectReason.postOnlyWouldCross.family == .invalidOrder)
    }
}

@Suite struct ExecutionPolicyTests {
    /// Entry 100, stop 95 (R = 5): a high of 105 moves the stop to 100 (breakeven); 107.5 starts
    /// trailing 1.5% below the high (105.8875); a stop never reaches the last price.
    @Test func stopPolicyByHand() {
        let p = StopPolicy(breakevenAtR: 1, trailingAtR: 1.5, trailingDistancePct: 0.015)
        var s = StopLossState(initialSL: 95)
        s = p.update(s, entry: 100, high: 104.9, last: 104)
        #expect(s.currentSL == 95 && !s.breakevenActivated)
        s = p.update(s, entry: 100, high: 105, last: 104)
        #expect(s.currentSL == 100 && s.breakevenActivated && !s.trailingActivated)
        s = p.update(s, entry: 100, high: 107.5, last: 107)
        #expect(abs(s.currentSL - 105.8875) < 1e-9 && s.trailingActivated && s.trailingHigh == 107.5)
        let lower = p.update(s, entry: 100, high: 106, last: 105)
        #expect(lower.currentSL == s.currentSL)                   // stops only move up
        let gapped = p.update(StopLossState(initialSL: 95), entry: 100, high: 120, last: 100)
        #expect(gapped.currentSL < 100)                            // never at or above the last price
    }

    @Test func entryChaseTwoLimitsThenMarket() {
        var c = EntryChase(attempts: 2, budget: 500)
        #expect(c.isChasing && c.attempt == 1)
        #expect(c.next(close: 101, attempts: 2, atMs: 60).limitPrice == 101)
        c.replaced()
        #expect(c.attempt == 2 && c.isLimit)
        #expect(c.next(close: 102, attempts: 2, atMs: 120).limitPrice == nil)
        c.replaced()
        #expect(!c.isLimit && c.recordedAttempts(configured: 2) == 2)
        #expect(EntryChase(attempts: 0, budget: 1).recordedAttempts(configured: 0) == 0)
    }

    @Test func exitRetriesAreTyped() {
        var r = ExitRetry()
        let answers = [r.shouldRetry(.rateLimited, limit: 2), r.shouldRetry(.unavailable, limit: 2), r.shouldRetry(.rateLimited, limit: 2)]
        #expect(answers == [true, true, false])
        var p = ExitRetry()
        let permanent = [p.shouldRetry(.insufficientFunds, limit: 3), p.shouldRetry(.authentication, limit: 3)]
        #expect(permanent == [false, false] && p.count == 0)
    }

    @Test func clientOrderIDsAreDerivedNotRandom() {
        #expect(ClientOrderID.make(tag: "np", slot: 0, position: 12, leg: .stop, attempt: 2) == "np-0-12-sl2")
        #expect(ClientOrderID.make(tag: "bt7", slot: 1, position: 1, leg: .entry, attempt: 1) == "bt7-1-1-en1")
    }
}
