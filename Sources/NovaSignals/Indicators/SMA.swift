/// Simple moving average over the last `period` values, streaming: O(1) per update, no
/// allocation after init. `value` is nil during warm-up (the first `period - 1` updates),
/// matching TA-Lib's SMA. The running sum is re-computed from the window every `period`
/// updates so rounding error cannot build up over millions of bars.
public struct SMA: Sendable {
    public let period: Int
    private var window: [Double]
    private var head = 0
    private var filled = 0
    private var sum = 0.0
    private var sinceResum = 0

    public init(period: Int) {
        precondition(period >= 1, "SMA period must be at least 1")
        self.period = period
        window = Array(repeating: 0, count: period)
    }

    public private(set) var value: Double?

    @inline(__always)
    public mutating func update(_ x: Double) {
        let h = head
        let old = window.withUnsafeMutableBufferPointer { w -> Double in
            let o = w[h]
            w[h] = x
            return o
        }
        if filled == period { sum -= old } else { filled += 1 }
        sum += x
        head = h + 1 == period ? 0 : h + 1
        sinceResum += 1
        if sinceResum >= period * 64 {
            sum = window.reduce(0, +)
            sinceResum = 0
        }
        value = filled == period ? sum / Double(period) : nil
    }
}
