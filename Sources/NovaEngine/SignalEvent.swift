import NovaCore
import NovaSignals

/// A strategy's non-neutral decision and what became of it: acted upon (an order went to the
/// venue), or the reason it was not. Every decision is kept, so a run can answer "why not?".
public struct SignalEvent: Sendable, Equatable, Codable {
    /// What the strategy asked for; `none` for a confluence evaluation that a filter stopped.
    public enum Action: String, Sendable, Codable {
        case enterLong = "enter_long", exitLong = "exit_long", enterShort = "enter_short", exitShort = "exit_short", none
        public var isEntry: Bool { self == .enterLong || self == .enterShort }
        public var isExit: Bool { self == .exitLong || self == .exitShort }
    }

    public var timestampMs: Int64
    public var pair: Pair
    public var strategy: String
    public var action: Action
    public var strength: Double
    public var actedUpon: Bool
    /// The strategy's reason for the signal.
    public var reason: String
    /// Why it was not acted upon (nil when it was).
    public var rejection: String?
    /// The confluence behind the decision (the full stack), with every field of the seed's
    /// `ConfluenceSignal`; nil for single-rule strategies.
    public var confluence: ConfluenceSignal?

    public init(timestampMs: Int64, pair: Pair, strategy: String, action: Action, strength: Double, actedUpon: Bool,
                reason: String, rejection: String?, confluence: ConfluenceSignal? = nil) {
        self.timestampMs = timestampMs
        self.pair = pair
        self.strategy = strategy
        self.action = action
        self.strength = strength
        self.actedUpon = actedUpon
        self.reason = reason
        self.rejection = rejection
        self.confluence = confluence
    }

    /// "long", "short" (or "neutral"): the side the decision leans to.
    public var direction: String {
        if let c = confluence { return c.direction.rawValue }
        return action == .exitLong || action == .enterShort ? "short" : "long"
    }
}
