/// Simple moving average over the last `period` values, streaming: O(1) per update, no
/// allocation after init. `value` is nil during warm-up (the first `period - 1` updates),
/// matching TA-Lib's SMA. The running sum is re-computed from the window every `period`
/// updates so rounding error cannot build up over millions of bars.
public struct SMA: Sendable, Codable {
    public let period: Int
    private var window: RingWindow
    private var sum = 0.0
    private var sinceResum = 0

    public init(period: Int) {
        precondition(period >= 1, "SMA period must be at least 1")
        self.period = period
        window = RingWindow(capacity: period)
    }

    public private(set) var value: Double?

    @inline(__always)
    public mutating func update(_ x: Double) {
        if let old = window.push(x) { sum -= old }
        sum += x
        sinceResum += 1
        if sinceResum >= period * 64 {
            sum = window.exactSum
            sinceResum = 0
        }
        value = window.isFull ? sum / Double(period) : nil
    }
}
