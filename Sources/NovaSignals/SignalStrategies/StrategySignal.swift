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

/// Codable for the live checkpoint. A `StaticString` cannot be made from decoded text, so a
/// reason decodes to the same literal looked up in `knownReasons`; a reason the table lacks is
/// a decoding error (the checkpoint is then not used, never wrong). `StrategySignalTests`
/// checks that every literal a rule gives is in the table.
extension StrategySignal: Codable {
    /// Every reason a rule can give.
    public static let knownReasons: [StaticString] = [
        "",
        "EMA20 over EMA50 with ADX at or above 25",
        "EMA20 under EMA50 with ADX at or above 25",
        "RSI back above 30 on a bullish engulfing bar",
        "RSI back below 70 on a bearish engulfing bar",
        "RSI overbought above the upper Bollinger band",
        "RSI oversold below the lower Bollinger band",
        "Supertrend down",
        "Supertrend turned down",
        "Supertrend turned up",
        "Supertrend up",
        "above the cloud, tenkan over kijun",
        "asks outweigh bids in the book",
        "bearish stochastic divergence",
        "below the cloud, tenkan under kijun",
        "bids outweigh asks in the book",
        "bullish stochastic divergence",
        "close back inside the lower Keltner band",
        "close back inside the upper Keltner band",
        "volatility squeeze released downward",
        "volatility squeeze released upward",
        "volume closing near the highs (buy pressure)",
        "volume closing near the lows (sell pressure)",
    ]
    private static let reasonByText: [String: StaticString] = Dictionary(
        knownReasons.map { ($0.description, $0) }, uniquingKeysWith: { a, _ in a })

    private enum CodingKeys: String, CodingKey { case direction, strength, reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .reason)
        guard let reason = Self.reasonByText[text] else {
            throw DecodingError.dataCorruptedError(forKey: .reason, in: c, debugDescription: "a reason this version does not know: \"\(text)\"")
        }
        self.init(try c.decode(SignalDirection.self, forKey: .direction), strength: try c.decode(Double.self, forKey: .strength), reason: reason)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(direction, forKey: .direction)
        try c.encode(strength, forKey: .strength)
        try c.encode(reason, forKey: .reason)
    }
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
