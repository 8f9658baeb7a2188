import NovaCore
import NovaVenue

/// The venue's own actions on a margin short: its fee lines (opening fee, 4-hourly rollover)
/// and a forced liquidation. Neither answers an order of ours, so neither goes through the
/// order tracker; both are money, and are booked to the short they belong to.
extension Executor {
    /// The slot holding a short in `pair` (the first one, should two instances short one pair).
    func shortSlot(_ pair: Pair) -> (slot: Int, trade: Int)? {
        for i in slots.indices where pairs[i] == pair && slots[i].pending.side == .sell {
            if let t = currentTrade(i) { return (i, t) }
        }
        return nil
    }

    mutating func applyMarginCharge(pair: Pair, amount: Double, kind: MarginChargeKind, atMs: Int64) {
        cash -= amount
        guard let (i, t) = shortSlot(pair) else {
            notes.append(EngineNote(timestampMs: atMs, pair: pair.description,
                                    message: "margin \(kind.rawValue) fee \(amount) with no short of this run open: charged to the account"))
            return
        }
        if config.bankroll == .isolated { slots[i].cash -= amount }
        trades[t].marginFees += amount
    }

    /// The venue bought the short back itself: the trade closes at the liquidation price, its
    /// resting orders are gone at the venue (their cancellations follow as events).
    mutating func applyLiquidation(_ fill: Fill) {
        guard let (i, t) = shortSlot(fill.pair) else {
            cash += -fill.fee
            notes.append(EngineNote(timestampMs: fill.timestampMs, pair: fill.pair.description,
                                    message: "liquidation of \(fill.quantity) with no short of this run open"))
            return
        }
        let units = heldUnits(i, t)
        let received = (trades[t].entryPrice - fill.price) * units - fill.fee
        cash += received
        if config.bankroll == .isolated { slots[i].cash += received }
        slots[i].exitFills.units += units
        slots[i].exitFills.notional += fill.price * units
        slots[i].exitFills.fees += fill.fee
        slots[i].exitFills.count += 1
        slots[i].buildingTrade = nil
        notes.append(note(i, fill.timestampMs, "short liquidated by the venue at \(fill.price): the margin level reached the liquidation level"))
        closeTrade(i, trade: t, fill, purpose: .liquidation, trigger: nil, cancelLeftovers: false)
    }
}
