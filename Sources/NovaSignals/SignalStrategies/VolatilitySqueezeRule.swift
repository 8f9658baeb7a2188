/// Volatility squeeze (weight 0.12). The squeeze is on while the Bollinger bands (20, 2) sit
/// inside a Keltner channel (EMA 20 ± 1.5 x ATR 20). When a squeeze of at least 6 bars
/// releases, go with the momentum: long if the close is above SMA(20), short if below.
/// Strength grows with the squeeze's length (0.4 + bars / 30).
public struct VolatilitySqueezeRule: SignalRule {
    public static let kind = SignalStrategyKind.volatilitySqueeze
    public static let minBars = 6

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard ind.squeezeKnown, !ind.squeezeOn, ind.squeezeRunBefore >= minBars, let mid = ind.sma20Value else { return .neutral }
        let strength = 0.4 + Double(ind.squeezeRunBefore) / Double(minBars * 5)
        let c = ind.bar.close
        if c > mid { return StrategySignal(.long, strength: strength, reason: "volatility squeeze released upward") }
        if c < mid { return StrategySignal(.short, strength: strength, reason: "volatility squeeze released downward") }
        return .neutral
    }
}
