/// Ichimoku lines (not in TA-Lib). Tenkan = midpoint of the highest high and lowest low over
/// `tenkanPeriod` bars; kijun = the same over `kijunPeriod`; senkou A = (tenkan + kijun) / 2;
/// senkou B = midpoint over `senkouBPeriod`. Charts plot the senkou spans `kijunPeriod` bars
/// ahead; NovaPulse reports each value on the bar it is computed from (no displacement), so a
/// strategy that wants the cloud "at" bar t reads the spans computed at t - 26, and nothing
/// ever depends on future bars. O(1) amortised, no allocation.
public struct Ichimoku: Sendable, Codable {
    private var tenkanHigh: RollingExtreme, tenkanLow: RollingExtreme
    private var kijunHigh: RollingExtreme, kijunLow: RollingExtreme
    private var spanHigh: RollingExtreme, spanLow: RollingExtreme

    public init(tenkanPeriod: Int = 9, kijunPeriod: Int = 26, senkouBPeriod: Int = 52) {
        tenkanHigh = RollingExtreme(period: tenkanPeriod, kind: .max); tenkanLow = RollingExtreme(period: tenkanPeriod, kind: .min)
        kijunHigh = RollingExtreme(period: kijunPeriod, kind: .max); kijunLow = RollingExtreme(period: kijunPeriod, kind: .min)
        spanHigh = RollingExtreme(period: senkouBPeriod, kind: .max); spanLow = RollingExtreme(period: senkouBPeriod, kind: .min)
    }

    public private(set) var tenkan: Double?
    public private(set) var kijun: Double?
    public private(set) var senkouA: Double?
    public private(set) var senkouB: Double?

    public mutating func update(high: Double, low: Double) {
        tenkanHigh.update(high); tenkanLow.update(low)
        kijunHigh.update(high); kijunLow.update(low)
        spanHigh.update(high); spanLow.update(low)
        if let h = tenkanHigh.value, let l = tenkanLow.value { tenkan = (h + l) / 2 }
        if let h = kijunHigh.value, let l = kijunLow.value { kijun = (h + l) / 2 }
        if let t = tenkan, let k = kijun { senkouA = (t + k) / 2 }
        if let h = spanHigh.value, let l = spanLow.value { senkouB = (h + l) / 2 }
    }
}
