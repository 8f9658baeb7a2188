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
    /// Trading rules by pair (`BTC/USD`); pairs not listed trade without grid or minimums.
    public var instruments: [String: InstrumentSpec]
    /// Whether the exchange has a stop order that becomes a market order (Kraken `stop-loss`).
    /// Coinbase Advanced Trade offers only stop-limit orders (`stop_limit_stop_limit_gtc`), so
    /// a protective stop there is a stop-limit that a gap through its limit leaves unfilled.
    public var supportsStopMarket: Bool
    /// What happens to a post-only order that would take liquidity.
    public var postOnlyCross: PostOnlyCross
    /// Margin for shorts (Kraken); nil: a spot-only venue (Coinbase Advanced Trade spot), where
    /// a short is refused.
    public var margin: MarginRules?

    public enum PostOnlyCross: String, Sendable, Equatable, Codable {
        /// Kraken: AddOrder returns a txid, then the order ends `canceled`, reason "Post only order".
        case acceptThenCancel = "accept_then_cancel"
        /// Coinbase: rejected at submit, `INVALID_LIMIT_PRICE_POST_ONLY`.
        case reject
    }

    public init(exchange: ExchangeID, tiers: [FeeTier], instruments: [String: InstrumentSpec]? = nil) {
        precondition(!tiers.isEmpty, "a fee schedule has at least one tier")
        self.exchange = exchange
        self.tiers = tiers.sorted { $0.minVolume < $1.minVolume }
        self.instruments = instruments ?? Self.standardInstruments(exchange)
        self.supportsStopMarket = exchange == .kraken
        self.postOnlyCross = exchange == .kraken ? .acceptThenCancel : .reject
        self.margin = exchange == .kraken ? .kraken : nil
    }

    /// A flat schedule (one tier).
    public init(exchange: ExchangeID, makerFee: Double, takerFee: Double) {
        self.init(exchange: exchange, tiers: [FeeTier(minVolume: 0, makerFee: makerFee, takerFee: takerFee)])
    }

    /// The rules of `pair` on this exchange.
    public func instrument(_ pair: Pair) -> InstrumentSpec {
        instruments[pair.description] ?? .unrestricted
    }

    /// Rules of the majors, from the exchanges' instrument endpoints (docs/venues.md says how
    /// sure each number is). Kraken: XBT/USD and ETH/USD price tick 0.1 and 0.01, 8 lot
    /// decimals, `ordermin` 0.00005 BTC / 0.002 ETH [L], `costmin` 0.5 [L]. Coinbase: BTC-USD and
    /// ETH-USD price increment 0.01, base increment 1e-8, minimum size 1e-8 [L], quote minimum
    /// 1 USD [?].
    public static func standardInstruments(_ exchange: ExchangeID) -> [String: InstrumentSpec] {
        switch exchange {
        case .kraken:
            return [
                "BTC/USD": InstrumentSpec(tickSize: 0.1, lotDecimals: 8, minSize: 0.00005, minCost: 0.5),
                "ETH/USD": InstrumentSpec(tickSize: 0.01, lotDecimals: 8, minSize: 0.002, minCost: 0.5),
                "BTC/USDT": InstrumentSpec(tickSize: 0.1, lotDecimals: 8, minSize: 0.00005, minCost: 0.5),
                "ETH/USDT": InstrumentSpec(tickSize: 0.01, lotDecimals: 8, minSize: 0.002, minCost: 0.5),
            ]
        case .coinbase:
            return [
                "BTC/USD": InstrumentSpec(tickSize: 0.01, lotDecimals: 8, minSize: 0.00000001, minCost: 1),
                "ETH/USD": InstrumentSpec(tickSize: 0.01, lotDecimals: 8, minSize: 0.00000001, minCost: 1),
                "BTC/USDT": InstrumentSpec(tickSize: 0.01, lotDecimals: 8, minSize: 0.00000001, minCost: 1),
                "ETH/USDT": InstrumentSpec(tickSize: 0.01, lotDecimals: 8, minSize: 0.00000001, minCost: 1),
            ]
        }
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
        var p = self
        p.tiers = [FeeTier(minVolume: 0, makerFee: rate, takerFee: rate)]
        return p
    }

    /// The same schedule without grids or minimums (hand-made test markets).
    public func unrestricted() -> VenueProfile {
        var p = self
        p.instruments = [:]
        return p
    }

    /// The schedule with its entry tier replaced (the config's first-tier rates), the rest kept.
    public func withEntryTier(makerFee: Double, takerFee: Double) -> VenueProfile {
        var p = self
        p.tiers[0] = FeeTier(minVolume: 0, makerFee: makerFee, takerFee: takerFee)
        return p
    }
}
