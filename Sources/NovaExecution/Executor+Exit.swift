import NovaCore
import NovaVenue

extension Executor {
    /// Closes slot i's position at market (sells a long, buys a short back). Its resting orders (stop, target, tiers) are
    /// cancelled first and the exit goes out once the venue has confirmed that they are gone
    /// (their units are reserved until then). Returns why not, or nil.
    @discardableResult
    public mutating func exit(_ i: Int, purpose: OrderPurpose, atMs: Int64) -> String? {
        guard case .open(let t) = slots[i].state else { return "no open position in \(pairs[i])" }
        if slots[i].dustTrade == t && purpose != .endOfData { return "the units held are below the venue's minimum order" }
        slots[i].exitDecisionPrice = slots[i].lastClose
        slots[i].exitDecisionMs = atMs
        slots[i].exit = ExitRetry()
        slots[i].exitPurpose = purpose
        trades[t].exitReason = purpose.rawValue
        cancelProtection(i, atMs: atMs)
        slots[i].state = .exiting(trade: t, nil)
        sendExitIfClear(i, atMs: atMs)
        return nil
    }

    /// The exit order goes out once none of the position's resting orders is live.
    mutating func sendExitIfClear(_ i: Int, atMs: Int64) {
        guard case .exiting(let t, nil) = slots[i].state, !hasLiveProtection(i) else { return }
        let units = heldUnits(i, t)
        let leg: ClientOrderID.Leg = slots[i].exitPurpose == .endOfData ? .endOfData : .exit
        let id = submit(i, side: trades[t].side.opposite, kind: .market, quantity: .base(units), purpose: slots[i].exitPurpose, leg: leg, atMs: atMs)
        slots[i].state = .exiting(trade: t, id)
    }

    func hasLiveProtection(_ i: Int) -> Bool {
        let s = slots[i]
        if let id = s.stopOrder, tracker[id]?.isLive == true { return true }
        if let id = s.targetOrder, tracker[id]?.isLive == true { return true }
        return s.tierOrders.keys.contains { tracker[$0]?.isLive == true }
    }

    mutating func cancelProtection(_ i: Int, atMs: Int64) {
        slots[i].stopReplacementWanted = false
        for id in [slots[i].stopOrder, slots[i].targetOrder].compactMap({ $0 }) + slots[i].tierOrders.keys.sorted() {
            requestCancel(id, atMs: atMs)
        }
    }

    /// The exit order ended unfilled (or part filled): a transient refusal is retried at once,
    /// up to `exitRetries` times; otherwise the position stays open, with nothing resting
    /// until the next close re-places its stop.
    mutating func exitOrderEnded(_ i: Int, trade t: Int, _ order: TrackedOrder, rejectReason: VenueRejectReason?, reason: String, atMs: Int64) {
        if let r = rejectReason {
            if r == .belowMinimum { markDust(i, trade: t, atMs: atMs, refused: order.purpose) }
            if !finishing && slots[i].exit.shouldRetry(r, limit: config.exitRetries) {
                notes.append(note(i, atMs, "exit retry \(slots[i].exit.count) of \(config.exitRetries) after \(r.rawValue)"))
                slots[i].state = .exiting(trade: t, nil)
                sendExitIfClear(i, atMs: atMs)
                return
            }
            let why = r.isTransient ? "retries exhausted" : "permanent error"
            notes.append(note(i, atMs, "exit gave up (\(why): \(r.rawValue.replacingOccurrences(of: "_", with: " "))): position left open"))
            reports.append(.exitFailed(slot: i, message: "exit gave up (\(why)): \(reason)"))
        } else {
            notes.append(note(i, atMs, "exit order cancelled by the venue: \(reason)"))
            reports.append(.exitFailed(slot: i, message: "exit order cancelled by the venue: \(reason)"))
        }
        slots[i].state = .open(trade: t)
        trades[t].exitReason = nil
        slots[i].exit = ExitRetry()
    }

    /// An exit fill: a smart-exit tier, or (part of) the position's final exit. A long's sale
    /// is credited; a short's buy-back settles its P&L against the entry price.
    mutating func applyExitFill(_ i: Int, _ fill: Fill, order: TrackedOrder) {
        let t: Int
        switch slots[i].state {
        case .open(let x), .exiting(let x, _): t = x
        default:
            // Units traded all the same: the money counts, at the side's terms.
            let received = order.request.leverage == nil ? fill.side.sign * -fill.notional - fill.fee : -fill.fee
            cash += received
            if config.bankroll == .isolated { slots[i].cash += received }
            notes.append(note(i, fill.timestampMs, "\(fill.side.rawValue) fill of \(fill.quantity) for order \(fill.orderID) after the position closed"))
            return
        }
        let received = trades[t].side == .buy ? fill.notional - fill.fee : (trades[t].entryPrice - fill.price) * fill.quantity - fill.fee
        cash += received
        if config.bankroll == .isolated { slots[i].cash += received }
        let purpose = order.purpose
        let lot = 0.5 * profile.instrument(pairs[i]).lotStep
        if purpose == .smartExit, let tier = slots[i].tierOrders[fill.orderID] {
            if fill.completesOrder { slots[i].tierOrders[fill.orderID] = nil }
            trades[t].partialExits.append(PartialExit(tier: tier, quantity: fill.quantity, price: fill.price, fee: fill.fee,
                                                      timeMs: fill.timestampMs))
            if heldUnits(i, t) > lot {
                if fill.completesOrder, case .open = slots[i].state { resizeStop(i, trade: t, atMs: fill.timestampMs) }
                return
            }
            // Every unit sold by the tiers: the last tier fill closes the trade.
            trades[t].partialExits.removeLast()
        }
        slots[i].exitFills.units += fill.quantity
        slots[i].exitFills.notional += fill.notional
        slots[i].exitFills.fees += fill.fee
        slots[i].exitFills.count += 1
        if heldUnits(i, t) > lot {
            // Units still held: this exit goes on (a partial fill) or another order sells the rest.
            if fill.completesOrder, case .exiting(_, let e) = slots[i].state, e == fill.orderID {
                slots[i].state = .open(trade: t)
            }
            return
        }
        closeTrade(i, trade: t, fill, purpose: order.purpose, trigger: order.request.kind.trigger)
    }

    /// The last units are sold (or bought back): the trade closes, whatever still rests for it
    /// is cancelled (not after a liquidation: the venue has cancelled them itself).
    mutating func closeTrade(_ i: Int, trade t: Int, _ fill: Fill, purpose: OrderPurpose, trigger: Double?, cancelLeftovers: Bool = true) {
        let x = slots[i].exitFills
        trades[t].exitTimeMs = fill.timestampMs
        trades[t].exitPrice = x.notional / x.units
        trades[t].exitFee = x.fees
        trades[t].exitFeeRate = fill.feeRate
        trades[t].exitFills = x.count
        trades[t].exitReason = purpose.rawValue
        // The stop that filled names the exit: a stop still at its first level is a stop-loss
        // even if breakeven or trailing had asked for a better one (its replacement was on the way).
        let sign = trades[t].side.sign
        if purpose == .stopLoss, let state = trades[t].stopState, let trigger, sign * (trigger - state.initialSL) > 1e-12 * state.initialSL {
            if state.trailingActivated { trades[t].exitReason = "trailing_stop" }
            else if state.breakevenActivated { trades[t].exitReason = "breakeven" }
        }
        switch purpose {
        case .stopLoss: trades[t].exitDecisionPrice = trigger ?? trades[t].stopLoss
        case .takeProfit: trades[t].exitDecisionPrice = trades[t].takeProfit
        case .smartExit: trades[t].exitDecisionPrice = fill.price
        default: trades[t].exitDecisionPrice = slots[i].exitDecisionPrice
        }
        // Resting orders trigger at the exchange: decided when the market reached them.
        trades[t].exitDecisionTimeMs = (purpose == .exitSignal || purpose == .endOfData || purpose == .operatorClose) ? slots[i].exitDecisionMs : fill.timestampMs
        var leftovers = [slots[i].stopOrder, slots[i].targetOrder].compactMap { $0 } + slots[i].tierOrders.keys.sorted()
        if case .exiting(_, let e?) = slots[i].state { leftovers.append(e) }
        if cancelLeftovers { for id in leftovers where id != fill.orderID { requestCancel(id, atMs: fill.timestampMs) } }
        slots[i].tierOrders = [:]
        slots[i].stopOrder = nil
        slots[i].targetOrder = nil
        slots[i].stopReplacementWanted = false
        slots[i].exitFills = ExitFills()
        slots[i].touchTargets = []
        slots[i].touchExit = nil
        slots[i].touchOrder = nil
        slots[i].state = .flat
        reports.append(.tradeClosed(slot: i, trade: t))
    }

    /// Ends the run: positions part-entered count as open, exits under way are called off,
    /// every live order is cancelled (an order decided on the last bar is not filled) and, if
    /// `closeAtEnd`, open positions are sold at market (the replay settles them at the last
    /// close).
    public mutating func finish(closeAtEnd: Bool) {
        finishing = true
        for i in slots.indices {
            switch slots[i].state {
            case .entering:
                if let t = slots[i].buildingTrade {
                    slots[i].buildingTrade = nil
                    trades[t].entryPartialFill = true
                    slots[i].state = .open(trade: t)
                }
            case .exiting(let t, _):
                slots[i].state = .open(trade: t)
                trades[t].exitReason = nil
            default: break
            }
        }
        for o in tracker.live {
            let i = o.slot
            requestCancel(o.request.id, atMs: slots[i].lastTimestampMs)
            if o.purpose == .entry || o.purpose == .exitSignal || o.purpose == .operatorClose {
                notes.append(note(i, slots[i].lastTimestampMs, "\(o.purpose.rawValue) order decided on the last bar was not filled: the data ends"))
            }
        }
        slots.indices.forEach { slots[$0].stopOrder = nil; slots[$0].targetOrder = nil; slots[$0].tierOrders = [:] }
        guard closeAtEnd else { return }
        for i in slots.indices {
            guard case .open(let t) = slots[i].state else { continue }
            slots[i].exitDecisionPrice = slots[i].lastClose
            slots[i].exitDecisionMs = slots[i].lastTimestampMs
            slots[i].exitPurpose = .endOfData
            trades[t].exitReason = OrderPurpose.endOfData.rawValue
            slots[i].state = .exiting(trade: t, nil)
            sendExitIfClear(i, atMs: slots[i].lastTimestampMs)
        }
    }
}
