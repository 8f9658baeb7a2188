/// How the engine sizes and manages positions. Plain data; validated by the research layer's
/// config loader.
import NovaCore
import NovaRisk

public struct EngineConfig: Sendable, Equatable, Codable {
    public enum Sizing: String, Sendable, Codable, CaseIterable {
        /// Spend all available cash on each entry, fee included (units = cash / ((1 + fee) * price)):
        /// the sizing of backtesting.py and vectorbt examples, for comparing engines.
        case allIn = "all-in"
        /// The NovaPulse risk manager: `PositionSizer` (risk `riskPerTrade` of equity between
        /// entry and stop, Kelly cap, drawdown, volatility and streak factors, position and cash
        /// caps) and `RiskGates` (positions, exposure, correlation groups, daily loss and
        /// trades, cooldowns, signal age, quiet hours, throttle, reward-to-risk, risk of ruin).
        case fixedFractional = "fixed-fractional"
    }

    public var initialCash: Double = 10_000
    /// One bankroll for every strategy instance (default), or each its own share of the
    /// starting cash, sized and spent on its own (NailSage's isolated bankrolls).
    public var bankroll: Bankroll = .shared

    public enum Bankroll: String, Sendable, Codable, CaseIterable {
        case shared
        /// Each strategy instance (one per pair in a run) gets `initialCash / pairs`; its entries
        /// are sized on its own equity and can spend only its own cash.
        case isolated
    }
    /// Prefix of every client order id of the run (`ClientOrderID`): a run or a live instance
    /// of its own, so that two never share an id at one exchange account.
    public var runTag = "np"
    /// Live: how often open positions are checked against the latest price between bar closes
    /// (trailing, breakeven; `executor.position_check_interval_s`).
    public var positionCheckIntervalMs: Int64 = 2_000
    /// A price move of this fraction since the last check triggers an immediate check of the
    /// pair's position (`confluence.event_price_move_pct`, the seed's event-driven scan).
    public var eventPriceMovePct = 0.005
    /// On a venue without stop-market orders (Coinbase), a protective stop is a stop-limit whose
    /// limit sits this fraction beyond its trigger: a gap past the limit leaves it unfilled.
    public var stopLimitOffsetPct: Double = 0.005
    public var sizing: Sizing = .fixedFractional
    public var riskPerTrade: Double = 0.01
    public var maxPositionPct: Double = 0.25
    /// Stop distance assumed for sizing when a strategy gives no stop (the seed's SL floor).
    public var defaultStopPct: Double = 0.025
    /// Close open positions at the last bar's close (taker fee) instead of leaving them open.
    public var closeAtEnd: Bool = false
    /// Sizer and gate settings for `fixedFractional` (its risk per trade and position cap are
    /// `riskPerTrade` and `maxPositionPct` above).
    public var sizer = PositionSizer.Config()
    /// Move the stop to the entry price once the high reaches entry + this many R (R = entry -
    /// initial stop); 0 disables.
    public var breakevenAtR: Double = 1.0
    /// Start trailing once the high reaches entry + this many R; 0 disables.
    public var trailingAtR: Double = 1.5
    /// The trailing stop sits this fraction below the highest high since trailing started.
    public var trailingDistancePct: Double = 0.015
    /// Entries as limit orders at the decision bar's close, re-priced at each following close
    /// up to this many attempts, then a market order (the seed's limit chase with market
    /// fallback). 0: market entries.
    public var entryChaseAttempts: Int = 0
    /// Entry limits are post-only: maker or nothing (an entry that would cross is dropped).
    public var entryPostOnly = false
    /// A rejected exit is sent again this many times when the error is transient (rate limit);
    /// a permanent error (invalid order, insufficient funds) is not retried.
    public var exitRetries: Int = 3
    /// Smart exit: partial take-profits at these multiples of the target distance, each for
    /// this fraction of the entry quantity; what remains has no target and rides the (trailing)
    /// stop. Empty: one take-profit for the whole position.
    public var smartExitTiers: [SmartExitTier] = []
    /// Take-profits (and smart-exit tiers) kept by the engine and sent when the price touches
    /// them, as an immediate-or-cancel limit at the target, once the stop's cancel is
    /// confirmed; the stop is placed again for what is left. On spot a resting sell holds the
    /// units it sells, so the exchange stop and a resting take-profit cannot both rest: live
    /// mode uses this; backtest and paper may (`executor.take_profit_orders: on_touch`).
    public var takeProfitOnTouch = false

    public struct SmartExitTier: Sendable, Equatable, Codable {
        public var tpMultiple: Double
        public var fraction: Double
        public init(tpMultiple: Double, fraction: Double) { self.tpMultiple = tpMultiple; self.fraction = fraction }
    }
    public var gates = RiskGates.Config()
    /// Entries refused by the edge gates are paper-tracked and keep the estimates learning
    /// (`RiskManager.Config.shadowTrades`, `risk.shadow_trades`).
    public var shadowTrades = true
    /// A strategy's exit signal (for the confluence: an opposite confluence) closes the position
    /// (`executor.exit_on_opposite_signal`). Off: positions leave only through stops, targets,
    /// smart-exit tiers and trailing.
    public var exitOnOppositeSignal = true
    /// Which positions may be opened (`backtest.direction`); shorts need a venue with margin.
    public var direction: TradeDirection = .long
    /// Leverage of every short's margin orders (`risk.short_leverage`), within the pair's
    /// limit at the venue (Kraken: 2 to 5 for the majors).
    public var shortLeverage: Double = 2

    public init() {}

    /// The risk manager's part of these settings.
    public var riskManager: RiskManager.Config {
        var c = RiskManager.Config()
        c.riskPerTrade = riskPerTrade
        c.maxPositionPct = maxPositionPct
        c.defaultStopPct = defaultStopPct
        c.sizer = sizer
        c.gates = gates
        c.shadowTrades = shadowTrades
        return c
    }
}
