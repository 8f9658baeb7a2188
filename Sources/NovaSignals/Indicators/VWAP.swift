/// Session VWAP: the volume-weighted mean of the typical price (high + low + close) / 3, reset at
/// each UTC midnight (crypto has no exchange session; the UTC day is the common convention).
/// nil while the day has had no volume. O(1), no allocation.
public struct VWAP: Sendable, Codable {
    private var day: Int64 = .min
    private var priceVolume = 0.0, volume = 0.0

    public init() {}

    public private(set) var value: Double?

    public mutating func update(timestampMs: Int64, high: Double, low: Double, close: Double, volume v: Double) {
        let d = timestampMs >= 0 ? timestampMs / 86_400_000 : (timestampMs - 86_399_999) / 86_400_000
        if d != day { day = d; priceVolume = 0; volume = 0 }
        priceVolume += (high + low + close) / 3 * v
        volume += v
        value = volume > 0 ? priceVolume / volume : nil
    }
}
