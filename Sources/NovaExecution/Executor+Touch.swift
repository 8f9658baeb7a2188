import NovaCore
import NovaVenue

/// A take-profit (or smart-exit tier) the engine keeps instead of resting it at the venue
/// (`EngineConfig.takeProfitOnTouch`).
struct TouchTarget: Equatable, Codable {
    var price: Double
    /// Units to sell; nil: everything held (the single take-profit).
    var units: Double?
    var purpose: OrderPurpose
    var leg: ClientOrderID.Leg
    var tier: Int?
}

/// Take-profits on touch. On spot the exchange holds the units a resting sell would sell, so
/// the crash-proof stop and a resting take-profit cannot both rest (Kraken refuses the second
/// with `EOrder:Insufficient funds`). The stop rests; the targets are watched here: when the
/// price reaches one, the stop is cancelled, and once the venue confirms, an
/// immediate-or-cancel limit at the target goes out (never worse than the target). What it
/// does not sell keeps its stop, placed again at once for the units held; a target the price
/// left before the limit arrived is watched again.
extension Executor {
    func touchTargets(trade t: Int, target: Double, quantity: Double) -> [TouchTarget] {
        guard !config.smartExitTiers.isEmpty else { return [TouchTarget(price: target, units: nil, purpose: .takeProfit, leg: .target, tier: nil)] }
        let entry = trades[t].entryPrice
        return config.smartExitTiers.enumerated().map { k, tier in
            TouchTarget(price: entry + tier.tpMultiple * (target - entry), units: quantity * tier.fraction, purpose: .smartExit, leg: .tier, tier: k + 1)
        }
    }

    /// The prices since the last look reached a target: its exit starts. Returns whether one
    /// is under way (the stop is then left alone: it is being cancelled, or already gone).
    mutating func checkTouch(_ i: Int, high: Double, low: Double, atMs: Int64) -> Bool {
        guard config.takeProfitOnTouch, case .open(let t) = slots[i].state else { return false }
        if slots[i].touchExit != nil { return true }
        let long = trades[t].side == .buy
        guard let k = slots[i].touchTargets.firstIndex(where: { long ? high >= $0.price : low <= $0.price }) else { return false }
        let target = slots[i].touchTargets.remove(at: k)
        slots[i].touchExit = target
        notes.append(note(i, atMs, "\(target.purpose.rawValue) \(target.price) touched: stop cancelled, then an immediate-or-cancel limit at the target"))
        if let id = slots[i].stopOrder, tracker[id]?.isLive == true {
            slots[i].stopReplacementWanted = false
            requestCancel(id, atMs: atMs)
        }
        sendTouchExitIfClear(i, atMs: atMs)
        return true
    }

    /// The target's limit goes out once nothing else rests for the position (its units are free).
    mutating func sendTouchExitIfClear(_ i: Int, atMs: Int64) {
        guard let target = slots[i].touchExit, slots[i].touchOrder == nil, case .open(let t) = slots[i].state, !hasLiveProtection(i) else { return }
        let held = heldUnits(i, t)
        let units = target.units.map { min($0, held) } ?? held
        let id = submit(i, side: trades[t].side.opposite, kind: .limit(price: target.price), quantity: .base(units), purpose: target.purpose,
                        leg: target.leg, atMs: atMs, cancelsGroup: false, immediateOrCancel: true)
        slots[i].touchOrder = id
        if let tier = target.tier { slots[i].tierOrders[id] = tier } else { slots[i].targetOrder = id }
    }

    /// The target's limit has ended (filled, in part, or not at all): what is still held gets
    /// its stop back at once; a target that sold nothing is watched again.
    mutating func finishTouch(_ i: Int, atMs: Int64) {
        guard let id = slots[i].touchOrder else { return }
        let filled = tracker[id]?.filledQuantity ?? 0
        let target = slots[i].touchExit
        slots[i].touchOrder = nil
        slots[i].touchExit = nil
        if slots[i].targetOrder == id { slots[i].targetOrder = nil }
        slots[i].tierOrders[id] = nil
        guard case .open(let t) = slots[i].state else { return }
        if let target {
            // What the target did not sell is watched again (a tier: its own rest; the single
            // take-profit: whatever is held).
            var again = target
            if let units = target.units { again.units = units - filled }
            if (again.units ?? heldUnits(i, t)) > 0.5 * profile.instrument(pairs[i]).lotStep { slots[i].touchTargets.insert(again, at: 0) }
            if filled <= 0 {
                notes.append(note(i, atMs, "\(target.purpose.rawValue) \(target.price) not taken: the price left the target; stop placed again"))
            }
        }
        if slots[i].stopOrder == nil { placeStop(i, trade: t, atMs: atMs) }
    }
}
