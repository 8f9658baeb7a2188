/// The highest (or lowest) of the last `period` values, streaming with a monotonic deque:
/// amortised O(1) per update, no allocation after init (the deque is a fixed ring of
/// (index, value) pairs, touched through one buffer pointer per update).
public struct RollingExtreme: Sendable, Codable {
    public enum Kind: Sendable, Codable { case max, min }
    public let period: Int
    private let isMax: Bool
    /// One deque entry (a struct rather than a tuple: it is Codable, for the live checkpoint).
    struct Slot: Sendable, Codable { var index: Int, value: Double }
    private var ring: [Slot]
    private var head = 0, count = 0
    private var n = 0

    public init(period: Int, kind: Kind) {
        precondition(period >= 1, "period must be at least 1")
        self.period = period
        isMax = kind == .max
        ring = Array(repeating: Slot(index: 0, value: 0), count: period)
    }

    /// nil until `period` values have been seen.
    public private(set) var value: Double?

    @inline(__always)
    public mutating func update(_ x: Double) {
        let period = self.period, isMax = self.isMax, n = self.n
        var head = self.head, count = self.count
        let front: Double = ring.withUnsafeMutableBufferPointer { r in
            // Drop the expired front, then the values the new one dominates from the back.
            if count > 0 && r[head].index <= n - period {
                head = head + 1 == period ? 0 : head + 1
                count -= 1
            }
            while count > 0 {
                var back = head + count - 1
                if back >= period { back -= period }
                let v = r[back].value
                if isMax ? v > x : v < x { break }
                count -= 1
            }
            var slot = head + count
            if slot >= period { slot -= period }
            r[slot] = Slot(index: n, value: x)
            count += 1
            return r[head].value
        }
        self.head = head
        self.count = count
        self.n = n + 1
        value = n + 1 >= period ? front : nil
    }
}
