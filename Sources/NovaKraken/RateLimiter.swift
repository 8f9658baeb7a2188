/// Kraken's REST call counter per API key as a leaky bucket (exchange-crib.md §1.6): each call
/// adds its cost, the counter drains continuously at the tier's rate, and a call that would
/// take it over the maximum waits until it fits. Waiting here is cheaper than the
/// `EAPI:Rate limit exceeded` lockout of several seconds.
public struct RateLimiter: Sendable {
    public enum Tier: String, Sendable, CaseIterable {
        case starter, intermediate, pro
        public var maximum: Double { self == .starter ? 15 : 20 }
        public var decayPerSecond: Double { self == .starter ? 0.33 : self == .intermediate ? 0.5 : 1 }
    }

    public let maximum: Double
    public let decayPerSecond: Double
    public private(set) var counter: Double = 0
    private var atMs: Int64 = .min

    public init(tier: Tier) { self.init(maximum: tier.maximum, decayPerSecond: tier.decayPerSecond) }
    public init(maximum: Double, decayPerSecond: Double) { self.maximum = maximum; self.decayPerSecond = decayPerSecond }

    /// How long to wait before a call of `cost` may go at `nowMs`; the call is then counted at
    /// the moment it goes (`nowMs + wait`).
    public mutating func reserve(cost: Double, nowMs: Int64) -> Int64 {
        drain(to: nowMs)
        guard cost > 0 else { return 0 }
        let over = counter + cost - maximum
        var wait: Int64 = 0
        if over > 0 { wait = Int64((over / decayPerSecond * 1000).rounded(.up)) }
        drain(to: nowMs + wait)
        counter += cost
        return wait
    }

    /// The venue said the counter is full: treat it as full now.
    public mutating func saturate(nowMs: Int64) { drain(to: nowMs); counter = maximum }

    private mutating func drain(to ms: Int64) {
        if atMs != .min, ms > atMs { counter = max(0, counter - Double(ms - atMs) / 1000 * decayPerSecond) }
        if ms > atMs { atMs = ms }
    }
}
