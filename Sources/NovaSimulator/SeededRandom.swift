/// SplitMix64: a small, fast, well-mixed generator. The simulator draws every random decision
/// (fault injection) from one of these, seeded by the run's seed, so the same data, config and
/// seed give the same fills, bit for bit, on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable, Codable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A stateless draw in [0, 1) for `(seed, key)`: the same key always gives the same value,
    /// whatever else was drawn (outage windows depend on the hour, not on the order count).
    public static func unit(seed: UInt64, key: UInt64) -> Double {
        var g = SeededRandom(seed: seed ^ (key &* 0xD6E8_FEB8_6659_FD93))
        return g.unit()
    }
}
