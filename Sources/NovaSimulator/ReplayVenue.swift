import NovaCore
import NovaVenue

/// A venue that is fed recorded market data: the simulator's replay interface, apart from the
/// `Venue` seam that carries orders. The backtest loop (NovaBacktest) drives it; the engine
/// never sees it. A live venue has no such interface: its market data comes from the exchange.
public protocol ReplayVenue: Venue {
    /// Bar length of the replayed data (ms): a bar decided on closes this long after it opens.
    var barMs: Int64 { get }
    /// Shows the venue one bar of `pair`: resting orders are matched against it and their
    /// answers appended to `events`. Showing the same bar again matches only the orders placed
    /// since (an order placed on a fill meets the rest of that bar); each order meets a bar once.
    mutating func replay(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent])
    /// The data has ended: market orders of `pair` fill at `price` at `atMs`, with no volume
    /// cap, latency or faults (an accounting close at the last price, not a market event).
    mutating func settle(_ pair: Pair, atMs: Int64, price: Double, events: inout [VenueEvent])
}
