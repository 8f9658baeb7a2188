import NovaCore

/// An exchange's first fee tier, as fractions of notional (0.004 = 0.40%).
///
/// Sources (../shared/exchange-crib.md, section 5): Kraken Pro entry tier maker 0.25% / taker
/// 0.40% (AssetPairs snapshot, Nov 2025); Coinbase Advanced "Intro 1" maker 0.60% / taker
/// 1.20% (`transaction_summary`, 2024-26). Volume tiers arrive with the matching-engine issue.
public struct VenueProfile: Sendable, Equatable, Codable {
    public var exchange: ExchangeID
    public var makerFee: Double
    public var takerFee: Double

    public init(exchange: ExchangeID, makerFee: Double, takerFee: Double) {
        self.exchange = exchange
        self.makerFee = makerFee
        self.takerFee = takerFee
    }

    public static let kraken = VenueProfile(exchange: .kraken, makerFee: 0.0025, takerFee: 0.0040)
    public static let coinbase = VenueProfile(exchange: .coinbase, makerFee: 0.0060, takerFee: 0.0120)

    public static func standard(_ exchange: ExchangeID) -> VenueProfile {
        switch exchange {
        case .kraken: return .kraken
        case .coinbase: return .coinbase
        }
    }

    /// The same profile with one fee rate for makers and takers (`--fee RATE`).
    public func withFlatFee(_ rate: Double) -> VenueProfile {
        VenueProfile(exchange: exchange, makerFee: rate, takerFee: rate)
    }
}
