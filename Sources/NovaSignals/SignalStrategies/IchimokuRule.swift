/// Ichimoku (weight 0.15). Long when the close is above the cloud (the senkou spans computed 26
/// bars ago) and tenkan > kijun; short when below the cloud and tenkan < kijun. Strength grows
/// with the distance from the cloud in ATRs (full at 2).
public struct IchimokuRule: SignalRule {
    public static let kind = SignalStrategyKind.ichimoku

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let top = ind.cloudTop, let bottom = ind.cloudBottom, let t = ind.ichimoku.tenkan, let k = ind.ichimoku.kijun,
              let atr = ind.atr.value, atr > 0 else { return .neutral }
        let c = ind.bar.close
        if c > top && t > k { return StrategySignal(.long, strength: 0.4 + (c - top) / atr * 0.3, reason: "above the cloud, tenkan over kijun") }
        if c < bottom && t < k { return StrategySignal(.short, strength: 0.4 + (bottom - c) / atr * 0.3, reason: "below the cloud, tenkan under kijun") }
        return .neutral
    }
}
