import NovaCore

/// The strategies a run can name, and how to build them.
///
/// The engine is generic over `Strategy` so each strategy's `onBar` is specialised and inlined
/// in the hot loop. Choosing one by name happens once, at the edge: `StrategyCatalog.visit`
/// hands the chosen concrete type to a generic visitor.
public enum StrategyCatalog {
    public static let names = ["keltner", "sma_cross", "buy_and_hold"]

    /// Something that runs with whatever concrete strategy type the user chose.
    public protocol Visitor {
        associatedtype Output
        func visit<S: Strategy>(_ make: @escaping @Sendable () -> S) throws -> Output
    }

    public static func visit<V: Visitor>(_ name: String, params: StrategyParams, _ visitor: V) throws -> V.Output {
        switch name {
        case "keltner":
            let c = params.keltner
            return try visitor.visit { KeltnerStrategy(config: c) }
        case "sma_cross":
            let c = params.smaCross
            return try visitor.visit { SMACrossStrategy(config: c) }
        case "buy_and_hold":
            return try visitor.visit { BuyAndHoldStrategy() }
        default:
            preconditionFailure("unknown strategy \(name): validate names with StrategyCatalog.names first")
        }
    }
}

/// Parameters of every built-in strategy (one `Config` each).
public struct StrategyParams: Codable, Sendable, Equatable {
    public var keltner = KeltnerStrategy.Config()
    public var smaCross = SMACrossStrategy.Config()
    public init(keltner: KeltnerStrategy.Config = .init(), smaCross: SMACrossStrategy.Config = .init()) {
        self.keltner = keltner
        self.smaCross = smaCross
    }
}
