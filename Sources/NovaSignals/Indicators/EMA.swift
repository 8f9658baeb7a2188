/// Exponential moving average with alpha = 2 / (period + 1), seeded TA-Lib style with the
/// SMA of the first `period` values (so `value` is nil for the first `period - 1` updates).
/// Streaming: O(1) per update, no allocation.
public struct EMA: Sendable, Codable {
    public let period: Int
    private let alpha: Double
    private var seedSum = 0.0
    private var count = 0

    public init(period: Int) {
        precondition(period >= 1, "EMA period must be at least 1")
        self.period = period
        alpha = 2.0 / Double(period + 1)
    }

    public private(set) var value: Double?

    @inline(__always)
    public mutating func update(_ x: Double) {
        count += 1
        if let v = value {
            value = v + alpha * (x - v)
        } else {
            seedSum += x
            if count == period { value = seedSum / Double(period) }
        }
    }
}
