import Foundation
import NovaCore

/// Position sizing as the seed's RiskManager does it, one factor at a time so each can be
/// checked by hand and recorded with the trade.
///
/// 1. Fixed fractional (the primary): risk `riskPerTrade` of equity between entry and stop:
///    `notional = equity x riskPerTrade / stop distance (fraction of price)`.
/// 2. Kelly cap, once `kellyMinTrades` trades have closed: with win rate W and payoff
///    R = average win / average loss over the last `kellyLookback` trades,
///    `f* = W - (1 - W) / R`; the notional may not exceed `kellyFraction x f* x equity`
///    (no trade at all when f* <= 0: no measured edge).
/// 3. Drawdown scaling: full size up to `drawdownStart` below the equity peak, then linearly
///    down to `drawdownMinFactor` at `drawdownFull`.
/// 4. Volatility regime: x `highVolFactor` / 1 / `lowVolFactor` for high / mid / low volatility.
/// 5. Streak: after `streakLength` consecutive losses x `lossStreakFactor`; after as many wins
///    x `winStreakFactor`.
/// 6. Caps: at most `maxPositionPct` of equity and the cash available (fee included); then the
///    venue's lot rules: units rounded down to `unitIncrement`, refused under `minUnits` or
///    `minCost`.
public struct PositionSizer: Sendable, Codable {
    public struct Config: Codable, Sendable, Equatable {
        public var riskPerTrade = 0.01
        public var maxPositionPct = 0.25
        public var kellyFraction = 0.5
        public var kellyMinTrades = 20
        public var kellyLookback = 50
        public var drawdownStart = 0.05
        public var drawdownFull = 0.20
        public var drawdownMinFactor = 0.25
        public var highVolFactor = 0.6
        public var lowVolFactor = 1.2
        public var streakLength = 3
        public var lossStreakFactor = 0.5
        public var winStreakFactor = 1.2
        public init() {}
        // Risk per trade and the position cap live in the config's `risk` section itself.
        enum CodingKeys: String, CodingKey {
            case kellyFraction = "kelly_fraction", kellyMinTrades = "kelly_min_trades", kellyLookback = "kelly_lookback"
            case drawdownStart = "drawdown_start", drawdownFull = "drawdown_full", drawdownMinFactor = "drawdown_min_factor"
            case highVolFactor = "high_vol_factor", lowVolFactor = "low_vol_factor", streakLength = "streak_length"
            case lossStreakFactor = "loss_streak_factor", winStreakFactor = "win_streak_factor"
        }
        /// Fields set from other sections: written only in a checkpoint (`CodingUserInfoKey.checkpoint`).
        private enum CheckpointKeys: String, CodingKey { case riskPerTrade, maxPositionPct }

        public init(from decoder: any Decoder) throws {
            self.init()
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try c.update(&kellyFraction, .kellyFraction)
            try c.update(&kellyMinTrades, .kellyMinTrades)
            try c.update(&kellyLookback, .kellyLookback)
            try c.update(&drawdownStart, .drawdownStart)
            try c.update(&drawdownFull, .drawdownFull)
            try c.update(&drawdownMinFactor, .drawdownMinFactor)
            try c.update(&highVolFactor, .highVolFactor)
            try c.update(&lowVolFactor, .lowVolFactor)
            try c.update(&streakLength, .streakLength)
            try c.update(&lossStreakFactor, .lossStreakFactor)
            try c.update(&winStreakFactor, .winStreakFactor)
            if decoder.isCheckpoint {
                let x = try decoder.container(keyedBy: CheckpointKeys.self)
                try x.update(&riskPerTrade, .riskPerTrade)
                try x.update(&maxPositionPct, .maxPositionPct)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kellyFraction, forKey: .kellyFraction)
            try c.encode(kellyMinTrades, forKey: .kellyMinTrades)
            try c.encode(kellyLookback, forKey: .kellyLookback)
            try c.encode(drawdownStart, forKey: .drawdownStart)
            try c.encode(drawdownFull, forKey: .drawdownFull)
            try c.encode(drawdownMinFactor, forKey: .drawdownMinFactor)
            try c.encode(highVolFactor, forKey: .highVolFactor)
            try c.encode(lowVolFactor, forKey: .lowVolFactor)
            try c.encode(streakLength, forKey: .streakLength)
            try c.encode(lossStreakFactor, forKey: .lossStreakFactor)
            try c.encode(winStreakFactor, forKey: .winStreakFactor)
            if encoder.isCheckpoint {
                var x = encoder.container(keyedBy: CheckpointKeys.self)
                try x.encode(riskPerTrade, forKey: .riskPerTrade)
                try x.encode(maxPositionPct, forKey: .maxPositionPct)
            }
        }
    }

    /// The venue's order-size rules for a pair.
    public struct LotRules: Sendable, Equatable, Codable {
        public var unitIncrement: Double
        public var minUnits: Double
        public var minCost: Double
        public init(unitIncrement: Double = 0, minUnits: Double = 0, minCost: Double = 0) {
            self.unitIncrement = unitIncrement
            self.minUnits = minUnits
            self.minCost = minCost
        }
    }

    /// What the sizer knows of the account and the market at decision time.
    public struct Context: Sendable, Codable {
        public var equity: Double
        public var peakEquity: Double
        public var cash: Double
        public var price: Double
        public var stopPrice: Double
        public var feeRate: Double
        public var volatilityRegime: String?
        /// Net P&L of the most recent closed trades, oldest first (the streak factor).
        public var recentPnL: [Double]
        /// The outcomes the edge estimate (Kelly) is measured on, oldest first: closed trades and,
        /// while entries are refused, their shadow trades. nil: `recentPnL`.
        public var edgePnL: [Double]?
        public init(equity: Double, peakEquity: Double, cash: Double, price: Double, stopPrice: Double, feeRate: Double,
                    volatilityRegime: String? = nil, recentPnL: [Double] = [], edgePnL: [Double]? = nil) {
            self.equity = equity; self.peakEquity = peakEquity; self.cash = cash; self.price = price
            self.stopPrice = stopPrice; self.feeRate = feeRate; self.volatilityRegime = volatilityRegime; self.recentPnL = recentPnL
            self.edgePnL = edgePnL
        }
    }

    /// The size and every factor that shaped it.
    public struct Decision: Sendable, Equatable, Codable {
        public var units: Double
        public var notional: Double
        /// Equity lost if the stop is hit (before fees).
        public var riskAmount: Double
        public var baseNotional: Double
        public var kellyFraction: Double?
        public var drawdownFactor: Double
        public var volatilityFactor: Double
        public var streakFactor: Double
        /// The binding cap, if one cut the size ("max_position", "cash", "kelly").
        public var cappedBy: String?
        /// Why no order at all, if so.
        public var refusal: String?
        /// The size before the Kelly cap and the venue's rules (what a shadow trade is given
        /// when Kelly refuses).
        public var uncappedNotional = 0.0
    }

    public let config: Config
    public init(config: Config = Config()) { self.config = config }

    public func size(_ c: Context, lots: LotRules = LotRules()) -> Decision {
        let stopFraction = abs(c.price - c.stopPrice) / c.price
        var d = Decision(units: 0, notional: 0, riskAmount: 0, baseNotional: 0, kellyFraction: nil, drawdownFactor: 1,
                         volatilityFactor: 1, streakFactor: 1, cappedBy: nil, refusal: nil)
        guard c.equity > 0, c.price > 0, stopFraction > 0 else {
            d.refusal = "no stop distance or no equity"
            return d
        }
        d.baseNotional = c.equity * config.riskPerTrade / stopFraction

        // Drawdown scaling.
        let drawdown = c.peakEquity > 0 ? max(0, 1 - c.equity / c.peakEquity) : 0
        if drawdown > config.drawdownStart {
            let t = min(1, (drawdown - config.drawdownStart) / (config.drawdownFull - config.drawdownStart))
            d.drawdownFactor = 1 - t * (1 - config.drawdownMinFactor)
        }
        // Volatility regime.
        switch c.volatilityRegime {
        case "high_vol": d.volatilityFactor = config.highVolFactor
        case "low_vol": d.volatilityFactor = config.lowVolFactor
        default: break
        }
        // Streak.
        let n = config.streakLength
        if n > 0 && c.recentPnL.count >= n {
            let last = c.recentPnL.suffix(n)
            if last.allSatisfy({ $0 <= 0 }) { d.streakFactor = config.lossStreakFactor }
            else if last.allSatisfy({ $0 > 0 }) { d.streakFactor = config.winStreakFactor }
        }
        var notional = d.baseNotional * d.drawdownFactor * d.volatilityFactor * d.streakFactor
        d.uncappedNotional = min(notional, config.maxPositionPct * c.equity)

        // Kelly cap.
        let outcomes = c.edgePnL ?? c.recentPnL
        let window = outcomes.suffix(config.kellyLookback)
        if outcomes.count >= config.kellyMinTrades {
            let wins = window.filter { $0 > 0 }, losses = window.filter { $0 <= 0 }
            let w = Double(wins.count) / Double(window.count)
            let avgWin = wins.isEmpty ? 0 : wins.reduce(0, +) / Double(wins.count)
            let avgLoss = losses.isEmpty ? 0 : -losses.reduce(0, +) / Double(losses.count)
            let f: Double
            if avgLoss == 0 { f = 1 } else if avgWin == 0 { f = -1 } else { f = w - (1 - w) / (avgWin / avgLoss) }
            d.kellyFraction = f
            guard f > 0 else {
                d.refusal = "Kelly fraction \(NumberText.fixed(f, digits: 3)) <= 0: no measured edge"
                return d
            }
            let cap = config.kellyFraction * f * c.equity
            if notional > cap { notional = cap; d.cappedBy = "kelly" }
        }
        // Position and cash caps (the fee must fit in the cash).
        let maxNotional = config.maxPositionPct * c.equity
        if notional > maxNotional { notional = maxNotional; d.cappedBy = "max_position" }
        let cashNotional = c.cash / (1 + c.feeRate)
        if notional > cashNotional { notional = cashNotional; d.cappedBy = "cash" }

        var units = notional / c.price
        if lots.unitIncrement > 0 { units = (units / lots.unitIncrement).rounded(.down) * lots.unitIncrement }
        if units <= 0 || units < lots.minUnits {
            d.refusal = "size \(units) below the venue minimum of \(lots.minUnits) units"
            return d
        }
        if units * c.price < lots.minCost {
            d.refusal = "cost \(units * c.price) below the venue minimum of \(lots.minCost)"
            return d
        }
        d.units = units
        d.notional = units * c.price
        d.riskAmount = units * abs(c.price - c.stopPrice)
        return d
    }
}
