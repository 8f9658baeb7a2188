/// Average true range with Wilder's smoothing, as TA-Lib defines it: the first bar has no
/// true range (no previous close); the first ATR is the mean of the next `period` true
/// ranges, then `atr = (atr * (period - 1) + tr) / period`. So `value` appears on the
/// `period + 1`-th update. Streaming: O(1) per update, no allocation.
public struct ATR: Sendable, Codable {
    public let period: Int
    private var previousClose: Double?
    private var seedSum = 0.0
    private var count = 0

    public init(period: Int) {
        precondition(period >= 1, "ATR period must be at least 1")
        self.period = period
    }

    public private(set) var value: Double?

    @inline(__always)
    public mutating func update(high: Double, low: Double, close: Double) {
        defer { previousClose = close }
        guard let pc = previousClose else { return }
        update(trueRange: max(high - low, abs(high - pc), abs(low - pc)))
    }

    /// The same step from a true range the caller already has (several ATRs of one bar share
    /// it). Call it from the second bar on; the first bar has no true range.
    @inline(__always)
    public mutating func update(trueRange tr: Double) {
        if let v = value {
            value = (v * Double(period - 1) + tr) / Double(period)
        } else {
            seedSum += tr
            count += 1
            if count == period { value = seedSum / Double(period) }
        }
    }
}
