import NovaCore

/// Breakeven and trailing: where a position's stop should be, given the highest price seen (a
/// long) or the lowest (a short, mirrored). Pure, so its rules are checked by hand in tests. A
/// long's stop only ever moves up and never to or above the current price; a short's only
/// down and never to or below it (that stop would fill at once).
public struct StopPolicy: Sendable, Equatable, Codable {
    /// Move the stop to the entry once the high reaches entry + this many R (R = entry -
    /// initial stop); 0 disables.
    public var breakevenAtR: Double
    /// Trail once the high reaches entry + this many R; 0 disables.
    public var trailingAtR: Double
    /// The trailing stop sits this fraction below the highest high since trailing started.
    public var trailingDistancePct: Double

    public init(breakevenAtR: Double, trailingAtR: Double, trailingDistancePct: Double) {
        self.breakevenAtR = breakevenAtR; self.trailingAtR = trailingAtR; self.trailingDistancePct = trailingDistancePct
    }

    /// The stop state after the market reached `high` and now trades at `last`.
    public func update(_ state: StopLossState, entry: Double, high: Double, last: Double) -> StopLossState {
        var s = state
        let r = entry - s.initialSL
        var newSL = s.currentSL
        if r > 0 {
            if breakevenAtR > 0 && !s.breakevenActivated && high >= entry + breakevenAtR * r {
                s.breakevenActivated = true
                newSL = max(newSL, entry)
            }
            if trailingAtR > 0 && (s.trailingActivated || high >= entry + trailingAtR * r) {
                s.trailingActivated = true
                let top = max(s.trailingHigh ?? high, high)
                s.trailingHigh = top
                newSL = max(newSL, top * (1 - trailingDistancePct))
            }
        }
        newSL = min(newSL, last * (1 - 1e-9))
        if newSL > s.currentSL { s.currentSL = newSL }
        return s
    }

    /// The short's mirror of `update`: R = initial stop - entry; breakeven once the low reaches
    /// entry - breakevenAtR x R; trailing `trailingDistancePct` above the lowest low once it
    /// reaches entry - trailingAtR x R.
    public func updateShort(_ state: StopLossState, entry: Double, low: Double, last: Double) -> StopLossState {
        var s = state
        let r = s.initialSL - entry
        var newSL = s.currentSL
        if r > 0 {
            if breakevenAtR > 0 && !s.breakevenActivated && low <= entry - breakevenAtR * r {
                s.breakevenActivated = true
                newSL = min(newSL, entry)
            }
            if trailingAtR > 0 && (s.trailingActivated || low <= entry - trailingAtR * r) {
                s.trailingActivated = true
                let bottom = min(s.trailingLow ?? low, low)
                s.trailingLow = bottom
                newSL = min(newSL, bottom * (1 + trailingDistancePct))
            }
        }
        newSL = max(newSL, last * (1 + 1e-9))
        if newSL < s.currentSL { s.currentSL = newSL }
        return s
    }
}
