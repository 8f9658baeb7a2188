/// A round trip: a position opened and (maybe) closed. P&L is net of both fees.
public struct Trade: Sendable, Equatable, Codable {
    public var tradeID: String
    public var pair: Pair
    /// `buy` for a long round trip, `sell` for a short one.
    public var side: Side
    public var strategy: String
    public var entryTimeMs: Int64
    public var entryPrice: Double
    public var quantity: Double
    public var entryFee: Double
    public var exitTimeMs: Int64?
    public var exitPrice: Double?
    public var exitFee: Double
    public var stopLoss: Double?
    public var takeProfit: Double?
    public var exitReason: String?
    public var entryReason: String
    /// The price the entry was decided at (the decision bar's close): the reference for
    /// entry slippage.
    public var entryDecisionPrice: Double?
    /// The price the exit was decided at: the decision bar's close for a signal exit, the
    /// trigger or limit for a stop or target, the last close for an end-of-data close.
    public var exitDecisionPrice: Double?
    /// The market regime on the bar the entry was decided on.
    public var entryRegime: RegimeTag?
    /// The strategies that voted for the entry, with their strength (confluence runs).
    public var attribution: [String: Double] = [:]
    /// How the stop moved (the seed's `stop_loss_state`); nil without a stop.
    public var stopState: StopLossState?
    /// What the risk manager decided at entry (nil for all-in sizing).
    public var sizing: SizingTag?
    /// How the entry was filled: "market", or "limit" (possibly after re-pricing).
    public var entryOrderType = "market"
    /// Limit prices tried before the entry filled (0 for a market entry).
    public var entryChaseAttempts = 0
    /// Fee rates of the entry and final exit fills (maker or taker, as charged).
    public var entryFeeRate: Double?
    public var exitFeeRate: Double?
    /// When the entry and the exit were decided (the decision bar's close, ms): with the fill
    /// times, the latency the venue and the data imposed.
    public var entryDecisionTimeMs: Int64?
    public var exitDecisionTimeMs: Int64?
    /// Fills that made the entry and the final exit (more than one: partial fills). The entry
    /// price and the exit price are the volume-weighted averages of their fills.
    public var entryFills = 1
    public var exitFills = 0
    /// The entry order ended (chase cancelled it, the data ended) with less than it asked for.
    public var entryPartialFill = false
    /// Margin fees of a short (Kraken's opening fee and each 4-hour rollover), charged by the
    /// venue as fee lines of their own, in quote currency; 0 for a spot long.
    public var marginFees = 0.0
    /// Leverage of a margin position (nil: spot).
    public var leverage: Double?

    public init(tradeID: String, pair: Pair, side: Side, strategy: String, entryTimeMs: Int64, entryPrice: Double,
                quantity: Double, entryFee: Double, stopLoss: Double?, takeProfit: Double?, entryReason: String) {
        self.tradeID = tradeID
        self.pair = pair
        self.side = side
        self.strategy = strategy
        self.entryTimeMs = entryTimeMs
        self.entryPrice = entryPrice
        self.quantity = quantity
        self.entryFee = entryFee
        self.exitTimeMs = nil
        self.exitPrice = nil
        self.exitFee = 0
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
        self.exitReason = nil
        self.entryReason = entryReason
        self.entryDecisionPrice = nil
        self.exitDecisionPrice = nil
        self.entryRegime = nil
    }

    /// Slippage of the entry against its decision price, in basis points; positive is worse
    /// (paid more for a long).
    public var entrySlippageBps: Double? {
        guard let d = entryDecisionPrice, d > 0 else { return nil }
        return side.sign * (entryPrice - d) / d * 10_000
    }

    /// Slippage of the exit against its decision price, in basis points; positive is worse
    /// (received less for a long).
    public var exitSlippageBps: Double? {
        guard let d = exitDecisionPrice, d > 0, let p = exitPrice else { return nil }
        return side.sign * (d - p) / d * 10_000
    }

    public var isOpen: Bool { exitTimeMs == nil }
    /// Smart-exit partial take-profits, in the order they filled.
    public var partialExits: [PartialExit] = []
    /// How many smart-exit tiers filled before the position closed (the seed's `exit_tier`); a
    /// tier filled in several parts counts once.
    public var exitTier: Int {
        var seen: [Int] = []
        for p in partialExits where !seen.contains(p.tier) { seen.append(p.tier) }
        return seen.count
    }

    /// Units still held: the entry quantity less the partial exits.
    public var openQuantity: Double {
        if partialExits.isEmpty { return quantity }
        return quantity - partialExits.reduce(0) { $0 + $1.quantity }
    }

    public var fees: Double { entryFee + exitFee + marginFees + partialExits.reduce(0) { $0 + $1.fee } }

    /// P&L already realised by partial exits, net of their fees (not of the entry fee).
    public var partialPnL: Double { partialExits.reduce(0) { $0 + side.sign * ($1.price - entryPrice) * $1.quantity - $1.fee } }

    /// Realised P&L net of all fees (entry, partial exits, final exit, margin); nil while open.
    public var pnl: Double? {
        guard let exitPrice else { return nil }
        return partialPnL + side.sign * (exitPrice - entryPrice) * openQuantity - entryFee - exitFee - marginFees
    }

    /// P&L relative to the entry cost (entry notional plus entry fee).
    public var pnlPct: Double? {
        guard let pnl else { return nil }
        return pnl / (entryPrice * quantity + entryFee)
    }

    /// Mark-to-market P&L at `price`, net of the entry fee and the margin fees so far (no exit
    /// fee is charged on an open position).
    public func unrealisedPnL(at price: Double) -> Double {
        partialPnL + side.sign * (price - entryPrice) * openQuantity - entryFee - marginFees
    }

    /// "long" or "short".
    public var direction: String { side == .buy ? "long" : "short" }
}

/// A market regime as the seed's trade metadata records it.
public struct RegimeTag: Sendable, Equatable, Codable {
    /// "trend" or "range".
    public var trend: String
    /// "high_vol", "mid_vol" or "low_vol".
    public var volatility: String
    /// Trailing percentile of volatility, 0-1.
    public var volLevel: Double
    public var volExpanding: Bool

    public init(trend: String, volatility: String, volLevel: Double, volExpanding: Bool) {
        self.trend = trend
        self.volatility = volatility
        self.volLevel = volLevel
        self.volExpanding = volExpanding
    }

    public var label: String { "\(trend)/\(volatility)" }
}

/// The life of a position's stop, as the seed's trade metadata records it.
public struct StopLossState: Sendable, Equatable, Codable {
    public var initialSL: Double
    public var currentSL: Double
    public var breakevenActivated = false
    public var trailingActivated = false
    /// Highest high since trailing began (a long's trail).
    public var trailingHigh: Double?
    /// Lowest low since trailing began (a short's trail).
    public var trailingLow: Double?

    public init(initialSL: Double) {
        self.initialSL = initialSL
        self.currentSL = initialSL
    }

    enum CodingKeys: String, CodingKey {
        case initialSL = "initial_sl", currentSL = "current_sl", breakevenActivated = "breakeven_activated"
        case trailingActivated = "trailing_activated", trailingHigh = "trailing_high", trailingLow = "trailing_low"
    }
}

/// One partial take-profit of a position (the seed's `partial_exits` entry).
public struct PartialExit: Sendable, Equatable, Codable {
    public var tier: Int
    public var quantity: Double
    public var price: Double
    public var fee: Double
    public var timeMs: Int64

    public init(tier: Int, quantity: Double, price: Double, fee: Double, timeMs: Int64) {
        self.tier = tier; self.quantity = quantity; self.price = price; self.fee = fee; self.timeMs = timeMs
    }

    enum CodingKeys: String, CodingKey { case tier, quantity = "qty", price, fee, timeMs = "time_ms" }
}

/// The risk manager's sizing of a trade, as the seed's trade metadata records it.
public struct SizingTag: Sendable, Equatable, Codable {
    /// Quote notional the sizer asked for.
    public var requestedNotional: Double
    /// Equity at risk between entry and stop (before fees).
    public var riskAmount: Double
    public var kellyFraction: Double?
    public var drawdownFactor: Double
    public var volatilityFactor: Double
    public var streakFactor: Double
    public var cappedBy: String?

    public init(requestedNotional: Double, riskAmount: Double, kellyFraction: Double?, drawdownFactor: Double,
                volatilityFactor: Double, streakFactor: Double, cappedBy: String?) {
        self.requestedNotional = requestedNotional; self.riskAmount = riskAmount; self.kellyFraction = kellyFraction
        self.drawdownFactor = drawdownFactor; self.volatilityFactor = volatilityFactor; self.streakFactor = streakFactor
        self.cappedBy = cappedBy
    }
}
