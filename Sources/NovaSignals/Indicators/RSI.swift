/// Relative strength index with Wilder's smoothing, as TA-Lib's RSI: the first value comes on
/// the `period + 1`-th update, from the simple averages of the first `period` gains and losses;
/// then `avg = (avg * (period - 1) + x) / period`. RSI = 100 * gain / (gain + loss), 0 when
/// both are 0. Streaming, O(1), no allocation.
public struct RSI: Sendable, Codable {
    public let period: Int
    private var previous: Double?
    private var gain = 0.0, loss = 0.0
    private var count = 0

    public init(period: Int = 14) {
        precondition(period >= 2, "RSI period must be at least 2")
        self.period = period
    }

    public private(set) var value: Double?

    @inline(__always)
    public mutating func update(_ close: Double) {
        defer { previous = close }
        guard let p = previous else { return }
        let change = close - p
        let up = max(change, 0), down = max(-change, 0)
        count += 1
        let n = Double(period)
        if count <= period {
            gain += up
            loss += down
            guard count == period else { return }
            gain /= n
            loss /= n
        } else {
            gain = (gain * (n - 1) + up) / n
            loss = (loss * (n - 1) + down) / n
        }
        value = gain + loss != 0 ? 100 * gain / (gain + loss) : 0
    }
}
