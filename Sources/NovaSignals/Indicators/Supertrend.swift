/// Supertrend (not in TA-Lib), as TradingView defines it: basic bands at hl2 ± `multiplier` x
/// ATR(`period`) (Wilder, SMA-seeded); the final upper band only moves down (unless the previous
/// close was above it), the final lower band only up (unless the previous close was below it);
/// the trend turns up when a close rises above the final upper band and down when a close
/// falls below the final lower band. The line is the final lower band in an up-trend and the
/// final upper band in a down-trend; `direction` is +1 (up) or -1 (down). The first value
/// (on the first bar with an ATR) starts in a down-trend, TradingView's convention. O(1).
public struct Supertrend: Sendable, Codable {
    private var atr: ATR
    public let multiplier: Double
    private var finalUpper = 0.0, finalLower = 0.0
    private var previousClose = 0.0
    private var started = false

    public init(period: Int = 10, multiplier: Double = 3) {
        atr = ATR(period: period)
        self.multiplier = multiplier
    }

    public private(set) var value: Double?
    public private(set) var direction: Int?

    public mutating func update(high: Double, low: Double, close: Double) {
        atr.update(high: high, low: low, close: close)
        step(high: high, low: low, close: close)
    }

    /// The same with the bar's true range given (nil on the first bar).
    public mutating func update(high: Double, low: Double, close: Double, trueRange: Double?) {
        if let trueRange { atr.update(trueRange: trueRange) }
        step(high: high, low: low, close: close)
    }

    private mutating func step(high: Double, low: Double, close: Double) {
        defer { previousClose = close }
        guard let a = atr.value else { return }
        let mid = (high + low) / 2
        let basicUpper = mid + multiplier * a, basicLower = mid - multiplier * a
        guard started else {
            started = true
            finalUpper = basicUpper
            finalLower = basicLower
            direction = -1
            value = finalUpper
            return
        }
        let upper = basicUpper < finalUpper || previousClose > finalUpper ? basicUpper : finalUpper
        let lower = basicLower > finalLower || previousClose < finalLower ? basicLower : finalLower
        let dir: Int
        if direction == -1 {                // was in a down-trend
            dir = close > upper ? 1 : -1
        } else {                            // was in an up-trend
            dir = close < lower ? -1 : 1
        }
        finalUpper = upper
        finalLower = lower
        direction = dir
        value = dir == 1 ? lower : upper
    }
}
