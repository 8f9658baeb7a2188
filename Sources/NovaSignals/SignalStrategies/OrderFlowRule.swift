/// Order flow (weight 0.15). With candles only, buying and selling pressure is read from where
/// each bar closes in its range, weighted by volume, over 20 bars (-1 .. +1): long above
/// +0.25, short below -0.25, strength by the excess. Order-book imbalance (OBI) and book score
/// replace this proxy once book snapshots are replayed alongside the bars.
public struct OrderFlowRule: SignalRule {
    public static let kind = SignalStrategyKind.orderFlow
    public static let threshold = 0.25

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let f = ind.flowBalance else { return .neutral }
        if f > threshold { return StrategySignal(.long, strength: 0.5 + (f - threshold), reason: "volume closing near the highs (buy pressure)") }
        if f < -threshold { return StrategySignal(.short, strength: 0.5 + (-f - threshold), reason: "volume closing near the lows (sell pressure)") }
        return .neutral
    }
}
