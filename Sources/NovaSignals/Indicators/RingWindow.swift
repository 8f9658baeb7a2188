/// The last `capacity` values, oldest overwritten first: the storage behind the rolling sums
/// of SMA and Bollinger bands. `push` returns the value it evicts (nil while filling). O(1),
/// no allocation after init; writes go through one buffer pointer.
public struct RingWindow: Sendable, Codable {
    public let capacity: Int
    private var values: [Double]
    private var head = 0
    public private(set) var count = 0

    public init(capacity: Int) {
        precondition(capacity >= 1, "a window holds at least one value")
        self.capacity = capacity
        values = Array(repeating: 0, count: capacity)
    }

    public var isFull: Bool { count == capacity }

    @inline(__always)
    public mutating func push(_ x: Double) -> Double? {
        let h = head
        let old = values.withUnsafeMutableBufferPointer { w -> Double in
            let o = w[h]
            w[h] = x
            return o
        }
        head = h + 1 == capacity ? 0 : h + 1
        if count == capacity { return old }
        count += 1
        return nil
    }

    /// The sum of the values held, added afresh (to reset accumulated rounding).
    public var exactSum: Double { values.prefix(count).reduce(0, +) }
}
