/// Keltner channel re-entry (weight 0.30). Long when the previous close was below the lower
/// band (EMA 20 - 2 x ATR 14) and this close is back inside; short on the mirror at the upper
/// band. Strength grows with how far outside the band price had gone (in ATRs).
public struct KeltnerRule: SignalRule {
    public static let kind = SignalStrategyKind.keltner

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let pc = ind.previousClose, let pl = ind.previousKeltnerLower, let pu = ind.previousKeltnerUpper,
              let lower = ind.keltner.lower, let upper = ind.keltner.upper, let atr = ind.keltner.atrValue, atr > 0 else { return .neutral }
        let c = ind.bar.close
        if pc < pl && c > lower {
            return StrategySignal(.long, strength: 0.5 + (pl - pc) / atr / 2, reason: "close back inside the lower Keltner band")
        }
        if pc > pu && c < upper {
            return StrategySignal(.short, strength: 0.5 + (pc - pu) / atr / 2, reason: "close back inside the upper Keltner band")
        }
        return .neutral
    }
}
