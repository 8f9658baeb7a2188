/// The highest (or lowest) of the last `period` values, streaming with a monotonic deque:
/// amortised O(1) per update, no allocation after init (the deque is a fixed ring).
public struct RollingExtreme: Sendable {
    public enum Kind: Sendable { case max, min }
    public let period: Int
    private let kind: Kind
    private var values: [Double]
    private var indices: [Int]
    private var head = 0, count = 0
    private var n = 0

    public init(period: Int, kind: Kind) {
        precondition(period >= 1, "period must be at least 1")
        self.period = period
        self.kind = kind
        values = Array(repeating: 0, count: period)
        indices = Array(repeating: 0, count: period)
    }

    /// nil until `period` values have been seen.
    public private(set) var value: Double?

    public mutating func update(_ x: Double) {
        // Drop the expired front, then dominated values from the back.
        if count > 0 && indices[head] <= n - period { head = head + 1 == period ? 0 : head + 1; count -= 1 }
        while count > 0 {
            var back = head + count - 1
            if back >= period { back -= period }
            let dominated = kind == .max ? values[back] <= x : values[back] >= x
            if !dominated { break }
            count -= 1
        }
        var slot = head + count
        if slot >= period { slot -= period }
        values[slot] = x
        indices[slot] = n
        count += 1
        n += 1
        value = n >= period ? values[head] : nil
    }
}
