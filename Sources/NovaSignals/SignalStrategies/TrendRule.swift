/// Trend (weight 0.15). Long when EMA(20) > EMA(50), ADX(14) >= 25 and +DI > -DI; short when
/// EMA(20) < EMA(50), ADX >= 25 and -DI > +DI. Strength rises with ADX (full at 50).
public struct TrendRule: SignalRule {
    public static let kind = SignalStrategyKind.trend
    public static let minADX = 25.0

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let fast = ind.ema20.value, let slow = ind.ema50.value, let a = ind.adx.value,
              let p = ind.adx.plusDI, let m = ind.adx.minusDI, a >= minADX else { return .neutral }
        let strength = 0.4 + (a - minADX) / 40
        if fast > slow && p > m { return StrategySignal(.long, strength: strength, reason: "EMA20 over EMA50 with ADX at or above 25") }
        if fast < slow && m > p { return StrategySignal(.short, strength: strength, reason: "EMA20 under EMA50 with ADX at or above 25") }
        return .neutral
    }
}
