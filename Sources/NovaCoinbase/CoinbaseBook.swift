import NovaCore

/// A product's order book from the `level2` channel (exchange-crib.md §4.3): a snapshot
/// replaces it, an update sets the absolute size at a price (0 removes the level). There is no
/// checksum: what keeps it honest is the connection's sequence numbers (`SequenceGuard`); when
/// they break, the book is invalid until a new snapshot arrives, and a snapshot that leaves the
/// book crossed (best bid >= best ask) is not trusted either.
public struct CoinbaseBook: Sendable, Equatable {
    public let productID: String
    private var bids: [Double: Double] = [:]
    private var asks: [Double: Double] = [:]
    /// Whether the book may be used: a snapshot arrived and nothing broke since.
    public private(set) var isValid = false
    /// Why it is not valid (nil when it is).
    public private(set) var invalidReason: String? = "no snapshot yet"

    public init(productID: String) { self.productID = productID }

    public mutating func apply(_ e: CoinbaseWSMessage.Level2Event) {
        guard e.productID == productID else { return }
        if e.isSnapshot {
            bids = [:]; asks = [:]
            isValid = true
            invalidReason = nil
        } else if !isValid {
            return   // updates before the snapshot that follows a resubscribe mean nothing
        }
        for l in e.updates {
            if l.isBid { bids[l.price] = l.quantity > 0 ? l.quantity : nil } else { asks[l.price] = l.quantity > 0 ? l.quantity : nil }
        }
        if let b = bestBid, let a = bestAsk, b >= a {
            invalidate("crossed: best bid \(b) >= best ask \(a)")
        }
    }

    /// Drops every level: nothing is trusted until the next snapshot.
    public mutating func invalidate(_ why: String) {
        bids = [:]; asks = [:]
        isValid = false
        invalidReason = why
    }

    public var bestBid: Double? { bids.keys.max() }
    public var bestAsk: Double? { asks.keys.min() }

    /// The best `depth` levels of each side: bids highest first, asks lowest first.
    public func top(_ depth: Int) -> (bids: [(price: Double, size: Double)], asks: [(price: Double, size: Double)]) {
        let b = bids.sorted { $0.key > $1.key }.prefix(depth).map { (price: $0.key, size: $0.value) }
        let a = asks.sorted { $0.key < $1.key }.prefix(depth).map { (price: $0.key, size: $0.value) }
        return (b, a)
    }

    public var levelCount: Int { bids.count + asks.count }
}

/// The connection-wide `sequence_num` (and the heartbeat counter): each must rise by exactly
/// one per message. A gap, a repeat or a step back means messages were lost or replayed, and
/// every book on the connection must be rebuilt from a new snapshot (exchange-crib.md §4.3).
/// The well-known open-source bots log a warning here and go on with a wrong book.
public struct SequenceGuard: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        case ok
        case gap(expected: Int64, got: Int64)
        case repeated(Int64)
    }
    private var last: Int64?

    public init() {}

    public mutating func check(_ n: Int64) -> Verdict {
        defer { if last == nil || n > last! { last = n } }
        guard let last else { return .ok }
        if n == last + 1 { return .ok }
        return n <= last ? .repeated(n) : .gap(expected: last + 1, got: n)
    }

    /// A new connection starts counting again.
    public mutating func reset() { last = nil }
}

/// What the market-data connection's messages do to its books: sequence numbers and heartbeat
/// counters checked, a break clearing every book and asking for `level2` again.
public struct CoinbaseMarketState: Sendable {
    public private(set) var books: [String: CoinbaseBook] = [:]
    private var sequence = SequenceGuard()
    private var heartbeats = SequenceGuard()
    /// Breaks seen (gaps, repeats, heartbeat jumps), for the status endpoint and the log.
    public private(set) var breaks: [String] = []

    public init(productIDs: [String]) {
        for p in productIDs { books[p] = CoinbaseBook(productID: p) }
    }

    /// What the adapter must do after a message.
    public enum Action: Sendable, Equatable {
        case none
        /// The books were cleared: unsubscribe and subscribe `level2` for these products.
        case resubscribeLevel2([String], reason: String)
    }

    public mutating func handle(_ m: CoinbaseWSMessage) -> Action {
        if let s = m.sequence {
            switch sequence.check(s) {
            case .ok: break
            case .gap(let e, let g): return broken("sequence gap: expected \(e), got \(g)", then: m)
            case .repeated(let n): return broken("sequence \(n) repeated or out of order", then: m)
            }
        }
        switch m {
        case .heartbeat(let counter, _):
            if case .gap(let e, let g) = heartbeats.check(counter) {
                return broken("heartbeat counter jumped from \(e - 1) to \(g): messages were missed", then: nil)
            }
        case .level2(let events, _):
            for e in events { books[e.productID]?.apply(e) }
            let crossed = events.compactMap { e in books[e.productID].flatMap { $0.isValid ? nil : $0.invalidReason } }
            if let why = crossed.first(where: { $0.hasPrefix("crossed") }) {
                breaks.append(why)
                return .resubscribeLevel2(events.map(\.productID).filter { books[$0]?.isValid == false }, reason: why)
            }
        default: break
        }
        return .none
    }

    /// A new connection: counters start again, books wait for their snapshots.
    public mutating func reconnected() {
        sequence.reset()
        heartbeats.reset()
        for k in books.keys { books[k]?.invalidate("reconnected: waiting for a snapshot") }
    }

    private mutating func broken(_ why: String, then m: CoinbaseWSMessage?) -> Action {
        breaks.append(why)
        for k in books.keys { books[k]?.invalidate(why) }
        // A snapshot that arrives with the break is still a full book: keep it.
        if case .level2(let events, _)? = m {
            for e in events where e.isSnapshot { books[e.productID]?.apply(e) }
        }
        return .resubscribeLevel2(books.keys.filter { books[$0]?.isValid == false }.sorted(), reason: why)
    }
}
