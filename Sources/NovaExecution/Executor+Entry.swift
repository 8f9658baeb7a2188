import NovaCore
import NovaVenue

extension Executor {
    /// What the engine decided for an entry, with its sizing done.
    public struct EntryOrder: Sendable, Codable {
        public var budget: Double
        public var stop: Double?
        public var target: Double?
        public var reason: String
        public var decisionPrice: Double
        public var votes: [String: Double]
        public var sizing: SizingTag?
        /// Buy opens a long, sell a short (on margin).
        public var side: Side
        public init(budget: Double, stop: Double?, target: Double?, reason: String, decisionPrice: Double,
                    votes: [String: Double], sizing: SizingTag?, side: Side = .buy) {
            self.side = side
            self.budget = budget; self.stop = stop; self.target = target; self.reason = reason
            self.decisionPrice = decisionPrice; self.votes = votes; self.sizing = sizing
        }
    }

    /// Sends an entry for slot i (flat): a limit at the decision price when chasing, else a
    /// market order, spending `budget` quote fee included (a long), or selling that much value
    /// borrowed on margin, in base units at the decision price (a short). Returns why not, or nil.
    public mutating func enter(_ i: Int, _ e: EntryOrder, atMs: Int64) -> String? {
        guard slots[i].state == .flat else { return "a position or order is already open for \(pairs[i])" }
        if e.side == .sell {
            guard let margin = profile.margin else { return "\(profile.exchange.rawValue) spot has no shorting" }
            let limit = margin.leverageLimit(pairs[i])
            guard limit >= config.shortLeverage else {
                return limit == 0 ? "\(pairs[i]) is not offered on margin at \(profile.exchange.rawValue)"
                    : "short leverage \(config.shortLeverage) is above \(pairs[i])'s limit \(limit)"
            }
        }
        let quantity: OrderQuantity = e.side == .buy ? .quoteIncludingFee(e.budget)
            : .base(profile.instrument(pairs[i]).floorUnits(e.budget / (e.decisionPrice * (1 + profile.takerFee))))
        slots[i].positionSeq += 1
        slots[i].legAttempts = [:]
        slots[i].pending = PendingEntry(side: e.side, quantity: quantity, stop: e.stop, target: e.target, reason: e.reason,
                                        decisionPrice: e.decisionPrice, decisionMs: atMs, votes: e.votes, sizing: e.sizing)
        slots[i].chase = EntryChase(attempts: config.entryChaseAttempts, budget: e.budget)
        let kind: OrderKind = slots[i].chase.isLimit ? .limit(price: e.decisionPrice) : .market
        let id = submit(i, side: e.side, kind: kind, quantity: quantity, purpose: .entry, leg: .entry, atMs: atMs)
        slots[i].state = .entering(id)
        return nil
    }

    /// At a close: a limit entry not yet filled is cancelled, to be re-priced at this close
    /// (or replaced by a market order after the last attempt) once the cancel is confirmed.
    /// One filled in part is taken as it is: the rest is cancelled.
    mutating func chaseEntry(_ i: Int, close: Double, atMs: Int64) {
        guard case .entering(let id) = slots[i].state, slots[i].chase.isChasing, slots[i].chase.replacement == nil else { return }
        if slots[i].buildingTrade != nil {
            completeEntry(i, atMs: atMs, partial: true)
            return
        }
        guard tracker[id]?.isLive == true else { return }
        _ = slots[i].chase.next(close: close, attempts: config.entryChaseAttempts, atMs: atMs)
        requestCancel(id, atMs: atMs)
    }

    /// The entry order ended without completing: replaced (the chase), taken as it is (part
    /// filled), or the entry failed.
    mutating func entryOrderEnded(_ i: Int, _ order: TrackedOrder, state: OrderState, reason: String, atMs: Int64) {
        if slots[i].buildingTrade != nil {
            slots[i].chase.replacement = nil
            completeEntry(i, atMs: atMs, partial: true)
            return
        }
        if let r = slots[i].chase.replacement, state == .cancelled, !finishing {
            let market = r.limitPrice == nil
            let id = submit(i, side: slots[i].pending.side, kind: r.limitPrice.map { .limit(price: $0) } ?? .market,
                            quantity: slots[i].pending.quantity, purpose: .entry, leg: .entry, atMs: r.atMs)
            slots[i].chase.replaced()
            if market {
                notes.append(note(i, r.atMs, "limit entry not filled after \(config.entryChaseAttempts) attempts: market order"))
            }
            slots[i].state = .entering(id)
            return
        }
        slots[i].state = .flat
        slots[i].chase = EntryChase()
        guard !finishing else { return }
        if state == .rejected {
            reports.append(.entryFailed(slot: i, message: "the venue rejected the order: \(reason)"))
        } else {
            notes.append(note(i, atMs, "entry order cancelled by the venue: \(reason)"))
            reports.append(.entryFailed(slot: i, message: "the venue cancelled the order: \(reason)"))
        }
    }

    /// An entry fill: the first opens the trade, later ones (partial fills) add to it at their
    /// prices. A fill that arrives after the entry was taken as it was (its cancel was on the
    /// way) still bought (or sold short) units: they join the position, and its stop is resized.
    /// A long pays for its units; a short pays only the fee (margin: the sale is not credited).
    mutating func applyEntryFill(_ i: Int, _ fill: Fill, order: TrackedOrder) {
        let paid = order.request.side == .buy ? fill.notional + fill.fee : fill.fee
        cash -= paid
        if config.bankroll == .isolated { slots[i].cash -= paid }
        switch slots[i].state {
        case .open(let t), .exiting(let t, _):
            addToEntry(t, fill)
            notes.append(note(i, fill.timestampMs, "entry fill after the entry was closed: \(fill.quantity) more units join the position"))
            if case .open = slots[i].state { resizeStop(i, trade: t, atMs: fill.timestampMs) }
            return
        case .flat:
            // The entry had ended (its cancel confirmed or refused) before this fill was heard of.
            slots[i].state = .entering(order.request.id)
        case .entering:
            break
        }
        if let t = slots[i].buildingTrade {
            addToEntry(t, fill)
        } else {
            openTrade(i, fill)
        }
        let orderDone = fill.completesOrder || tracker[order.request.id]?.isLive != true || tracker[order.request.id]?.state == .pendingCancel
        if orderDone { completeEntry(i, atMs: fill.timestampMs, partial: !fill.completesOrder) }
    }

    private mutating func addToEntry(_ t: Int, _ fill: Fill) {
        let q0 = trades[t].quantity
        trades[t].entryPrice = (trades[t].entryPrice * q0 + fill.price * fill.quantity) / (q0 + fill.quantity)
        trades[t].quantity = q0 + fill.quantity
        trades[t].entryFee += fill.fee
        trades[t].entryFills += 1
    }

    private mutating func openTrade(_ i: Int, _ fill: Fill) {
        let index = trades.count
        let p = slots[i].pending
        var trade = Trade(tradeID: Self.tradeID(index + 1), pair: pairs[i], side: p.side, strategy: strategyNames[i],
                          entryTimeMs: fill.timestampMs, entryPrice: fill.price, quantity: fill.quantity,
                          entryFee: fill.fee, stopLoss: p.stop, takeProfit: p.target, entryReason: p.reason)
        trade.exitReason = nil
        trade.entryDecisionPrice = p.decisionPrice.isNaN ? nil : p.decisionPrice
        trade.entryDecisionTimeMs = p.decisionMs
        trade.attribution = p.votes
        trade.stopState = p.stop.map { StopLossState(initialSL: $0) }
        trade.sizing = p.sizing
        trade.leverage = p.side == .sell ? config.shortLeverage : nil
        trade.entryFeeRate = fill.feeRate
        trade.entryOrderType = slots[i].chase.isLimit ? "limit" : "market"
        trade.entryChaseAttempts = slots[i].chase.recordedAttempts(configured: config.entryChaseAttempts)
        trades.append(trade)
        slots[i].buildingTrade = index
    }

    /// The entry is done (its order filled, or ended with part of it filled): the position is
    /// open and gets its protection.
    mutating func completeEntry(_ i: Int, atMs: Int64, partial: Bool) {
        guard let t = slots[i].buildingTrade else { return }
        slots[i].buildingTrade = nil
        if case .entering(let id) = slots[i].state {
            // The rest of a partly filled entry order is not wanted any more.
            requestCancel(id, atMs: atMs)
        }
        slots[i].chase.replacement = nil
        trades[t].entryPartialFill = partial
        slots[i].state = .open(trade: t)
        slots[i].exitFills = ExitFills()
        slots[i].highSinceCheck = -Double.infinity
        slots[i].lowSinceCheck = .infinity
        if !finishing { placeProtection(i, trade: t, atMs: atMs) }
    }

    /// `T-` and 12 hex digits, the seed's trade id format; sequential so runs are reproducible.
    public static func tradeID(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "T-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }
}
