/// One of the nine NovaPulse strategies as the confluence detector runs it: it reads the shared
/// indicators of one timeframe after each closed bar and gives its opinion. Rules are pure
/// functions of those indicators (the little history some need, such as recent swing points or
/// the squeeze count, is kept in `TimeframeIndicators`), so evaluating nine of them copies
/// nothing: O(1), no allocation.
public protocol SignalRule: Sendable, Codable {
    static var kind: SignalStrategyKind { get }
    static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal
}
