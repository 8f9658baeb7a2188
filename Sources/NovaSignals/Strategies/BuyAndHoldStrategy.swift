import NovaCore

/// Buys on the first bar and holds: the benchmark every strategy must beat. The entry fills
/// at the second bar's open (decisions fill at the next bar), and the position stays open to
/// the end unless the run closes positions at the end.
public struct BuyAndHoldStrategy: Strategy {
    public struct Config: Codable, Sendable, Equatable { public init() {} }
    public var name: String { "buy_and_hold" }
    private var entered = false

    public init(config: Config = Config()) {}

    public mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        guard !entered, position == .flat else { return .none }
        entered = true
        return .enterLong(stopLoss: nil, takeProfit: nil, strength: 1, reason: "buy and hold")
    }
}
