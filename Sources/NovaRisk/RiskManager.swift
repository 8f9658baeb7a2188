import NovaCore

/// The risk manager's state and decisions: what the seed's RiskManager keeps between trades
/// (equity peak, the day's P&L and trades, closed-trade history for Kelly and risk of ruin,
/// cooldowns, the order throttle) and the one question it answers: may this entry go out, and
/// how big. Pure: no venue, no clock of its own (every call says what time it is).
public struct RiskManager: Sendable, Codable {
    public struct Config: Sendable, Equatable, Codable {
        public var riskPerTrade = 0.01
        public var maxPositionPct = 0.25
        /// Stop distance assumed for sizing when a strategy gives no stop (the seed's SL floor).
        public var defaultStopPct = 0.025
        public var sizer = PositionSizer.Config()
        public var gates = RiskGates.Config()
        /// Entries the edge gates refuse are paper-tracked (`ShadowTrades`) and the Kelly and
        /// risk-of-ruin estimates read the last `kellyLookback` real and shadow outcomes, so a
        /// halt lifts when the edge returns (`risk.shadow_trades`). Off: the estimates read real
        /// trades only, and a halt, once begun, never ends (the old behaviour, for comparison).
        public var shadowTrades = true
        public init() {}
    }

    /// An entry the engine wants to make, with what the account and the market look like.
    public struct Request: Sendable {
        public var pair: String
        /// When the signal's bar closed, and now.
        public var signalMs: Int64
        public var nowMs: Int64
        public var price: Double
        public var stop: Double?
        public var target: Double?
        public var equity: Double
        public var cash: Double
        /// The equity peak sizing measures drawdown against (nil: the account's own).
        public var peakEquity: Double?
        public var feeRate: Double
        public var volatilityRegime: String?
        public var spreadBps: Double?
        /// Positions and orders open now: pair and notional.
        public var open: [(pair: String, notional: Double)]
        /// Buy for a long entry, sell for a short: where the default stop and target lie.
        public var side: Side = .buy

        public init(pair: String, signalMs: Int64, nowMs: Int64, price: Double, stop: Double?, target: Double?, equity: Double,
                    cash: Double, peakEquity: Double?, feeRate: Double, volatilityRegime: String?, spreadBps: Double?,
                    open: [(pair: String, notional: Double)], side: Side = .buy) {
            self.side = side
            self.pair = pair; self.signalMs = signalMs; self.nowMs = nowMs; self.price = price; self.stop = stop
            self.target = target; self.equity = equity; self.cash = cash; self.peakEquity = peakEquity; self.feeRate = feeRate
            self.volatilityRegime = volatilityRegime; self.spreadBps = spreadBps; self.open = open
        }
    }

    /// An approved entry: what to spend (quote, fee included) and why that much.
    public struct Approval: Sendable, Equatable, Codable {
        public var budget: Double
        public var target: Double
        public var sizing: SizingTag
    }

    public let config: Config
    public private(set) var peakEquity: Double
    public private(set) var closedPnL: [Double] = []
    private var today: Int64 = .min
    public private(set) var todayPnL = 0.0
    public private(set) var todayTrades = 0
    public private(set) var lastLossExitMs: Int64?
    public private(set) var lastExitMsByPair: [String: Int64] = [:]
    private var recentEntryMs: [Int64] = []
    /// Closed trades and shadow outcomes, oldest first: what the edge gates measure.
    public private(set) var edgeOutcomes: [Double] = []

    public init(config: Config, initialEquity: Double) {
        self.config = config
        self.peakEquity = initialEquity
    }

    /// Sizes the entry and runs every gate. Returns the approval, or the reason it is refused
    /// ("sizing: ..." or the first failing gate). An approval counts as an order for the
    /// throttle and the day's trades.
    public mutating func evaluate(_ r: Request) -> Result<Approval, Refusal> {
        let stopPrice = r.stop ?? r.price * (1 - r.side.sign * config.defaultStopPct)
        var sizerConfig = config.sizer
        sizerConfig.riskPerTrade = config.riskPerTrade
        sizerConfig.maxPositionPct = config.maxPositionPct
        let peak = r.peakEquity ?? peakEquity
        let decision = PositionSizer(config: sizerConfig).size(.init(
            equity: r.equity, peakEquity: max(peak, r.equity), cash: r.cash, price: r.price, stopPrice: stopPrice,
            feeRate: r.feeRate, volatilityRegime: r.volatilityRegime, recentPnL: closedPnL,
            edgePnL: config.shadowTrades ? edgeOutcomes : nil))
        // Without a target, the reward-to-risk gate is not the strategy's to meet.
        let riskPerUnit = abs(r.price - stopPrice)
        let target = r.target ?? r.price + r.side.sign * riskPerUnit * config.gates.minRiskReward
        func refused(_ reason: String, edge: Refusal.EdgeGate?) -> Result<Approval, Refusal> {
            .failure(Refusal(reason: reason, edgeGate: edge, shadow: edge == nil ? nil
                : .init(stop: stopPrice, target: target, notional: decision.uncappedNotional, feeRate: r.feeRate)))
        }
        if let refusal = decision.refusal {
            return refused("sizing: " + refusal, edge: decision.kellyFraction.map { $0 <= 0 } == true ? .kelly : nil)
        }
        rollDay(r.nowMs)
        let cutoff = r.nowMs - Int64(config.gates.throttleWindowSeconds * 1000)
        recentEntryMs.removeAll { $0 <= cutoff }
        let stats = Self.winStats(config.shadowTrades ? Array(edgeOutcomes.suffix(config.sizer.kellyLookback)) : closedPnL)
        let failures = RiskGates(config: config.gates).check(
            .init(pair: r.pair, signalMs: r.signalMs, notional: decision.notional, entry: r.price, stopLoss: stopPrice,
                  takeProfit: target, spreadBps: r.spreadBps, riskFraction: decision.riskAmount / max(r.equity, 1e-9)),
            .init(nowMs: r.nowMs, equity: r.equity, open: r.open, todayPnL: todayPnL, todayTrades: todayTrades,
                  lastLossExitMs: lastLossExitMs, lastExitMsByPair: lastExitMsByPair, recentOrderMs: recentEntryMs,
                  winRate: stats?.winRate, payoff: stats?.payoff))
        if let first = failures.first { return refused(first, edge: first.hasPrefix("risk_of_ruin") ? .riskOfRuin : nil) }
        recentEntryMs.append(r.nowMs)
        todayTrades += 1
        let tag = SizingTag(requestedNotional: decision.notional, riskAmount: decision.riskAmount, kellyFraction: decision.kellyFraction,
                            drawdownFactor: decision.drawdownFactor, volatilityFactor: decision.volatilityFactor,
                            streakFactor: decision.streakFactor, cappedBy: decision.cappedBy)
        return .success(Approval(budget: decision.notional * (1 + r.feeRate), target: target, sizing: tag))
    }

    public struct Refusal: Error, Sendable, Equatable {
        public var reason: String
        /// Set when an edge estimate refused (Kelly, risk of ruin): a halt that lasts until
        /// the estimate recovers.
        public var edgeGate: EdgeGate?
        /// What the refused entry would have been, for a shadow trade.
        public var shadow: ShadowEntry?

        public init(reason: String, edgeGate: EdgeGate? = nil, shadow: ShadowEntry? = nil) {
            self.reason = reason; self.edgeGate = edgeGate; self.shadow = shadow
        }

        public enum EdgeGate: String, Sendable, Equatable, Codable { case kelly, riskOfRuin = "risk_of_ruin" }
        public struct ShadowEntry: Sendable, Equatable, Codable {
            public var stop: Double
            public var target: Double
            public var notional: Double
            public var feeRate: Double
        }
    }

    /// A shadow trade closed with `pnl`: an outcome for the edge estimates, not for the
    /// account (cash, the day's P&L, streaks and cooldowns see real trades only).
    public mutating func shadowClosed(pnl: Double) {
        guard config.shadowTrades else { return }
        edgeOutcomes.append(pnl)
        trimEdge()
    }

    private mutating func trimEdge() {
        // Only the last `kellyLookback` are read; keep a little more, not the whole history.
        let keep = max(config.sizer.kellyLookback, 20) * 4
        if edgeOutcomes.count > keep * 2 { edgeOutcomes.removeFirst(edgeOutcomes.count - keep) }
    }

    /// The account's equity now (for the drawdown peak).
    public mutating func observeEquity(_ equity: Double) {
        if equity > peakEquity { peakEquity = equity }
    }

    /// A round trip closed with `pnl` (net of fees) in `pair` at `atMs`.
    public mutating func tradeClosed(pnl: Double?, pair: String, atMs: Int64) {
        if let pnl {
            closedPnL.append(pnl)
            edgeOutcomes.append(pnl)
            trimEdge()
            rollDay(atMs)
            todayPnL += pnl
            if pnl <= 0 { lastLossExitMs = atMs }
        }
        lastExitMsByPair[pair] = atMs
    }

    /// Resets the daily counters at UTC midnight.
    private mutating func rollDay(_ ms: Int64) {
        let day = ms / 86_400_000
        if day != today { today = day; todayPnL = 0; todayTrades = 0 }
    }

    /// Win rate and payoff of the closed trades, once there are 20 (for the risk-of-ruin gate).
    public static func winStats(_ pnl: [Double]) -> (winRate: Double, payoff: Double)? {
        guard pnl.count >= 20 else { return nil }
        let wins = pnl.filter { $0 > 0 }, losses = pnl.filter { $0 <= 0 }
        guard !wins.isEmpty, !losses.isEmpty else { return nil }
        let avgWin = wins.reduce(0, +) / Double(wins.count), avgLoss = -losses.reduce(0, +) / Double(losses.count)
        guard avgLoss > 0 else { return nil }
        return (Double(wins.count) / Double(pnl.count), avgWin / avgLoss)
    }
}
