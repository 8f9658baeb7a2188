/// What a strategy sees of the position in its pair.
public enum PositionState: Sendable, Equatable, Codable {
    case flat
    case long(entryPrice: Double)
    /// A short sold on margin (`backtest.direction` short or both, on a venue with margin).
    case short(entryPrice: Double)
    /// An entry or exit order is in flight; strategies usually wait.
    case pending
}

/// Which positions a run may open (`backtest.direction`). Shorts need a venue with margin
/// (Kraken); on a spot-only venue (Coinbase) a short entry is refused with that reason.
public enum TradeDirection: String, Sendable, Codable, CaseIterable, Equatable {
    case long, short, both

    public var allowsLong: Bool { self != .short }
    public var allowsShort: Bool { self != .long }
}
