/// On-balance volume as TA-Lib's OBV: starts at the first bar's volume, then adds the volume
/// of an up-close bar and subtracts that of a down-close bar. O(1).
public struct OBV: Sendable, Codable {
    private var previous: Double?

    public init() {}

    public private(set) var value: Double?

    public mutating func update(close: Double, volume: Double) {
        if let p = previous, let v = value {
            value = close > p ? v + volume : (close < p ? v - volume : v)
        } else {
            value = volume
        }
        previous = close
    }
}
