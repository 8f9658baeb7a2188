/// What to do with the books of several pairs as frames arrive (exchange-crib.md §2.4;
/// LIVE-NOTES 3): a checksum mismatch clears that pair's book and asks for a resubscription;
/// after `maxMismatches` in a row, validation is switched off for that pair only (Kraken's own
/// checksums have been wrong on precision edge cases) and the other pairs are untouched.
public struct BookIntegrity: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The book is valid (or validation is off for the pair) and may be used.
        case ok
        /// Mismatch: the book was cleared; resubscribe the pair and ignore updates until a
        /// fresh snapshot has passed.
        case resubscribe(mismatches: Int)
        /// The `maxMismatches`th mismatch in a row: validation is now off for this pair.
        case validationDisabled
        /// An update for a pair with no valid snapshot yet (waiting for the resubscription).
        case waitingForSnapshot
    }

    public let maxMismatches: Int
    public private(set) var books: [String: KrakenBook] = [:]
    private var mismatches: [String: Int] = [:]
    private var needsSnapshot: Set<String> = []
    public private(set) var unvalidated: Set<String> = []

    public init(maxMismatches: Int = 3) { self.maxMismatches = maxMismatches }

    /// Registers a pair's book (depth and the precisions its checksum is computed at).
    public mutating func track(_ symbol: String, depth: Int, pricePrecision: Int, qtyPrecision: Int) {
        books[symbol] = KrakenBook(depth: depth, pricePrecision: pricePrecision, qtyPrecision: qtyPrecision)
    }

    /// After a reconnect every book must be rebuilt from a snapshot.
    public mutating func resetAll() {
        for k in books.keys { books[k]?.clear(); needsSnapshot.insert(k) }
    }

    public mutating func apply(_ m: KrakenBookMessage, snapshot: Bool) -> Outcome {
        guard var book = books[m.symbol] else { return .ok }
        if snapshot {
            book.applySnapshot(bids: m.bids, asks: m.asks)
            needsSnapshot.remove(m.symbol)
        } else {
            if needsSnapshot.contains(m.symbol) { return .waitingForSnapshot }
            book.applyUpdate(bids: m.bids, asks: m.asks)
        }
        if unvalidated.contains(m.symbol) || m.checksum == nil || book.checksum == m.checksum {
            books[m.symbol] = book
            mismatches[m.symbol] = 0
            return .ok
        }
        let n = (mismatches[m.symbol] ?? 0) + 1
        mismatches[m.symbol] = n
        if n >= maxMismatches {
            unvalidated.insert(m.symbol)
            books[m.symbol] = book
            return .validationDisabled
        }
        book.clear()
        books[m.symbol] = book
        needsSnapshot.insert(m.symbol)
        return .resubscribe(mismatches: n)
    }
}
