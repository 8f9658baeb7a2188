/// Supertrend (weight 0.10). Goes with the Supertrend(10, 3) direction: strength 1 on the bar it
/// flips, 0.5 while it holds.
public struct SupertrendRule: SignalRule {
    public static let kind = SignalStrategyKind.supertrend

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        guard let d = ind.supertrend.direction, let prev = ind.previousSupertrendDirection else { return .neutral }
        let flipped = d != prev
        if d == 1 { return StrategySignal(.long, strength: flipped ? 1 : 0.5, reason: flipped ? "Supertrend turned up" : "Supertrend up") }
        return StrategySignal(.short, strength: flipped ? 1 : 0.5, reason: flipped ? "Supertrend turned down" : "Supertrend down")
    }
}
