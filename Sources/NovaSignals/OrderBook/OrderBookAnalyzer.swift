/// Microstructure of one L2 snapshot, as the seed's OrderBookAnalyzer reports it: order-book
/// imbalance (OBI), a depth-weighted book score, whale detection and the spread.
///
/// - OBI = (bid size - ask size) / (bid size + ask size) over the top `depth` levels, -1..+1
///   (+1 all bids: buying pressure).
/// - Book score: the same imbalance with level k (0 = best) weighted 1 / (k + 1), so size near the
///   touch counts most, -1..+1.
/// - Whale: a level within the top `depth` holding at least `whaleMultiple` x the median level
///   size of both sides; reported with its side and price (the largest such level).
/// - Spread in basis points of the mid price.
/// Levels are given best first; a NaN price ends a side. O(depth log depth) for the median.
public struct OrderBookAnalysis: Sendable, Equatable, Codable {
    public enum Side: String, Sendable, Equatable, Codable { case bid, ask }

    public var obi: Double
    public var bookScore: Double
    public var bidVolume: Double
    public var askVolume: Double
    public var spreadBps: Double
    public var whale: (side: Side, price: Double, size: Double)?

    public var whaleDetected: Bool { whale != nil }

    public init(obi: Double, bookScore: Double, bidVolume: Double, askVolume: Double, spreadBps: Double,
                whale: (side: Side, price: Double, size: Double)?) {
        self.obi = obi; self.bookScore = bookScore; self.bidVolume = bidVolume; self.askVolume = askVolume
        self.spreadBps = spreadBps; self.whale = whale
    }

    public static func == (a: OrderBookAnalysis, b: OrderBookAnalysis) -> Bool {
        a.obi == b.obi && a.bookScore == b.bookScore && a.bidVolume == b.bidVolume && a.askVolume == b.askVolume
            && a.spreadBps == b.spreadBps && a.whale?.side == b.whale?.side && a.whale?.price == b.whale?.price
            && a.whale?.size == b.whale?.size
    }

    // Codable by hand: the whale is a tuple (kept one for the analyser's callers).
    private enum CodingKeys: String, CodingKey { case obi, bookScore, bidVolume, askVolume, spreadBps, whaleSide, whalePrice, whaleSize }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(obi: try c.decode(Double.self, forKey: .obi), bookScore: try c.decode(Double.self, forKey: .bookScore),
                  bidVolume: try c.decode(Double.self, forKey: .bidVolume), askVolume: try c.decode(Double.self, forKey: .askVolume),
                  spreadBps: try c.decode(Double.self, forKey: .spreadBps), whale: nil)
        if let side = try c.decodeIfPresent(Side.self, forKey: .whaleSide) {
            whale = (side, try c.decode(Double.self, forKey: .whalePrice), try c.decode(Double.self, forKey: .whaleSize))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(obi, forKey: .obi); try c.encode(bookScore, forKey: .bookScore)
        try c.encode(bidVolume, forKey: .bidVolume); try c.encode(askVolume, forKey: .askVolume)
        try c.encode(spreadBps, forKey: .spreadBps)
        if let w = whale {
            try c.encode(w.side, forKey: .whaleSide); try c.encode(w.price, forKey: .whalePrice); try c.encode(w.size, forKey: .whaleSize)
        }
    }

    /// nil for an empty or one-sided book.
    public static func analyze(bidPrices: ArraySlice<Double>, bidSizes: ArraySlice<Double>, askPrices: ArraySlice<Double>,
                               askSizes: ArraySlice<Double>, depth: Int = 10, whaleMultiple: Double = 5) -> OrderBookAnalysis? {
        func levels(_ p: ArraySlice<Double>, _ s: ArraySlice<Double>) -> [(Double, Double)] {
            var out: [(Double, Double)] = []
            for (price, size) in zip(p, s).prefix(depth) {
                if price.isNaN { break }
                out.append((price, size))
            }
            return out
        }
        let bids = levels(bidPrices, bidSizes), asks = levels(askPrices, askSizes)
        guard let bestBid = bids.first?.0, let bestAsk = asks.first?.0 else { return nil }
        let bidVolume = bids.reduce(0) { $0 + $1.1 }, askVolume = asks.reduce(0) { $0 + $1.1 }
        var wb = 0.0, wa = 0.0
        for (k, l) in bids.enumerated() { wb += l.1 / Double(k + 1) }
        for (k, l) in asks.enumerated() { wa += l.1 / Double(k + 1) }
        let sizes = (bids + asks).map(\.1).sorted()
        let median = sizes.count % 2 == 1 ? sizes[sizes.count / 2] : (sizes[sizes.count / 2 - 1] + sizes[sizes.count / 2]) / 2
        var whale: (side: Side, price: Double, size: Double)?
        for (side, book) in [(Side.bid, bids), (Side.ask, asks)] {
            for (price, size) in book where median > 0 && size >= whaleMultiple * median && size > (whale?.size ?? 0) {
                whale = (side, price, size)
            }
        }
        let mid = (bestBid + bestAsk) / 2
        return OrderBookAnalysis(
            obi: bidVolume + askVolume > 0 ? (bidVolume - askVolume) / (bidVolume + askVolume) : 0,
            bookScore: wb + wa > 0 ? (wb - wa) / (wb + wa) : 0, bidVolume: bidVolume, askVolume: askVolume,
            spreadBps: (bestAsk - bestBid) / mid * 10_000, whale: whale)
    }
}
