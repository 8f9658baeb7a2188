import NovaCore

/// Keltner channel bounce, the seed's top-weighted strategy (weight 0.30).
///
/// Channel: middle = EMA(`emaPeriod`) of close; upper/lower = middle ± `multiplier` × ATR
/// (Wilder, `atrPeriod`). Rule (long only until shorting venues land): when the previous close
/// was below the lower band and this close is back inside it, enter long, expecting reversion
/// toward the middle. Stop-loss and take-profit follow the seed's risk rules: ATR-based
/// distances (`slATR` × ATR, `tpATR` × ATR) with percentage floors (2.5% and 5.0% by
/// default), so the stop is never tighter than the floor. Exit early when a close reaches
/// the upper band (the move is spent). Strength grows with how far below the band price was.
public struct KeltnerStrategy: Strategy {
    public struct Config: Codable, Sendable, Equatable {
        public var emaPeriod: Int = 20
        public var atrPeriod: Int = 14
        public var multiplier: Double = 2.0
        public var slATR: Double = 2.0
        public var tpATR: Double = 3.0
        public var slFloorPct: Double = 0.025
        public var tpFloorPct: Double = 0.05
        public init() {}

        enum CodingKeys: String, CodingKey {
            case emaPeriod = "ema_period", atrPeriod = "atr_period", multiplier
            case slATR = "sl_atr", tpATR = "tp_atr"
            // The floors come from the risk section (stop_loss_floor_pct, take_profit_floor_pct).
        }
        /// Fields set from other sections: written only in a checkpoint (`CodingUserInfoKey.checkpoint`).
        private enum CheckpointKeys: String, CodingKey { case slFloorPct, tpFloorPct }

        public init(from decoder: any Decoder) throws {
            self.init()
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try c.update(&emaPeriod, .emaPeriod)
            try c.update(&atrPeriod, .atrPeriod)
            try c.update(&multiplier, .multiplier)
            try c.update(&slATR, .slATR)
            try c.update(&tpATR, .tpATR)
            if decoder.isCheckpoint {
                let x = try decoder.container(keyedBy: CheckpointKeys.self)
                try x.update(&slFloorPct, .slFloorPct)
                try x.update(&tpFloorPct, .tpFloorPct)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(emaPeriod, forKey: .emaPeriod)
            try c.encode(atrPeriod, forKey: .atrPeriod)
            try c.encode(multiplier, forKey: .multiplier)
            try c.encode(slATR, forKey: .slATR)
            try c.encode(tpATR, forKey: .tpATR)
            if encoder.isCheckpoint {
                var x = encoder.container(keyedBy: CheckpointKeys.self)
                try x.encode(slFloorPct, forKey: .slFloorPct)
                try x.encode(tpFloorPct, forKey: .tpFloorPct)
            }
        }
    }

    public var name: String { "keltner_channel" }
    private let config: Config
    private var ema: EMA
    private var atr: ATR
    private var previousBelow = false
    private var previousDepth = 0.0

    public init(config: Config) {
        self.config = config
        ema = EMA(period: config.emaPeriod)
        atr = ATR(period: config.atrPeriod)
    }

    public mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        ema.update(bar.close)
        atr.update(high: bar.high, low: bar.low, close: bar.close)
        guard let mid = ema.value, let a = atr.value, a > 0 else { return .none }
        let lower = mid - config.multiplier * a
        let upper = mid + config.multiplier * a
        let below = bar.close < lower
        defer {
            previousBelow = below
            previousDepth = below ? (lower - bar.close) / a : 0
        }
        if case .long = position, bar.close >= upper {
            return .exitLong(reason: "close reached the upper Keltner band")
        }
        if position == .flat, previousBelow, !below {
            let slDistance = max(config.slATR * a, config.slFloorPct * bar.close)
            let tpDistance = max(config.tpATR * a, config.tpFloorPct * bar.close)
            let strength = min(1, 0.5 + previousDepth / 2)
            return .enterLong(stopLoss: bar.close - slDistance, takeProfit: bar.close + tpDistance, strength: strength,
                              reason: "close back inside the lower Keltner band")
        }
        return .none
    }
}
