import NovaCore

/// The strategies a run can name, and how to build them.
///
/// The engine is generic over `Strategy` so each strategy's `onBar` is specialised and inlined
/// in the hot loop. Choosing one by name happens once, at the edge: `StrategyCatalog.visit`
/// hands the chosen concrete type to a generic visitor.
public enum StrategyCatalog {
    /// `confluence` is the full stack; the nine strategies can run alone (each exactly the rule
    /// the confluence weighs); `keltner_channel` is a configurable channel strategy; `sma_cross`
    /// and `buy_and_hold` are baselines for checking the engine against other tools.
    public static let names = ["confluence", "keltner", "keltner_channel", "mean_reversion", "ichimoku", "order_flow", "trend", "stochastic_divergence",
                               "volatility_squeeze", "supertrend", "reversal", "sma_cross", "buy_and_hold"]

    /// Something that runs with whatever concrete strategy type the user chose.
    public protocol Visitor {
        associatedtype Output
        func visit<S: Strategy>(_ make: @escaping @Sendable () -> S) throws -> Output
    }

    public static func visit<V: Visitor>(_ name: String, params: StrategyParams, _ visitor: V) throws -> V.Output {
        switch name {
        // One Keltner: `keltner` is the rule the confluence weighs, run alone like the other
        // eight; the channel strategy with its own bands and ATR stops has a name of its own.
        case "keltner": return try single(KeltnerRule.self, params, visitor)
        case "keltner_channel":
            let c = params.keltner
            return try visitor.visit { KeltnerStrategy(config: c) }
        case "sma_cross":
            let c = params.smaCross
            return try visitor.visit { SMACrossStrategy(config: c) }
        case "buy_and_hold":
            return try visitor.visit { BuyAndHoldStrategy() }
        case "confluence":
            let c = params.confluence
            return try visitor.visit { ConfluenceStrategy(config: c) }
        case "mean_reversion": return try single(MeanReversionRule.self, params, visitor)
        case "ichimoku": return try single(IchimokuRule.self, params, visitor)
        case "order_flow": return try single(OrderFlowRule.self, params, visitor)
        case "trend": return try single(TrendRule.self, params, visitor)
        case "stochastic_divergence": return try single(StochasticDivergenceRule.self, params, visitor)
        case "volatility_squeeze": return try single(VolatilitySqueezeRule.self, params, visitor)
        case "supertrend": return try single(SupertrendRule.self, params, visitor)
        case "reversal": return try single(ReversalRule.self, params, visitor)
        default:
            preconditionFailure("unknown strategy \(name): validate names with StrategyCatalog.names first")
        }
    }
}

extension StrategyCatalog {
    static func single<R: SignalRule, V: Visitor>(_ rule: R.Type, _ params: StrategyParams, _ visitor: V) throws -> V.Output {
        let c = params.confluence
        return try visitor.visit {
            SingleRuleStrategy(rule: rule, slATR: c.slATR, tpATR: c.tpATR, slFloorPct: c.slFloorPct, tpFloorPct: c.tpFloorPct, direction: c.direction)
        }
    }
}

/// Parameters of every built-in strategy (one `Config` each).
public struct StrategyParams: Sendable, Equatable {
    public var keltner = KeltnerStrategy.Config()
    public var smaCross = SMACrossStrategy.Config()
    public var confluence = ConfluenceStrategy.Config()
    public init(keltner: KeltnerStrategy.Config = .init(), smaCross: SMACrossStrategy.Config = .init(),
                confluence: ConfluenceStrategy.Config = .init()) {
        self.keltner = keltner
        self.smaCross = smaCross
        self.confluence = confluence
    }
}
