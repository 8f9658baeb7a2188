import NovaCore

/// Runs one of the nine strategies alone as a trading strategy (`--strategy NAME`): enter long
/// on its long signal, with ATR stop and target (floors as in confluence), exit on its short
/// signal. No confluence, timeframes or filters: for studying one rule in isolation.
public struct SingleRuleStrategy<R: SignalRule>: Strategy {
    public var name: String { R.kind.rawValue }
    private var indicators = TimeframeIndicators()
    public let slATR: Double, tpATR: Double, slFloorPct: Double, tpFloorPct: Double

    public init(rule: R.Type, slATR: Double = 2, tpATR: Double = 3, slFloorPct: Double = 0.025, tpFloorPct: Double = 0.05) {
        self.slATR = slATR; self.tpATR = tpATR; self.slFloorPct = slFloorPct; self.tpFloorPct = tpFloorPct
    }

    public mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        indicators.update(bar)
        let s = R.evaluate(indicators)
        switch (s.direction, position) {
        case (.long, .flat):
            let atr = indicators.atr.value ?? 0
            let stop = max(slATR * atr, slFloorPct * bar.close), target = max(tpATR * atr, tpFloorPct * bar.close)
            return .enterLong(stopLoss: bar.close - stop, takeProfit: bar.close + target, strength: s.strength, reason: s.reason)
        case (.short, .long):
            return .exitLong(reason: s.reason)
        default:
            return .none
        }
    }
}
