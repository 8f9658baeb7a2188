/// When a market-data feed reconnects after its connection ended: from `reconnectMinMs`, x1.5
/// per failed attempt up to `reconnectMaxMs`, plus up to 250 ms of seeded jitter (so several
/// sessions do not reconnect in step). Shared by the Kraken and Coinbase feeds; data arriving
/// again resets it.
public struct ReconnectBackoff: Sendable {
    private var rng: UInt64
    private var attempts = 0

    public init(seed: UInt64) { rng = seed == 0 ? 0x9E37_79B9 : seed }

    /// Data flows again: the next loss starts from the shortest wait.
    public mutating func reset() { attempts = 0 }

    /// The actions of a connection that ended (or could not be opened): a warning and the
    /// reconnect after this attempt's wait.
    public mutating func closed(wasConnected: Bool, reason: String, settings: FeedSettings) -> [FeedAction] {
        var factor = 1.0
        for _ in 0..<min(attempts, 20) { factor *= 1.5 }
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
        let wait = Int64(min(Double(settings.reconnectMaxMs), Double(settings.reconnectMinMs) * factor)) + Int64(rng % 251)
        attempts += 1
        return [.log(level: "warning", message: "\(wasConnected ? "connection lost" : "cannot connect"): \(reason); reconnecting in \(wait) ms"),
                .reconnect(afterMs: wait)]
    }
}
