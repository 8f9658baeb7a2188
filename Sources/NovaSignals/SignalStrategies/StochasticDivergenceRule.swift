/// Stochastic divergence (weight 0.12). Looks at the lowest (highest) close of the previous 20
/// bars and the slow %K on that bar (`TimeframeIndicators.swingHistory`). Bullish: a close below
/// that earlier low while %K is above its earlier value and below 30 (price makes a lower low,
/// momentum does not) -> long. Bearish: the mirror above 70 -> short. Strength by the %K gap
/// (full at 20 points).
public struct StochasticDivergenceRule: SignalRule {
    public static let kind = SignalStrategyKind.stochasticDivergence

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let k = ind.stochastic.k, let (lowClose, lowK, highClose, highK) = ind.swingExtremes else { return .neutral }
        let c = ind.bar.close
        if c < lowClose && k > lowK && k < 30 {
            return StrategySignal(.long, strength: 0.5 + (k - lowK) / 40, reason: "bullish stochastic divergence")
        }
        if c > highClose && k < highK && k > 70 {
            return StrategySignal(.short, strength: 0.5 + (highK - k) / 40, reason: "bearish stochastic divergence")
        }
        return .neutral
    }
}
