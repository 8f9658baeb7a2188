import NovaCore

/// Runs one of the nine strategies alone as a trading strategy (`--strategy NAME`): enter long
/// on its long signal (short on its short signal, when `direction` allows), with ATR stop and
/// target (floors as in confluence), exit on the opposite signal. No confluence, timeframes or filters: for studying one rule in isolation.
public struct SingleRuleStrategy<R: SignalRule>: Strategy {
    public var name: String { R.kind.rawValue }
    private var indicators = TimeframeIndicators()
    public let slATR: Double, tpATR: Double, slFloorPct: Double, tpFloorPct: Double
    /// Which signals open a position (`backtest.direction`); an opposite signal always closes one.
    public let direction: TradeDirection

    public init(rule: R.Type, slATR: Double = 2, tpATR: Double = 3, slFloorPct: Double = 0.025, tpFloorPct: Double = 0.05,
                direction: TradeDirection = .long) {
        self.slATR = slATR; self.tpATR = tpATR; self.slFloorPct = slFloorPct; self.tpFloorPct = tpFloorPct
        self.direction = direction
    }

    public mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        indicators.update(bar)
        let s = R.evaluate(indicators)
        let atr = indicators.atr.value ?? 0
        switch (s.direction, position) {
        case (.long, .flat) where direction.allowsLong:
            let stop = max(slATR * atr, slFloorPct * bar.close), target = max(tpATR * atr, tpFloorPct * bar.close)
            return .enterLong(stopLoss: bar.close - stop, takeProfit: bar.close + target, strength: s.strength, reason: s.reason)
        case (.short, .flat) where direction.allowsShort:
            let stop = max(slATR * atr, slFloorPct * bar.close), target = max(tpATR * atr, tpFloorPct * bar.close)
            return .enterShort(stopLoss: bar.close + stop, takeProfit: bar.close - target, strength: s.strength, reason: s.reason)
        case (.short, .long):
            return .exitLong(reason: s.reason)
        case (.long, .short):
            return .exitShort(reason: s.reason)
        default:
            return .none
        }
    }
}
