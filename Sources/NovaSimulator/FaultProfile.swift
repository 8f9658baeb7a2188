/// What can go wrong at the simulated exchange, and how often (exchange-crib.md section 7):
/// so a backtest exercises the executor's retry and fallback paths, reproducibly (every draw
/// comes from the run's seed).
///
/// - `rateLimitProbability`: an order is refused with the rate-limit error (transient).
/// - `rejectProbability`: an order is refused outright (permanent).
/// - `partialFillProbability`: a fill delivers only 20-80% of what it could have; the rest of
///   the order keeps working.
/// - `outageProbabilityPerHour` / `outageMinutes`: each UTC hour, with this probability, the
///   first `outageMinutes` of it are an outage; orders sent then get `unavailable` (transient).
///   Resting orders keep matching (the matching engine runs on; the API is down).
public struct FaultProfile: Sendable, Equatable, Codable {
    public var name: String
    public var rateLimitProbability: Double
    public var rejectProbability: Double
    public var partialFillProbability: Double
    public var outageProbabilityPerHour: Double
    public var outageMinutes: Int

    public init(name: String, rateLimitProbability: Double = 0, rejectProbability: Double = 0, partialFillProbability: Double = 0,
                outageProbabilityPerHour: Double = 0, outageMinutes: Int = 0) {
        self.name = name
        self.rateLimitProbability = rateLimitProbability
        self.rejectProbability = rejectProbability
        self.partialFillProbability = partialFillProbability
        self.outageProbabilityPerHour = outageProbabilityPerHour
        self.outageMinutes = outageMinutes
    }

    public static let none = FaultProfile(name: "none")
    /// A bad day: 2% rate limits, 1% rejects, 10% partial fills, an outage of 5 minutes in 2% of hours.
    public static let flaky = FaultProfile(name: "flaky", rateLimitProbability: 0.02, rejectProbability: 0.01,
                                           partialFillProbability: 0.10, outageProbabilityPerHour: 0.02, outageMinutes: 5)
    /// A venue under stress: 10% rate limits, 5% rejects, 30% partial fills, 15-minute outages in 10% of hours.
    public static let hostile = FaultProfile(name: "hostile", rateLimitProbability: 0.10, rejectProbability: 0.05,
                                             partialFillProbability: 0.30, outageProbabilityPerHour: 0.10, outageMinutes: 15)

    public static let builtins: [FaultProfile] = [.none, .flaky, .hostile]

    public static func named(_ name: String) -> FaultProfile? { builtins.first { $0.name == name } }

    public var isNone: Bool {
        rateLimitProbability == 0 && rejectProbability == 0 && partialFillProbability == 0 && outageProbabilityPerHour == 0
    }

    enum CodingKeys: String, CodingKey {
        case name, rateLimitProbability = "rate_limit_probability", rejectProbability = "reject_probability"
        case partialFillProbability = "partial_fill_probability", outageProbabilityPerHour = "outage_probability_per_hour"
        case outageMinutes = "outage_minutes"
    }
}
