/// One OHLCV bar. `timestampMs` is its open time (ms since the epoch, UTC); it closes at
/// `timestampMs + timeframe`. The engine, venues and strategies all see bars as this value;
/// the market-data layer stores many of them as columns (`BarSeries`).
public struct Bar: Sendable, Equatable, Codable {
    public var timestampMs: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double

    public init(timestampMs: Int64, open: Double, high: Double, low: Double, close: Double, volume: Double) {
        self.timestampMs = timestampMs
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}
