import NovaCore

/// What a venue tells the engine about its orders. A simulated venue emits these during the
/// replay; a live venue emits the same events later, from its WebSocket.
public enum VenueEvent: Sendable, Equatable {
    case accepted(OrderID, atMs: Int64)
    case rejected(OrderID, reason: VenueRejectReason, message: String, atMs: Int64)
    case filled(Fill)
    case cancelled(OrderID, reason: String, atMs: Int64)
}

/// An exchange, simulated or real. The engine talks to every venue through these calls only,
/// so backtest, paper and live run the same engine code.
///
/// Events go into a caller-owned buffer so that the backtest hot loop allocates nothing per bar.
public protocol Venue {
    /// Fee schedule and naming of the exchange this venue stands for.
    var profile: VenueProfile { get }
    /// Places an order. The immediate answer (accepted or rejected) is appended to `events`.
    mutating func submit(_ order: OrderRequest, events: inout [VenueEvent])
    /// Cancels an open order; appends `cancelled` (or nothing if it is no longer open).
    mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent])
    /// Shows the venue a bar of market data for `pair`. A simulated venue matches its resting
    /// orders against it here and appends fills; a live venue ignores it.
    mutating func onBar(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent])
}
