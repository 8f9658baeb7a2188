/// What a strategy sees of the position in its pair.
public enum PositionState: Sendable, Equatable {
    case flat
    case long(entryPrice: Double)
    /// An entry or exit order is in flight; strategies usually wait.
    case pending
}
