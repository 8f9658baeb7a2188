import NovaCore

/// One voting part of a strategy as an operator sees it (the status endpoint's
/// `/api/v1/strategies`): its weight, and whether a guardrail has it sitting out.
public struct StrategyComponent: Sendable, Equatable {
    public var name: String
    public var weight: Double
    /// Configured on (a weight above zero).
    public var enabled: Bool
    /// Bars still to sit out under a guardrail cooldown; 0: voting.
    public var disabledForBars: Int
    /// The performance factor applied to its votes (0.5 to 1.5; 1 until it has enough trades).
    public var performance: Double

    public init(name: String, weight: Double, enabled: Bool, disabledForBars: Int = 0, performance: Double = 1) {
        self.name = name; self.weight = weight; self.enabled = enabled
        self.disabledForBars = disabledForBars; self.performance = performance
    }
}

extension Strategy {
    /// A single-rule strategy is one component with the whole weight.
    public var components: [StrategyComponent] { [StrategyComponent(name: name, weight: 1, enabled: true)] }
}
