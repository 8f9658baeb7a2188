/// Slow stochastic as TA-Lib's STOCH with SMA smoothing: fast %K = 100 x (close - lowest low) /
/// (highest high - lowest low) over `kPeriod` bars (0 when the range is 0); slow %K =
/// SMA(`slowK`) of fast %K; %D = SMA(`slowD`) of slow %K. Both are reported once %D is warm
/// (TA-Lib's lookback: kPeriod - 1 + slowK - 1 + slowD - 1). O(1) amortised, no allocation.
public struct Stochastic: Sendable, Codable {
    private var highest: RollingExtreme
    private var lowest: RollingExtreme
    private var slowKMA: SMA
    private var slowDMA: SMA

    public init(kPeriod: Int = 14, slowK: Int = 3, slowD: Int = 3) {
        highest = RollingExtreme(period: kPeriod, kind: .max)
        lowest = RollingExtreme(period: kPeriod, kind: .min)
        slowKMA = SMA(period: slowK)
        slowDMA = SMA(period: slowD)
    }

    public private(set) var k: Double?
    public private(set) var d: Double?

    public mutating func update(high: Double, low: Double, close: Double) {
        highest.update(high)
        lowest.update(low)
        guard let hh = highest.value, let ll = lowest.value else { return }
        let range = hh - ll
        slowKMA.update(range > 0 ? 100 * (close - ll) / range : 0)
        guard let slowK = slowKMA.value else { return }
        slowDMA.update(slowK)
        guard let slowD = slowDMA.value else { return }
        k = slowK
        d = slowD
    }
}
