/// L2 order-book snapshots as column buffers: per side, one price and one size array laid
/// out snapshot-major (`price[snapshot * depth + level]`, level 0 the best). A side with
/// fewer levels than `depth` in some snapshot has price NaN and size 0 in the empty slots.
public struct OrderBookSeries: Sendable, Equatable {
    public var depth: Int
    public var timestampMs: [Int64]
    public var bidPrice: [Double]
    public var bidSize: [Double]
    public var askPrice: [Double]
    public var askSize: [Double]

    public init(depth: Int) {
        self.depth = depth
        timestampMs = []; bidPrice = []; bidSize = []; askPrice = []; askSize = []
    }

    public var count: Int { timestampMs.count }

    public func bestBid(_ i: Int) -> Double { bidPrice[i * depth] }
    public func bestAsk(_ i: Int) -> Double { askPrice[i * depth] }
}
