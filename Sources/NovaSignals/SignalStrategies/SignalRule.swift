/// One of the nine NovaPulse strategies as the confluence detector runs it: it reads the shared
/// indicators of one timeframe after each closed bar and gives its opinion. Rules keep only the
/// little state they need (a counter, a swing point); O(1), no allocation.
public protocol SignalRule: Sendable {
    static var kind: SignalStrategyKind { get }
    mutating func evaluate(_ ind: TimeframeIndicators) -> StrategySignal
}
