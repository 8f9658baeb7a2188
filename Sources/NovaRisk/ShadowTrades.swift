import NovaCore

/// Paper-tracked entries: what an entry the edge gates refused (Kelly, risk of ruin) would have
/// done, through the same stop and target, never touching cash. Their outcomes keep the edge
/// estimates learning while trading is halted, so a halt lifts when the edge comes back
/// instead of lasting for ever (a halt with no new outcomes is an absorbing state).
///
/// Conservative fills, as the candle model's: the entry at the next bar's open (taker fee);
/// a bar that opens through the stop exits at its open, one whose low reaches it at the stop;
/// when stop and target are both inside one bar, the stop. At most one shadow per slot.
public struct ShadowTrades: Sendable, Codable {
    struct Shadow: Codable {
        var entry: Double?
        var units = 0.0
        var stop: Double
        var target: Double
        var notional: Double
        var feeRate: Double
    }

    /// By slot (an array: the engine asks every bar).
    private var open: [Shadow?]
    private var openCount = 0
    public private(set) var opened = 0
    public private(set) var closed = 0

    public init(slots: Int) { open = Array(repeating: nil, count: slots) }

    public func isOpen(_ slot: Int) -> Bool { open[slot] != nil }
    public var anyOpen: Bool { openCount > 0 }

    /// Starts a shadow for `slot` (if it has none): `notional` at the next open, fee included.
    /// A short's shadow (stop above, target below) is tracked the mirrored way.
    public mutating func open(slot: Int, stop: Double, target: Double, notional: Double, feeRate: Double) {
        guard open[slot] == nil, notional > 0, stop > 0, target > 0, target != stop else { return }
        open[slot] = Shadow(stop: stop, target: target, notional: notional, feeRate: feeRate)
        opened += 1
        openCount += 1
    }

    /// The slot's bar: returns the P&L (net of both fees) of a shadow that closed on it.
    public mutating func onBar(slot: Int, _ bar: Bar) -> Double? {
        guard var s = open[slot] else { return nil }
        if s.entry == nil {
            s.entry = bar.open
            s.units = s.notional / bar.open
        }
        let exit: Double?
        let short = s.target < s.stop
        if short {
            if bar.open >= s.stop { exit = bar.open }
            else if bar.high >= s.stop { exit = s.stop }
            else if bar.open <= s.target { exit = bar.open }
            else if bar.low <= s.target { exit = s.target }
            else { exit = nil }
        } else if bar.open <= s.stop { exit = bar.open }
        else if bar.low <= s.stop { exit = s.stop }
        else if bar.open >= s.target { exit = bar.open }
        else if bar.high >= s.target { exit = s.target }
        else { exit = nil }
        guard let x = exit, let e = s.entry else {
            open[slot] = s
            return nil
        }
        open[slot] = nil
        openCount -= 1
        closed += 1
        return (short ? -1 : 1) * s.units * (x - e) - s.feeRate * s.units * (e + x)
    }
}
