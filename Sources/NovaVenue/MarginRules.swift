import NovaCore

/// Kraken's spot margin, as the simulated venue applies it to shorts (docs/venues.md, "Shorts
/// on margin", has each rule with its source and how sure it is).
///
/// - A short borrows the base asset from the margin pool and sells it; the sale's proceeds are
///   not credited to the balance. Profit or loss is settled in quote when it is bought back.
/// - Used margin = position value / leverage; margin level = equity / used margin, where
///   equity = the balance plus the unrealised P&L of margin positions. Kraken opens no
///   position that would start below 100%, and liquidates automatically at about 40%.
/// - An opening fee on the value borrowed when the position opens and a rollover fee on it
///   every 4 hours, as fee lines of their own, besides the ordinary trade fee.
/// - Leverage per pair within the pair's `leverage_sell` (AssetPairs); Kraken's minimum is 2.
public struct MarginRules: Sendable, Equatable, Codable {
    /// Highest sell leverage per pair (AssetPairs `leverage_sell`, last entry).
    public var maxLeverage: [String: Double]
    /// Fee on the value borrowed at opening, and every 4 hours after, as fractions.
    public var openingFeeRate: Double
    public var rolloverFeeRate: Double
    public var rolloverIntervalMs: Int64
    /// Margin level (equity / used margin) at which the venue liquidates, and below which it
    /// opens no position.
    public var liquidationLevel: Double
    public var minOpeningLevel: Double

    public init(maxLeverage: [String: Double], openingFeeRate: Double, rolloverFeeRate: Double, rolloverIntervalMs: Int64 = 4 * 3_600_000,
                liquidationLevel: Double = 0.40, minOpeningLevel: Double = 1.0) {
        self.maxLeverage = maxLeverage; self.openingFeeRate = openingFeeRate; self.rolloverFeeRate = rolloverFeeRate
        self.rolloverIntervalMs = rolloverIntervalMs; self.liquidationLevel = liquidationLevel; self.minOpeningLevel = minOpeningLevel
    }

    /// Kraken's published figures: BTC and ETH pairs to 5x sell leverage [L], opening and
    /// rollover fees of 0.02% of the value borrowed (the crypto pools' rates range 0.01-0.025%
    /// and are dynamic, fixed per order [M]; this is the conservative middle), liquidation at
    /// about 40% margin level [V].
    public static let kraken = MarginRules(
        maxLeverage: ["BTC/USD": 5, "ETH/USD": 5, "BTC/USDT": 5, "ETH/USDT": 5, "BTC/EUR": 5, "ETH/EUR": 5],
        openingFeeRate: 0.0002, rolloverFeeRate: 0.0002)

    /// The highest leverage `pair` may be shorted with (0: not on margin).
    public func leverageLimit(_ pair: Pair) -> Double { maxLeverage[pair.description] ?? 0 }
}

/// A fee line of a margin position (Kraken's ledger `margin` and `rollover` entries).
public enum MarginChargeKind: String, Sendable, Equatable, Codable {
    case opening, rollover
}
