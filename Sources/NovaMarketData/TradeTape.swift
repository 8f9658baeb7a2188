/// Executed trades of a market as column buffers (time order): what the book model's queue
/// positions are reduced by (trades at a resting order's price eat the size ahead of it) and
/// what stop orders trigger on (both exchanges trigger stops on the last trade price).
public struct TradeTape: Sendable, Equatable {
    public var timestampMs: [Int64] = []
    public var price: [Double] = []
    public var size: [Double] = []
    /// The taker's side: true when the buyer took liquidity (a trade at the ask).
    public var takerBuys: [Bool] = []

    public init() {}

    public var count: Int { timestampMs.count }

    public mutating func append(timestampMs t: Int64, price p: Double, size s: Double, takerBuys b: Bool) {
        timestampMs.append(t); price.append(p); size.append(s); takerBuys.append(b)
    }

    /// Index of the first trade at or after `ms`.
    public func lowerBound(_ ms: Int64) -> Int { timestampMs.firstIndex(atOrAfter: ms) }
}

extension OrderBookSeries {
    /// Index of the last snapshot at or before `ms`, or -1.
    public func lastIndex(atOrBefore ms: Int64) -> Int {
        ms == .max ? count - 1 : timestampMs.firstIndex(atOrAfter: ms + 1) - 1
    }
}
