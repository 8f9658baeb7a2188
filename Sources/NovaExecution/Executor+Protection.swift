import NovaCore
import NovaVenue

/// Protection of an open position: the exchange-native stop (the crash-proof backstop), the
/// take-profit or the smart-exit tiers, breakeven and trailing. Every protective order is
/// re-placed when it goes missing: a transient refusal at once (up to `exitRetries` times),
/// any other loss of the stop at the next close or position check.
extension Executor {
    /// The protective stop as this venue offers it: a stop-market where there is one (Kraken),
    /// else a stop-limit `stopLimitOffsetPct` beyond the trigger (Coinbase): below it for a
    /// long's sell stop, above it for a short's buy stop.
    func stopKind(_ trigger: Double, side: Side) -> OrderKind {
        profile.supportsStopMarket ? .stop(trigger: trigger)
            : .stopLimit(trigger: trigger, limit: trigger * (1 + side.sign * config.stopLimitOffsetPct))
    }

    mutating func placeProtection(_ i: Int, trade t: Int, atMs: Int64) {
        let qty = heldUnits(i, t)
        let group = t + 1
        let side = trades[t].side.opposite
        if let stop = trades[t].stopLoss {
            slots[i].stopOrder = submit(i, side: side, kind: stopKind(stop, side: side), quantity: .base(qty), purpose: .stopLoss, leg: .stop,
                                        atMs: atMs, oco: group)
        }
        guard let target = trades[t].takeProfit else { return }
        if config.takeProfitOnTouch {
            slots[i].touchTargets = touchTargets(trade: t, target: target, quantity: qty)
            return
        }
        if config.smartExitTiers.isEmpty {
            slots[i].targetOrder = submit(i, side: side, kind: .limit(price: target), quantity: .base(qty), purpose: .takeProfit, leg: .target,
                                          atMs: atMs, oco: group)
            return
        }
        // Smart exit: one limit per tier, in the stop's group (the stop cancels them) but not
        // cancelling anything themselves.
        let entry = trades[t].entryPrice
        for (k, tier) in config.smartExitTiers.enumerated() {
            let price = entry + tier.tpMultiple * (target - entry)
            let id = submit(i, side: side, kind: .limit(price: price), quantity: .base(qty * tier.fraction), purpose: .smartExit, leg: .tier,
                            atMs: atMs, oco: group, cancelsGroup: false)
            slots[i].tierOrders[id] = k + 1
        }
    }

    /// A resting order of the position ended without filling: a stop we cancelled to move it is
    /// replaced now; one the venue refused or dropped is sent again at once when the refusal is
    /// transient, else it waits for the next close (`manageStop`), so a position is never left
    /// unprotected for longer than a bar.
    mutating func protectiveOrderEnded(_ i: Int, _ order: TrackedOrder, rejectReason: VenueRejectReason?, atMs: Int64) {
        let id = order.request.id
        var wasStop = false, tier: Int?
        if slots[i].stopOrder == id { slots[i].stopOrder = nil; wasStop = true }
        if slots[i].targetOrder == id { slots[i].targetOrder = nil }
        if let k = slots[i].tierOrders.removeValue(forKey: id) { tier = k }
        defer { sendExitIfClear(i, atMs: atMs); sendTouchExitIfClear(i, atMs: atMs) }
        // A take-profit sent on touch is settled by `finishTouch`, never retried as a resting order.
        if slots[i].touchOrder == id { return }
        guard !finishing, case .open(let t) = slots[i].state else { return }
        if wasStop && slots[i].stopReplacementWanted {
            slots[i].stopReplacementWanted = false
            placeStop(i, trade: t, atMs: atMs)
            return
        }
        guard let r = rejectReason, order.purpose != .entry else { return }
        if r == .belowMinimum && wasStop {
            // The stop is for every unit held: they are below the minimum. (A take-profit tier
            // is a part of them: its refusal says nothing of the rest.)
            markDust(i, trade: t, atMs: atMs, refused: order.purpose)
            return
        }
        if wasStop, r == .invalidOrder || r == .unsupportedOrder {
            // The venue will not hold this stop: the position would go on unprotected.
            notes.append(note(i, atMs, "stop refused as invalid (\(r.rawValue)): no protection, so the position exits at market now"))
            exit(i, purpose: .stopLoss, atMs: atMs)
            return
        }
        let attempt = (protectiveAttempts[id] ?? 0) + 1
        guard r.isTransient && attempt <= config.exitRetries else { return }
        notes.append(note(i, atMs, "\(order.purpose.rawValue) retry \(attempt) of \(config.exitRetries)"))
        let q = order.request
        let leg: ClientOrderID.Leg = q.purpose == .stopLoss ? .stop : (q.purpose == .takeProfit ? .target : .tier)
        // The stop is re-placed at its current level for the units held now.
        let kind = q.purpose == .stopLoss ? stopKind(trades[t].stopLoss ?? q.kind.trigger ?? 0, side: q.side) : q.kind
        let quantity: OrderQuantity = q.purpose == .stopLoss ? .base(heldUnits(i, t)) : q.quantity
        let newID = submit(i, side: q.side, kind: kind, quantity: quantity, purpose: q.purpose, leg: leg, atMs: atMs,
                           oco: q.ocoGroup, cancelsGroup: q.cancelsGroupOnFill)
        protectiveAttempts[newID] = attempt
        if wasStop { slots[i].stopOrder = newID }
        else if let tier { slots[i].tierOrders[newID] = tier }
        else { slots[i].targetOrder = newID }
    }

    /// After a close (or a position check), move the stop when the price earned it (up for a
    /// long on the high, down for a short on the low), by replacing the stop order on the
    /// venue; a stop the venue refused or lost is placed again here.
    mutating func manageStop(_ i: Int, high: Double, low: Double, last: Double, atMs: Int64) {
        guard case .open(let t) = slots[i].state, let state = trades[t].stopState, slots[i].dustTrade != t else { return }
        let side = trades[t].side
        let updated = side == .buy ? stopPolicy.update(state, entry: trades[t].entryPrice, high: high, last: last)
            : stopPolicy.updateShort(state, entry: trades[t].entryPrice, low: low, last: last)
        let moved = side.sign * (updated.currentSL - state.currentSL) > 0
        trades[t].stopState = updated
        if moved { trades[t].stopLoss = updated.currentSL }
        let missing = slots[i].stopOrder == nil
        guard moved || missing else { return }
        if missing {
            notes.append(note(i, atMs, "position without a stop: placing it again"))
        }
        replaceStop(i, trade: t, atMs: atMs)
    }

    /// Moves trade t's stop to its current level for the units held: the old stop is cancelled
    /// and the new one goes out when the venue confirms (at once, when there is none).
    mutating func replaceStop(_ i: Int, trade t: Int, atMs: Int64) {
        if let id = slots[i].stopOrder, tracker[id]?.isLive == true {
            slots[i].stopReplacementWanted = true
            requestCancel(id, atMs: atMs)
            return
        }
        placeStop(i, trade: t, atMs: atMs)
    }

    mutating func placeStop(_ i: Int, trade t: Int, atMs: Int64) {
        guard let trigger = trades[t].stopLoss else { return }
        let side = trades[t].side.opposite
        slots[i].stopOrder = submit(i, side: side, kind: stopKind(trigger, side: side), quantity: .base(heldUnits(i, t)), purpose: .stopLoss, leg: .stop,
                                    atMs: atMs, oco: t + 1)
    }

    /// After a partial exit (or a late entry fill), the stop is replaced by one for the units
    /// held now.
    mutating func resizeStop(_ i: Int, trade t: Int, atMs: Int64) {
        guard slots[i].stopOrder != nil, trades[t].stopLoss != nil else { return }
        replaceStop(i, trade: t, atMs: atMs)
    }

    // MARK: Closes and ticks

    /// A bar of slot i closed at `bar.close`: its stop is managed on the bar's range and an
    /// unfilled limit entry is chased. Returns the position as the strategy then sees it (one
    /// mutating call per bar: a non-mutating call on the executor would copy it first).
    public mutating func barClosed(_ i: Int, _ bar: Bar, atMs: Int64) -> PositionState {
        slots[i].lastClose = bar.close
        slots[i].lastTimestampMs = bar.timestampMs
        if slots[i].state != .flat {
            let (high, low) = (max(bar.high, slots[i].highSinceCheck), min(bar.low, slots[i].lowSinceCheck))
            if !checkTouch(i, high: high, low: low, atMs: atMs) { manageStop(i, high: high, low: low, last: bar.close, atMs: atMs) }
            slots[i].highSinceCheck = -Double.infinity
            slots[i].lowSinceCheck = .infinity
            chaseEntry(i, close: bar.close, atMs: atMs)
        }
        return position(i)
    }

    /// A price between closes (a trade or the book's mid). Returns true when it moved more than
    /// `eventPriceMovePct` from the last checked price: the engine then checks the position now
    /// (the seed's event-driven scan) instead of waiting for the next timer.
    public mutating func priceUpdate(_ i: Int, price: Double) -> Bool {
        let ref = slots[i].lastPrice.isNaN ? slots[i].lastClose : slots[i].lastPrice
        slots[i].highSinceCheck = max(slots[i].highSinceCheck, price)
        slots[i].lowSinceCheck = min(slots[i].lowSinceCheck, price)
        slots[i].lastPrice = price
        pricesSinceCheck = true
        guard !ref.isNaN, ref > 0 else { return false }
        return abs(price / ref - 1) >= config.eventPriceMovePct
    }

    /// The position check (timer or event scan): trailing and breakeven against the prices seen
    /// since the last check. Nothing to do without new prices.
    public mutating func checkPosition(_ i: Int, atMs: Int64) {
        guard slots[i].highSinceCheck > -Double.infinity, !slots[i].lastPrice.isNaN else { return }
        if !checkTouch(i, high: slots[i].highSinceCheck, low: slots[i].lowSinceCheck, atMs: atMs) {
            manageStop(i, high: slots[i].highSinceCheck, low: slots[i].lowSinceCheck, last: slots[i].lastPrice, atMs: atMs)
        }
        slots[i].highSinceCheck = -Double.infinity
        slots[i].lowSinceCheck = .infinity
    }

    /// The timer's position check of every slot.
    public mutating func checkPositions(atMs: Int64) {
        pricesSinceCheck = false
        for i in slots.indices { checkPosition(i, atMs: atMs) }
    }

    /// The venue refused an order for trade t's units as below its minimum: they cannot be
    /// protected or sold on it (dust). Said once; no stop or exit goes out for them again (the
    /// units stay in the books, marked at each close, as the exchange would keep them).
    mutating func markDust(_ i: Int, trade t: Int, atMs: Int64, refused purpose: OrderPurpose) {
        guard slots[i].dustTrade != t else { return }
        slots[i].dustTrade = t
        notes.append(note(i, atMs, "\(purpose.rawValue) refused: the \(heldUnits(i, t)) units held are below the venue's minimum order; "
                                + "no stop or exit is sent for them again"))
    }
}
