import NovaCore

/// An exchange's fee schedule, as fractions of notional (0.004 = 0.40%): the rates of the tier
/// the trailing 30-day traded volume has reached.
///
/// Sources (../shared/exchange-crib.md, section 5): Kraken Pro spot tiers from a live AssetPairs
/// response (Nov 2025; entry tier maker 0.25% / taker 0.40%, down to 0.00% / 0.10% from $10M);
/// Coinbase Advanced "Intro 1" maker 0.60% / taker 1.20% (`transaction_summary`, 2024-26) and
/// its next two tiers as third parties report them ($1K 0.35/0.75, $10K 0.25/0.40, unverified).
/// docs/venues.md cites them. The tier is re-read on every fill from the venue's own fills of
/// the last 30 days (Coinbase recalculates hourly: slightly optimistic within the hour).
public struct VenueProfile: Sendable, Equatable, Codable {
    /// One step of a schedule: from this 30-day quote volume on, these rates.
    public struct FeeTier: Sendable, Equatable, Codable {
        public var minVolume: Double
        public var makerFee: Double
        public var takerFee: Double
        public init(minVolume: Double, makerFee: Double, takerFee: Double) {
            self.minVolume = minVolume; self.makerFee = makerFee; self.takerFee = takerFee
        }
    }

    public var exchange: ExchangeID
    /// Ascending by volume; the first tier starts at 0.
    public var tiers: [FeeTier]

    public init(exchange: ExchangeID, tiers: [FeeTier]) {
        precondition(!tiers.isEmpty, "a fee schedule has at least one tier")
        self.exchange = exchange
        self.tiers = tiers.sorted { $0.minVolume < $1.minVolume }
    }

    /// A flat schedule (one tier).
    public init(exchange: ExchangeID, makerFee: Double, takerFee: Double) {
        self.init(exchange: exchange, tiers: [FeeTier(minVolume: 0, makerFee: makerFee, takerFee: takerFee)])
    }

    /// The entry tier's rates.
    public var makerFee: Double { tiers[0].makerFee }
    public var takerFee: Double { tiers[0].takerFee }

    /// The tier reached by a 30-day volume.
    public func tier(forVolume volume: Double) -> FeeTier {
        tiers.last { $0.minVolume <= volume } ?? tiers[0]
    }

    public static let kraken = VenueProfile(exchange: .kraken, tiers: [
        .init(minVolume: 0, makerFee: 0.0025, takerFee: 0.0040), .init(minVolume: 10_000, makerFee: 0.0020, takerFee: 0.0035),
        .init(minVolume: 50_000, makerFee: 0.0014, takerFee: 0.0024), .init(minVolume: 100_000, makerFee: 0.0012, takerFee: 0.0022),
        .init(minVolume: 250_000, makerFee: 0.0010, takerFee: 0.0020), .init(minVolume: 500_000, makerFee: 0.0008, takerFee: 0.0018),
        .init(minVolume: 1_000_000, makerFee: 0.0006, takerFee: 0.0016), .init(minVolume: 2_500_000, makerFee: 0.0004, takerFee: 0.0014),
        .init(minVolume: 5_000_000, makerFee: 0.0002, takerFee: 0.0012), .init(minVolume: 10_000_000, makerFee: 0.0, takerFee: 0.0010),
    ])
    public static let coinbase = VenueProfile(exchange: .coinbase, tiers: [
        .init(minVolume: 0, makerFee: 0.0060, takerFee: 0.0120), .init(minVolume: 1_000, makerFee: 0.0035, takerFee: 0.0075),
        .init(minVolume: 10_000, makerFee: 0.0025, takerFee: 0.0040),
    ])

    public static func standard(_ exchange: ExchangeID) -> VenueProfile {
        switch exchange {
        case .kraken: return .kraken
        case .coinbase: return .coinbase
        }
    }

    /// The same exchange with one fee rate for makers and takers at every volume (`--fee RATE`).
    public func withFlatFee(_ rate: Double) -> VenueProfile {
        VenueProfile(exchange: exchange, makerFee: rate, takerFee: rate)
    }

    /// The schedule with its entry tier replaced (the config's first-tier rates), the rest kept.
    public func withEntryTier(makerFee: Double, takerFee: Double) -> VenueProfile {
        var t = tiers
        t[0] = FeeTier(minVolume: 0, makerFee: makerFee, takerFee: takerFee)
        return VenueProfile(exchange: exchange, tiers: t)
    }
}
