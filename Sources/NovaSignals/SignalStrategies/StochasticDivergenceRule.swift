/// Stochastic divergence (weight 0.12). Keeps the lowest (highest) close of the last `lookback`
/// bars with the slow %K at that bar. Bullish: a close below that earlier low while %K is above
/// its earlier value and below 30 (price makes a lower low, momentum does not) -> long. Bearish:
/// the mirror above 70 -> short. Strength by the %K gap (full at 20 points).
public struct StochasticDivergenceRule: SignalRule {
    public static let kind = SignalStrategyKind.stochasticDivergence
    public let lookback = 20
    private var closes: [Double]
    private var ks: [Double]
    private var head = 0, filled = 0
    public init() {
        closes = Array(repeating: 0, count: 20)
        ks = Array(repeating: 0, count: 20)
    }

    public mutating func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let k = ind.stochastic.k else { return .neutral }
        let c = ind.bar.close
        defer {
            closes[head] = c; ks[head] = k
            head = (head + 1) % lookback
            filled = min(filled + 1, lookback)
        }
        guard filled == lookback else { return .neutral }
        var lowIndex = 0, highIndex = 0
        for i in 1..<lookback {
            if closes[i] < closes[lowIndex] { lowIndex = i }
            if closes[i] > closes[highIndex] { highIndex = i }
        }
        if c < closes[lowIndex] && k > ks[lowIndex] && k < 30 {
            return StrategySignal(.long, strength: 0.5 + (k - ks[lowIndex]) / 40, reason: "bullish stochastic divergence")
        }
        if c > closes[highIndex] && k < ks[highIndex] && k > 70 {
            return StrategySignal(.short, strength: 0.5 + (ks[highIndex] - k) / 40, reason: "bearish stochastic divergence")
        }
        return .neutral
    }
}
