/// Keltner channel (not in TA-Lib; definitions differ between sources). NovaPulse uses:
/// middle = EMA(`emaPeriod`) of close (SMA-seeded, as TA-Lib's EMA), bands = middle ±
/// `multiplier` x ATR(`atrPeriod`) (Wilder, as TA-Lib's ATR). Values appear once both are warm.
/// The indicator export's `keltner_*_20_2` is EMA 20, ATR 20, multiplier 2. O(1), no allocation.
public struct KeltnerChannel: Sendable, Codable {
    private var ema: EMA
    private var atr: ATR
    public let multiplier: Double

    public init(emaPeriod: Int = 20, atrPeriod: Int = 20, multiplier: Double = 2) {
        ema = EMA(period: emaPeriod)
        atr = ATR(period: atrPeriod)
        self.multiplier = multiplier
    }

    public private(set) var middle: Double?
    public private(set) var upper: Double?
    public private(set) var lower: Double?
    public var atrValue: Double? { atr.value }

    public mutating func update(high: Double, low: Double, close: Double) {
        ema.update(close)
        atr.update(high: high, low: low, close: close)
        guard let m = ema.value, let a = atr.value else { return }
        middle = m
        upper = m + multiplier * a
        lower = m - multiplier * a
    }
}
