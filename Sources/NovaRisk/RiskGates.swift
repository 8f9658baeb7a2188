import Foundation
import NovaCore

/// The checks a signal must pass before the executor may open a position, as the seed's
/// RiskManager and TradeExecutor apply them. Each failing check names itself and its numbers;
/// all failures are reported (the first is the one a run records as the reason).
public struct RiskGates: Sendable, Codable {
    public struct Config: Codable, Sendable, Equatable {
        public var maxConcurrentPositions = 5
        /// Total open notional as a fraction of equity.
        public var maxTotalExposurePct = 0.50
        /// Pairs that move together; at most `maxPerGroup` open positions per group.
        public var correlationGroups: [[String]] = [["BTC/USD", "ETH/USD", "BTC/USDT", "ETH/USDT"]]
        public var maxPerGroup = 2
        /// Stop opening positions once the day's realised loss reaches this fraction of equity.
        public var dailyLossLimitPct = 0.05
        /// 0 means no limit.
        public var maxDailyTrades = 0
        /// After any losing trade, no new position for this long.
        public var globalCooldownSeconds = 300.0
        /// After a trade in a pair closes, no new position in that pair for this long.
        public var pairCooldownSeconds = 900.0
        /// A signal older than this is stale.
        public var maxSignalAgeSeconds = 120.0
        public var maxSpreadBps = 20.0
        /// UTC hours in which no position is opened.
        public var quietHours: [Int] = []
        /// At most this many orders in any `throttleWindowSeconds`.
        public var maxOrdersPerWindow = 10
        public var throttleWindowSeconds = 60.0
        public var minRiskReward = 1.5
        /// Refuse when the estimated risk of ruin exceeds this.
        public var maxRiskOfRuin = 0.01
        public init() {}
        // Positions, exposure, daily trades and reward-to-risk are keys of the `risk` and
        // `confluence` sections themselves.
        enum CodingKeys: String, CodingKey {
            case correlationGroups = "correlation_groups", maxPerGroup = "max_per_group", dailyLossLimitPct = "daily_loss_limit_pct"
            case globalCooldownSeconds = "global_cooldown_s", pairCooldownSeconds = "pair_cooldown_s"
            case maxSignalAgeSeconds = "max_signal_age_s", maxSpreadBps = "max_spread_bps", quietHours = "quiet_hours"
            case maxOrdersPerWindow = "max_orders_per_window", throttleWindowSeconds = "throttle_window_s", maxRiskOfRuin = "max_risk_of_ruin"
        }
        /// Fields set from other sections: written only in a checkpoint (`CodingUserInfoKey.checkpoint`).
        private enum CheckpointKeys: String, CodingKey { case maxConcurrentPositions, maxTotalExposurePct, maxDailyTrades, minRiskReward }

        public init(from decoder: any Decoder) throws {
            self.init()
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try c.update(&correlationGroups, .correlationGroups)
            try c.update(&maxPerGroup, .maxPerGroup)
            try c.update(&dailyLossLimitPct, .dailyLossLimitPct)
            try c.update(&globalCooldownSeconds, .globalCooldownSeconds)
            try c.update(&pairCooldownSeconds, .pairCooldownSeconds)
            try c.update(&maxSignalAgeSeconds, .maxSignalAgeSeconds)
            try c.update(&maxSpreadBps, .maxSpreadBps)
            try c.update(&quietHours, .quietHours)
            try c.update(&maxOrdersPerWindow, .maxOrdersPerWindow)
            try c.update(&throttleWindowSeconds, .throttleWindowSeconds)
            try c.update(&maxRiskOfRuin, .maxRiskOfRuin)
            if decoder.isCheckpoint {
                let x = try decoder.container(keyedBy: CheckpointKeys.self)
                try x.update(&maxConcurrentPositions, .maxConcurrentPositions)
                try x.update(&maxTotalExposurePct, .maxTotalExposurePct)
                try x.update(&maxDailyTrades, .maxDailyTrades)
                try x.update(&minRiskReward, .minRiskReward)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(correlationGroups, forKey: .correlationGroups)
            try c.encode(maxPerGroup, forKey: .maxPerGroup)
            try c.encode(dailyLossLimitPct, forKey: .dailyLossLimitPct)
            try c.encode(globalCooldownSeconds, forKey: .globalCooldownSeconds)
            try c.encode(pairCooldownSeconds, forKey: .pairCooldownSeconds)
            try c.encode(maxSignalAgeSeconds, forKey: .maxSignalAgeSeconds)
            try c.encode(maxSpreadBps, forKey: .maxSpreadBps)
            try c.encode(quietHours, forKey: .quietHours)
            try c.encode(maxOrdersPerWindow, forKey: .maxOrdersPerWindow)
            try c.encode(throttleWindowSeconds, forKey: .throttleWindowSeconds)
            try c.encode(maxRiskOfRuin, forKey: .maxRiskOfRuin)
            if encoder.isCheckpoint {
                var x = encoder.container(keyedBy: CheckpointKeys.self)
                try x.encode(maxConcurrentPositions, forKey: .maxConcurrentPositions)
                try x.encode(maxTotalExposurePct, forKey: .maxTotalExposurePct)
                try x.encode(maxDailyTrades, forKey: .maxDailyTrades)
                try x.encode(minRiskReward, forKey: .minRiskReward)
            }
        }
    }

    /// The account as the gates see it at decision time.
    public struct State: Sendable {
        public var nowMs: Int64
        public var equity: Double
        /// Open positions: pair and notional.
        public var open: [(pair: String, notional: Double)]
        /// Realised P&L of trades closed today (UTC).
        public var todayPnL: Double
        public var todayTrades: Int
        public var lastLossExitMs: Int64?
        /// Last exit time per pair.
        public var lastExitMsByPair: [String: Int64]
        /// Times of recent orders.
        public var recentOrderMs: [Int64]
        /// Win rate and payoff of closed trades, for the risk-of-ruin estimate (nil: too few).
        public var winRate: Double?
        public var payoff: Double?

        public init(nowMs: Int64, equity: Double, open: [(pair: String, notional: Double)] = [], todayPnL: Double = 0,
                    todayTrades: Int = 0, lastLossExitMs: Int64? = nil, lastExitMsByPair: [String: Int64] = [:],
                    recentOrderMs: [Int64] = [], winRate: Double? = nil, payoff: Double? = nil) {
            self.nowMs = nowMs; self.equity = equity; self.open = open; self.todayPnL = todayPnL; self.todayTrades = todayTrades
            self.lastLossExitMs = lastLossExitMs; self.lastExitMsByPair = lastExitMsByPair; self.recentOrderMs = recentOrderMs
            self.winRate = winRate; self.payoff = payoff
        }
    }

    /// The signal being considered.
    public struct Candidate: Sendable, Codable {
        public var pair: String
        public var signalMs: Int64
        public var notional: Double
        public var entry: Double
        public var stopLoss: Double
        public var takeProfit: Double
        public var spreadBps: Double?
        /// Fraction of equity at risk on this trade (for risk of ruin).
        public var riskFraction: Double

        public init(pair: String, signalMs: Int64, notional: Double, entry: Double, stopLoss: Double, takeProfit: Double,
                    spreadBps: Double? = nil, riskFraction: Double = 0.01) {
            self.pair = pair; self.signalMs = signalMs; self.notional = notional; self.entry = entry
            self.stopLoss = stopLoss; self.takeProfit = takeProfit; self.spreadBps = spreadBps; self.riskFraction = riskFraction
        }
    }

    public let config: Config
    public init(config: Config = Config()) { self.config = config }

    /// Every check that fails, in a fixed order; empty when the trade may go ahead.
    public func check(_ c: Candidate, _ s: State) -> [String] {
        var out: [String] = []
        let cfg = config
        if s.open.contains(where: { $0.pair == c.pair }) { out.append("duplicate_pair: a position in \(c.pair) is already open") }
        if s.open.count >= cfg.maxConcurrentPositions {
            out.append("max_positions: \(s.open.count) open, limit \(cfg.maxConcurrentPositions)")
        }
        let exposure = s.open.reduce(0) { $0 + $1.notional } + c.notional
        if s.equity > 0 && exposure / s.equity > cfg.maxTotalExposurePct + 1e-12 {
            out.append("exposure: \(pct(exposure / s.equity)) of equity with this trade, limit \(pct(cfg.maxTotalExposurePct))")
        }
        if let group = cfg.correlationGroups.first(where: { $0.contains(c.pair) }) {
            let inGroup = s.open.filter { group.contains($0.pair) }.count
            if inGroup >= cfg.maxPerGroup { out.append("correlation_group: \(inGroup) open in \(group.joined(separator: ",")), limit \(cfg.maxPerGroup)") }
        }
        if s.equity > 0 && -s.todayPnL >= cfg.dailyLossLimitPct * s.equity {
            out.append("daily_loss: \(NumberText.fixed(-s.todayPnL, digits: 2)) lost today, limit \(pct(cfg.dailyLossLimitPct)) of equity")
        }
        if cfg.maxDailyTrades > 0 && s.todayTrades >= cfg.maxDailyTrades {
            out.append("daily_trades: \(s.todayTrades) today, limit \(cfg.maxDailyTrades)")
        }
        if let loss = s.lastLossExitMs, Double(s.nowMs - loss) / 1000 < cfg.globalCooldownSeconds {
            out.append("global_cooldown: \(Int(Double(s.nowMs - loss) / 1000)) s since a loss, wait \(Int(cfg.globalCooldownSeconds)) s")
        }
        if let exit = s.lastExitMsByPair[c.pair], Double(s.nowMs - exit) / 1000 < cfg.pairCooldownSeconds {
            out.append("pair_cooldown: \(Int(Double(s.nowMs - exit) / 1000)) s since the last \(c.pair) trade, wait \(Int(cfg.pairCooldownSeconds)) s")
        }
        let age = Double(s.nowMs - c.signalMs) / 1000
        if age > cfg.maxSignalAgeSeconds { out.append("signal_age: \(Int(age)) s old, limit \(Int(cfg.maxSignalAgeSeconds)) s") }
        if let spread = c.spreadBps, spread > cfg.maxSpreadBps {
            out.append("spread: \(NumberText.fixed(spread, digits: 1)) bps, limit \(cfg.maxSpreadBps)")
        }
        let hour = Int((s.nowMs / 3_600_000) % 24)
        if cfg.quietHours.contains(hour) { out.append("quiet_hours: \(hour):00 UTC is a quiet hour") }
        let windowStart = s.nowMs - Int64(cfg.throttleWindowSeconds * 1000)
        let recent = s.recentOrderMs.filter { $0 > windowStart }.count
        if recent >= cfg.maxOrdersPerWindow {
            out.append("rate_throttle: \(recent) orders in \(Int(cfg.throttleWindowSeconds)) s, limit \(cfg.maxOrdersPerWindow)")
        }
        let risk = abs(c.entry - c.stopLoss), reward = abs(c.takeProfit - c.entry)
        let rr = risk > 0 ? reward / risk : 0
        // A ratio equal to the minimum passes: prices in binary floating point make 1.5 come
        // out as 1.4999999999 (seen: a target set at exactly 1.5 R was refused).
        if rr < cfg.minRiskReward * (1 - 1e-9) { out.append("risk_reward: \(NumberText.fixed(rr, digits: 2)), minimum \(cfg.minRiskReward)") }
        if let w = s.winRate, let p = s.payoff {
            let ruin = Self.riskOfRuin(winRate: w, payoff: p, riskFraction: c.riskFraction)
            if ruin > cfg.maxRiskOfRuin { out.append("risk_of_ruin: \(NumberText.fixed(ruin, digits: 4)), limit \(cfg.maxRiskOfRuin)") }
        }
        return out
    }

    /// Risk of ruin for a fixed fractional bettor (a classic approximation): with edge
    /// e = W x payoff - (1 - W) per unit risked, and N = 1 / riskFraction units of capital,
    /// `((1 - e) / (1 + e))^N`, and 1 when there is no edge.
    public static func riskOfRuin(winRate w: Double, payoff: Double, riskFraction: Double) -> Double {
        let edge = w * payoff - (1 - w)
        guard edge > 0, riskFraction > 0 else { return 1 }
        guard edge < 1 else { return 0 }
        return pow((1 - edge) / (1 + edge), 1 / riskFraction)
    }

    private func pct(_ x: Double) -> String { NumberText.fixed(x * 100, digits: 1) + "%" }
}
