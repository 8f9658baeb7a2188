/// How far the feed's time runs behind the local clock: the smallest (receive time - the
/// update's own time) over the last one to two minutes. An update can only arrive after its
/// time, so the smallest gap is the delivery delay plus any clock difference, and quiet
/// minutes close on the feed's time (the local time minus this) instead of the local one.
/// A feed 25 s behind then keeps the last 25 s of every minute in its bar (issue 30: with a
/// fixed 2 s grace they were cut off, bar volumes 13-34 % short).
public struct FeedDelay: Sendable, Equatable {
    public static let windowMs: Int64 = 60_000
    private var bucketStart: Int64?
    private var current: Int64?
    private var previous: Int64?
    /// The last estimate, kept while the feed is quiet (a quiet feed sends no times to measure).
    public private(set) var last: Int64?

    public init() {}

    public mutating func sample(receivedMs: Int64, updateMs: Int64) {
        roll(to: receivedMs)
        let d = receivedMs - updateMs
        current = min(current ?? d, d)
        last = min(current!, previous ?? current!)
    }

    /// The delay now, or nil before the first sample.
    public mutating func estimate(atMs nowMs: Int64) -> Int64? {
        roll(to: nowMs)
        switch (current, previous) {
        case let (c?, p?): last = min(c, p)
        case let (c?, nil): last = c
        case let (nil, p?): last = p
        case (nil, nil): break
        }
        return last
    }

    private mutating func roll(to nowMs: Int64) {
        if let start = bucketStart, nowMs - start < Self.windowMs { return }
        previous = bucketStart.map { nowMs - $0 < 2 * Self.windowMs } == true ? current : nil
        current = nil
        bucketStart = nowMs
    }
}
