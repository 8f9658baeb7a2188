import Foundation

/// Kraken's nonce: an unsigned 64-bit number that must strictly increase per API key, across
/// restarts too (exchange-crib.md §1.2; LIVE-NOTES "Identifiers and nonces"). One unit only,
/// milliseconds since the epoch: a key that has seen microseconds can never go back, and
/// mixing units is the classic cause of `EAPI:Invalid nonce`.
///
/// The last nonce handed out is persisted through `store` *before* it is returned, so a crash
/// right after a request can never make the next process reuse it. Not thread-safe by itself:
/// the live runtime's actor is its only user.
public struct NonceSource {
    public private(set) var last: UInt64
    private let store: (UInt64) throws -> Void

    /// `persisted`: the last nonce a previous process used with this key (0 if none).
    public init(persisted: UInt64, store: @escaping (UInt64) throws -> Void) {
        self.last = persisted
        self.store = store
    }

    /// The next nonce: now in milliseconds, or one more than the last if the clock has not moved
    /// on (or went back: an NTP step, a second request in the same millisecond).
    public mutating func next(nowMs: Int64) throws -> UInt64 {
        let candidate = UInt64(max(0, nowMs))
        let n = candidate > last ? candidate : last + 1
        try store(n)
        last = n
        return n
    }

    /// After `EAPI:Invalid nonce`: the exchange has seen a higher nonce than ours (another
    /// process with the same key, a clock that ran ahead). Skip ahead by `margin` ms once.
    public mutating func resync(nowMs: Int64, margin: UInt64 = 1_000) throws {
        let n = max(last, UInt64(max(0, nowMs))) + margin
        try store(n)
        last = n
    }
}
