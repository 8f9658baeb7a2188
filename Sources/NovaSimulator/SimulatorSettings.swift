/// How the simulated venue fills orders; chosen per run and stored with the run's config.
public struct SimulatorSettings: Sendable, Equatable, Codable {
    public enum FillModel: String, Sendable, Codable, CaseIterable {
        /// OHLCV bars only (docs/venues.md: the path assumptions, conservative when ambiguous).
        case candle
        /// Order-book replay: market orders walk the levels, limit orders wait in the queue.
        case book
    }

    public var fillModel: FillModel = .candle
    /// Bar length of the replayed data (ms): an order decided on a bar is decided at its close.
    public var barMs: Int64 = 60_000
    /// Order-entry delay: an order reaches the matching engine this long after the decision.
    public var latencyMs: Int64 = 0
    /// Candle model: one order takes at most this fraction of a bar's volume; the rest keeps
    /// working on the following bars. 0: no cap.
    public var participation: Double = 0
    public var faults: FaultProfile = .none
    public var seed: UInt64 = 1

    public init() {}
}

/// What the simulated venue did over a run, for the run's notes and execution summary.
public struct SimulatorStats: Sendable, Equatable, Codable {
    public var ordersReceived = 0
    public var fills = 0
    /// Fills that left part of their order unfilled.
    public var partialFills = 0
    public var rejects: [String: Int] = [:]
    public var faultsInjected: [String: Int] = [:]
    public var postOnlyCancels = 0
    /// Book model: bars matched against order-book snapshots, and bars without snapshots that
    /// fell back to the candle rules.
    public var barsMatchedOnBook = 0
    public var barsMatchedOnCandles = 0
    /// Book model: snapshots replayed.
    public var bookUpdates = 0
    /// Margin: opening and rollover fees charged (quote), and positions the venue liquidated.
    public var marginFees = 0.0
    public var liquidations = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case ordersReceived = "orders_received", fills, partialFills = "partial_fills", rejects, faultsInjected = "faults_injected"
        case postOnlyCancels = "post_only_cancels", barsMatchedOnBook = "bars_matched_on_book"
        case barsMatchedOnCandles = "bars_matched_on_candles", bookUpdates = "book_updates"
        case marginFees = "margin_fees", liquidations
    }
}
