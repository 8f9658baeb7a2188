/// Reversal (weight 0.10). Long when RSI(14) crosses back above 30 on a bullish engulfing bar
/// (close above the previous open, open below the previous close, previous bar down); short
/// when RSI crosses back below 70 on a bearish engulfing bar. Strength 0.7, 1.0 when the bar's
/// body is larger than the ATR.
public struct ReversalRule: SignalRule {
    public static let kind = SignalStrategyKind.reversal

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let r = ind.rsi.value, let pr = ind.previousRSI, let p = ind.previousBar, let atr = ind.atr.value else { return .neutral }
        let b = ind.bar
        let big = abs(b.close - b.open) > atr
        if pr < 30 && r >= 30 && p.close < p.open && b.close > p.open && b.open <= p.close {
            return StrategySignal(.long, strength: big ? 1 : 0.7, reason: "RSI back above 30 on a bullish engulfing bar")
        }
        if pr > 70 && r <= 70 && p.close > p.open && b.close < p.open && b.open >= p.close {
            return StrategySignal(.short, strength: big ? 1 : 0.7, reason: "RSI back below 70 on a bearish engulfing bar")
        }
        return .neutral
    }
}
