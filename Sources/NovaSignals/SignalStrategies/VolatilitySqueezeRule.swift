/// Volatility squeeze (weight 0.12). The squeeze is on while the Bollinger bands (20, 2) sit
/// inside a Keltner channel (EMA 20 ± 1.5 x ATR 20). When a squeeze of at least `minBars` bars
/// releases, go with the momentum: long if the close is above SMA(20), short if below.
/// Strength grows with the squeeze's length (full at 3 x minBars).
public struct VolatilitySqueezeRule: SignalRule {
    public static let kind = SignalStrategyKind.volatilitySqueeze
    public var minBars = 6
    private var squeezeBars = 0
    public init() {}

    public mutating func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let bu = ind.bands.upper, let bl = ind.bands.lower, let ku = ind.squeezeKeltner.upper, let kl = ind.squeezeKeltner.lower,
              let mid = ind.sma20.value else { return .neutral }
        let on = bu < ku && bl > kl
        defer { squeezeBars = on ? squeezeBars + 1 : 0 }
        guard !on, squeezeBars >= minBars else { return .neutral }
        let strength = 0.4 + Double(squeezeBars) / Double(minBars * 5)
        let c = ind.bar.close
        if c > mid { return StrategySignal(.long, strength: strength, reason: "squeeze of \(squeezeBars) bars released upward") }
        if c < mid { return StrategySignal(.short, strength: strength, reason: "squeeze of \(squeezeBars) bars released downward") }
        return .neutral
    }
}
