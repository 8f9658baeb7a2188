import NovaCore

/// Long-only moving-average crossover, the baseline used to check the engine against other
/// tools (backtesting.py's `SmaCross`, vectorbt's MA-cross example).
///
/// Rule: after the bar where the fast SMA crosses above the slow one (previous bar fast < slow,
/// this bar fast > slow) a flat position enters long; after the bar where it crosses below
/// (previous fast > slow, this fast < slow) a long position exits. The engine fills both at the
/// next bar's open. No stop-loss or take-profit.
public struct SMACrossStrategy: Strategy {
    public struct Config: Codable, Sendable, Equatable {
        public var fast: Int = 10
        public var slow: Int = 30
        public init(fast: Int = 10, slow: Int = 30) { self.fast = fast; self.slow = slow }
    }

    public var name: String { "sma_cross" }
    private var fast: SMA
    private var slow: SMA
    private var previousDiff: Double?

    public init(config: Config) {
        fast = SMA(period: config.fast)
        slow = SMA(period: config.slow)
    }

    public mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        fast.update(bar.close)
        slow.update(bar.close)
        guard let f = fast.value, let s = slow.value else { return .none }
        let diff = f - s
        defer { previousDiff = diff }
        guard let prev = previousDiff else { return .none }
        if prev < 0 && diff > 0, position == .flat {
            return .enterLong(stopLoss: nil, takeProfit: nil, strength: 1, reason: "SMA\(fast.period) crossed above SMA\(slow.period)")
        }
        if prev > 0 && diff < 0, case .long = position {
            return .exitLong(reason: "SMA\(fast.period) crossed below SMA\(slow.period)")
        }
        return .none
    }
}
