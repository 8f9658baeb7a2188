import NovaCore

/// Which way a strategy leans on a bar.
public enum SignalDirection: String, Sendable, Codable, Equatable {
    case long, short, neutral

    public var opposite: SignalDirection {
        switch self {
        case .long: return .short
        case .short: return .long
        case .neutral: return .neutral
        }
    }
}

/// One strategy's opinion on one closed bar of one timeframe.
public struct StrategySignal: Sendable, Equatable {
    public var direction: SignalDirection
    /// 0-1: how strongly the rule fired.
    public var strength: Double
    /// A fixed sentence (a static string: no allocation or reference counting per bar).
    public var reasonText: StaticString
    public var reason: String { reasonText.description }

    public init(_ direction: SignalDirection, strength: Double, reason: StaticString) {
        self.direction = direction
        self.strength = min(1, max(0, strength))
        self.reasonText = reason
    }

    public static func == (a: StrategySignal, b: StrategySignal) -> Bool {
        a.direction == b.direction && a.strength == b.strength && a.reasonText.description == b.reasonText.description
    }

    public static let neutral = StrategySignal(.neutral, strength: 0, reason: "")
}

/// The nine NovaPulse strategies with the seed's confluence weights, and the family each
/// belongs to (the regime multiplier favours trend followers in trends and faders in ranges).
public enum SignalStrategyKind: String, CaseIterable, Sendable, Codable {
    case keltner, meanReversion = "mean_reversion", ichimoku, orderFlow = "order_flow", trend
    case stochasticDivergence = "stochastic_divergence", volatilitySqueeze = "volatility_squeeze", supertrend, reversal

    public var defaultWeight: Double {
        switch self {
        case .keltner: return 0.30
        case .meanReversion: return 0.25
        case .ichimoku, .orderFlow, .trend: return 0.15
        case .stochasticDivergence, .volatilitySqueeze: return 0.12
        case .supertrend, .reversal: return 0.10
        }
    }

    /// `allCases` built once (the synthesized property makes a new array on every call).
    public static let ordered: [SignalStrategyKind] = allCases.map { $0 }
    /// `followsTrend` of each, in `ordered` order.
    public static let followsTrendByIndex: [Bool] = ordered.map(\.followsTrend)

    /// Trend followers gain in a trend regime; faders (mean reversion) gain in a range.
    public var followsTrend: Bool {
        switch self {
        case .ichimoku, .trend, .volatilitySqueeze, .supertrend, .orderFlow: return true
        case .keltner, .meanReversion, .stochasticDivergence, .reversal: return false
        }
    }
}
