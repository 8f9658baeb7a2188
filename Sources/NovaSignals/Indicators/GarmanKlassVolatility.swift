import Foundation

/// Garman-Klass volatility: per bar, `0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2`; the indicator is
/// the square root of its mean over the last `period` bars: a per-bar volatility (multiply by
/// sqrt(bars per year) to annualise). It uses the whole bar's range, so it is far less noisy
/// than close-to-close volatility. O(1), no allocation after init.
public struct GarmanKlassVolatility: Sendable, Codable {
    private var mean: SMA

    public init(period: Int = 20) { mean = SMA(period: period) }

    public private(set) var value: Double?

    public mutating func update(open: Double, high: Double, low: Double, close: Double) {
        let hl = log(high / low), co = log(close / open)
        mean.update(0.5 * hl * hl - (2 * log(2.0) - 1) * co * co)
        value = mean.value.map { max($0, 0).squareRoot() }
    }
}
