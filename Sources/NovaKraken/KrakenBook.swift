import Foundation

/// One pair's order book as Kraken WebSocket v2 maintains it (exchange-crib.md §2.4;
/// LIVE-NOTES 3): a snapshot replaces it, an update sets absolute sizes (0 removes), each side
/// is then cut to the subscribed depth (Kraken sends no delete for levels that fall off), and
/// the CRC32 of the top ten levels is checked. Prices and sizes are `Decimal`, as parsed from
/// the wire: the checksum is computed from their exact digits.
public struct KrakenBook: Sendable, Equatable {
    public struct Level: Sendable, Equatable, Decodable {
        public var price: Decimal
        public var qty: Decimal
        public init(price: Decimal, qty: Decimal) { self.price = price; self.qty = qty }
    }

    public let depth: Int
    public let pricePrecision: Int
    public let qtyPrecision: Int
    /// Best first: bids descending, asks ascending.
    public private(set) var bids: [Level] = []
    public private(set) var asks: [Level] = []
    /// Per level, in step with `bids` and `asks`: its checksum digits and its doubles, made
    /// when the level is set. An update changes a level or two, and formatting a `Decimal`
    /// is the slow part: the checksum and the analysis then reuse the other eighteen (measured:
    /// formatting every level on every update was a third of the feed's time).
    private var bidCache: [Cached] = []
    private var askCache: [Cached] = []

    struct Cached: Sendable, Equatable {
        var digits: [UInt8]
        var price: Double
        var qty: Double
    }

    public init(depth: Int, pricePrecision: Int, qtyPrecision: Int) {
        self.depth = depth; self.pricePrecision = pricePrecision; self.qtyPrecision = qtyPrecision
    }

    public var isEmpty: Bool { bids.isEmpty && asks.isEmpty }

    public mutating func clear() { bids.removeAll(); asks.removeAll(); bidCache.removeAll(); askCache.removeAll() }

    /// Replaces the book (a snapshot, also one resent mid-stream: replace, never merge).
    public mutating func applySnapshot(bids newBids: [Level], asks newAsks: [Level]) {
        bids = newBids.filter { $0.qty > 0 }.sorted { $0.price > $1.price }
        asks = newAsks.filter { $0.qty > 0 }.sorted { $0.price < $1.price }
        truncate()
        bidCache = bids.map(cached)
        askCache = asks.map(cached)
    }

    private func cached(_ l: Level) -> Cached {
        var digits: [UInt8] = []
        Self.append(l.price, pricePrecision, &digits)
        Self.append(l.qty, qtyPrecision, &digits)
        return Cached(digits: digits, price: NSDecimalNumber(decimal: l.price).doubleValue, qty: NSDecimalNumber(decimal: l.qty).doubleValue)
    }

    /// Applies every level of one update, then truncates.
    public mutating func applyUpdate(bids b: [Level], asks a: [Level]) {
        for l in b { Self.set(&bids, &bidCache, l, cached(l), descending: true) }
        for l in a { Self.set(&asks, &askCache, l, cached(l), descending: false) }
        truncate()
    }

    private mutating func truncate() {
        if bids.count > depth { bids.removeLast(bids.count - depth); bidCache.removeLast(bidCache.count - depth) }
        if asks.count > depth { asks.removeLast(asks.count - depth); askCache.removeLast(askCache.count - depth) }
    }

    private static func set(_ side: inout [Level], _ cache: inout [Cached], _ l: Level, _ c: Cached, descending: Bool) {
        // Binary search for the price's place; sides are at most a few hundred levels.
        var lo = 0, hi = side.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let before = descending ? side[mid].price > l.price : side[mid].price < l.price
            if before { lo = mid + 1 } else { hi = mid }
        }
        if lo < side.count && side[lo].price == l.price {
            if l.qty == 0 { side.remove(at: lo); cache.remove(at: lo) } else { side[lo].qty = l.qty; cache[lo] = c }
        } else if l.qty > 0 {
            side.insert(l, at: lo)
            cache.insert(c, at: lo)
        }
    }

    /// Kraken's CRC32 over the ten best asks (ascending) then the ten best bids (descending),
    /// each level `price` and `qty` at the pair's precisions with the `.` and leading zeros removed.
    public var checksum: UInt32 {
        var text: [UInt8] = []
        text.reserveCapacity(400)
        for c in askCache.prefix(10) { text += c.digits }
        for c in bidCache.prefix(10) { text += c.digits }
        return CRC32.checksum(text)
    }

    /// `value` as a fixed-decimal string of `places` places, without the point and leading zeros.
    static func append(_ value: Decimal, _ places: Int, _ out: inout [UInt8]) {
        let digits = Self.fixed(value, places).utf8.filter { $0 != UInt8(ascii: ".") }
        var leading = true
        for c in digits {
            if leading && c == UInt8(ascii: "0") { continue }
            leading = false
            out.append(c)
        }
    }

    /// `value` to exactly `places` decimal places (rounded half up, as a wire value at the
    /// pair's precision never needs rounding).
    static func fixed(_ value: Decimal, _ places: Int) -> String {
        var v = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &v, places, .plain)
        let s = NSDecimalNumber(decimal: rounded).stringValue
        guard places > 0 else { return s }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let frac = parts.count > 1 ? String(parts[1]) : ""
        return String(parts[0]) + "." + frac + String(repeating: "0", count: max(0, places - frac.count))
    }

    /// The best bid and ask as doubles, for the strategies' book analysis.
    public var top: (bid: Double, ask: Double)? {
        guard let b = bidCache.first, let a = askCache.first else { return nil }
        return (b.price, a.price)
    }

    /// Both sides as doubles, best first.
    public func levels() -> (bidPrices: [Double], bidSizes: [Double], askPrices: [Double], askSizes: [Double]) {
        (bidCache.map(\.price), bidCache.map(\.qty), askCache.map(\.price), askCache.map(\.qty))
    }
}
