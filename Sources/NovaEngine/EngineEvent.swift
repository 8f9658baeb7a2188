import NovaCore
import NovaSignals
import NovaVenue

/// Everything that can happen to the engine. Backtest and live deliver the same events; only
/// where they come from differs (a replay of files, or a feed and an exchange connection).
public enum EngineEvent: Sendable, Codable {
    /// A bar of slot `slot`'s pair closed at `closeMs`: the strategy decides on it.
    case bar(slot: Int, Bar, closeMs: Int64)
    /// The latest order-book analysis of slot `slot`'s pair (nil: no fresh book).
    case book(slot: Int, OrderBookAnalysis?)
    /// A price between bar closes (a trade, the book's mid): feeds trailing stops and the
    /// event-driven scan.
    case price(slot: Int, Double, atMs: Int64)
    /// An answer from the venue.
    case venue(VenueEvent)
    /// A timer fired.
    case timer(EngineTimer, atMs: Int64)
}

public enum EngineTimer: String, Sendable, Codable {
    /// `executor.position_check_interval_s`: open positions against the latest prices.
    case positionCheck = "position_check"
}
