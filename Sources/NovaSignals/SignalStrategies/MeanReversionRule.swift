/// Mean reversion (weight 0.25). Long when RSI(14) < 30 and the close is below the lower
/// Bollinger band (20, 2); short when RSI > 70 and the close is above the upper band. Strength
/// grows as RSI goes deeper past the threshold (full at 10 points beyond).
public struct MeanReversionRule: SignalRule {
    public static let kind = SignalStrategyKind.meanReversion
    public static let oversold = 30.0, overbought = 70.0

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let r = ind.rsi.value, let lower = ind.bands.lower, let upper = ind.bands.upper else { return .neutral }
        let c = ind.bar.close
        if r < oversold && c < lower { return StrategySignal(.long, strength: 0.5 + (oversold - r) / 20, reason: "RSI oversold below the lower Bollinger band") }
        if r > overbought && c > upper { return StrategySignal(.short, strength: 0.5 + (r - overbought) / 20, reason: "RSI overbought above the upper Bollinger band") }
        return .neutral
    }
}
