import NovaCore

/// Something the engine wants the researcher to know about a run: a rejected or cancelled
/// order, an order left unfilled at the end of the data. Kept in the run's log.
public struct EngineNote: Sendable, Equatable, Codable {
    public var timestampMs: Int64
    public var pair: String
    public var message: String

    public init(timestampMs: Int64, pair: String, message: String) {
        self.timestampMs = timestampMs
        self.pair = pair
        self.message = message
    }
}
