import NovaCore
import NovaExecution
import NovaRisk
import NovaSignals

/// Everything a run is configured by: plain data with the seeds' defaults in the declarations.
/// `config/novapulse.yaml` spells out the same defaults (a test keeps the two equal). Loaded and
/// validated by `ConfigLoader`; its canonical JSON (and that JSON's hash) is stored with each run.
public struct NovaPulseConfig: Codable, Sendable, Equatable {
    public var backtest = BacktestSection()
    public var strategies = StrategiesSection()
    public var confluence = ConfluenceSection()
    public var regime = RegimeDetector.Config()
    public var risk = RiskSection()
    public var smartExit = SmartExitSection()
    public var executor = ExecutorSection()
    public var venues = VenuesSection()
    public var simulator = SimulatorSection()
    public var live = LiveSection()

    public init() {}

    /// The confluence stack's settings, gathered from the sections that hold them.
    public var confluenceStrategy: ConfluenceStrategy.Config {
        var c = ConfluenceStrategy.Config()
        c.weights = strategies.weights
        c.minConfluence = confluence.minConfluence
        c.minConfidence = confluence.minConfidence
        c.minRiskReward = confluence.minRiskReward
        c.timeframes = confluence.timeframes
        c.timeframeWeights = confluence.timeframeWeights
        c.minTimeframeAgreement = confluence.minTimeframeAgreement
        c.slATR = confluence.slATR
        c.tpATR = confluence.tpATR
        c.slFloorPct = risk.stopLossFloorPct
        c.tpFloorPct = risk.takeProfitFloorPct
        c.guardrailWindow = confluence.guardrails.window
        c.guardrailMinTrades = confluence.guardrails.minTrades
        c.guardrailMinWinRate = confluence.guardrails.minWinRate
        c.guardrailCooldownBars = confluence.guardrails.cooldownBars
        c.maxSpreadBps = confluence.maxSpreadBps
        c.direction = backtest.direction
        return c
    }

    enum CodingKeys: String, CodingKey {
        case backtest, strategies, confluence, regime, risk, smartExit = "smart_exit", executor, venues, simulator, live
    }

    /// The simulated matching engine (docs/venues.md).
    public struct SimulatorSection: Codable, Sendable, Equatable {
        /// `candle` (OHLCV bars) or `book` (replay of the pair's imported order-book snapshots).
        public var fillModel = "candle"
        /// Order-entry delay: orders reach the matching engine this long after the decision.
        public var latencyMs = 0
        /// Market-data delay: decisions see the order book as it was this long before.
        public var marketDataLatencyMs = 0
        /// Candle model: all orders together take at most this fraction of a bar's volume (the
        /// rest fills on later bars); 0 = no cap.
        public var participation = 0.10
        /// `none`, `flaky` or `hostile` (seeded rejects, rate limits, partial fills, outages).
        public var faults = "none"
        /// Seed of every random draw of the simulator: same data + config + seed = same fills.
        public var seed = 1
        /// Place entry limits post-only (maker or nothing; the chase re-prices a cancelled one).
        public var postOnlyEntries = false
        enum CodingKeys: String, CodingKey {
            case fillModel = "fill_model", latencyMs = "latency_ms", marketDataLatencyMs = "market_data_latency_ms"
            case participation, faults, seed, postOnlyEntries = "post_only_entries"
        }
    }

    public struct BacktestSection: Codable, Sendable, Equatable {
        public var exchange: ExchangeID = .kraken
        public var timeframe: Timeframe = .oneMinute
        /// The strategy run when no --strategy is given: the full confluence stack.
        public var strategy = "confluence"
        public var initialCash = 10_000.0
        public var sizing: EngineConfig.Sizing = .fixedFractional
        public var closeAtEnd = false
        /// `long` (the default: a spot account needs nothing more), `short` or `both`. Shorts
        /// are sold on margin (Kraken; docs/risk.md, docs/venues.md); Coinbase refuses them.
        public var direction: TradeDirection = .long
        /// Entries open from this time (ISO 8601 or unix time, UTC); the bars before it only
        /// warm the stack, as a live session's REST history does (`--trade-from`). Unset: from
        /// the first bar.
        public var tradeFrom: String?
        enum CodingKeys: String, CodingKey {
            case exchange, timeframe, strategy, initialCash = "initial_cash", sizing, closeAtEnd = "close_at_end", direction
            case tradeFrom = "trade_from"
        }

        /// `tradeFrom` in ms since the epoch (nil when unset or unreadable; the validator
        /// refuses an unreadable one).
        public var tradeFromMs: Int64? { tradeFrom.flatMap { try? UTCTime.parse($0) } }
    }

    public struct StrategiesSection: Codable, Sendable, Equatable {
        /// The seed's confluence weights of the nine strategies.
        public var weights: [String: Double] = [
            "keltner": 0.30, "mean_reversion": 0.25, "ichimoku": 0.15, "order_flow": 0.15, "trend": 0.15,
            "stochastic_divergence": 0.12, "volatility_squeeze": 0.12, "supertrend": 0.10, "reversal": 0.10,
        ]
        /// `keltner_channel`: the Keltner channel strategy with its own bands, stops and
        /// targets (`--strategy keltner` is the confluence's Keltner rule alone).
        public var keltner = KeltnerStrategy.Config()
        public var smaCross = SMACrossStrategy.Config()
        enum CodingKeys: String, CodingKey { case weights, keltner = "keltner_channel", smaCross = "sma_cross" }
    }

    public struct ConfluenceSection: Codable, Sendable, Equatable {
        public var minConfluence = 3
        public var minConfidence = 0.55
        public var minRiskReward = 1.5
        /// Minutes of the analysed timeframes; the first is the primary one.
        public var timeframes = [1, 5, 15]
        public var timeframeWeights = [1.0, 1.3, 1.5]
        public var minTimeframeAgreement = 2
        public var eventPriceMovePct = 0.005
        /// With order-book data: refuse a signal when the spread is wider (basis points).
        public var maxSpreadBps = 20.0
        /// Stop and target distances in ATRs of the timeframe (never inside the risk floors).
        public var slATR = 2.0
        public var tpATR = 3.0
        public var guardrails = Guardrails()
        public struct Guardrails: Codable, Sendable, Equatable {
            public var window = 20
            public var minTrades = 10
            public var minWinRate = 0.3
            public var cooldownBars = 500
            enum CodingKeys: String, CodingKey {
                case window, minTrades = "min_trades", minWinRate = "min_win_rate", cooldownBars = "cooldown_bars"
            }
        }
        enum CodingKeys: String, CodingKey {
            case slATR = "sl_atr", tpATR = "tp_atr", guardrails, maxSpreadBps = "max_spread_bps"
            case minConfluence = "min_confluence", minConfidence = "min_confidence", minRiskReward = "min_risk_reward"
            case timeframes, timeframeWeights = "timeframe_weights", minTimeframeAgreement = "min_timeframe_agreement"
            case eventPriceMovePct = "event_price_move_pct"
        }
    }

    public struct RiskSection: Codable, Sendable, Equatable {
        /// Fraction of equity at risk between entry and stop-loss (fixed-fractional sizing).
        public var riskPerTrade = 0.01
        /// Largest position, as a fraction of equity.
        public var maxPositionPct = 0.25
        public var stopLossFloorPct = 0.025
        public var takeProfitFloorPct = 0.05
        public var maxConcurrentPositions = 5
        public var maxTotalExposurePct = 0.50
        /// 0 means no limit (the seed's default).
        public var maxDailyTrades = 0
        /// Move the stop to the entry once the price has gone this many R in favour (0: never).
        public var breakevenAtR = 1.0
        /// Start trailing the stop once the price has gone this many R in favour (0: never).
        public var trailingAtR = 1.5
        /// Trailing distance below the highest high, as a fraction of price.
        public var trailingDistancePct = 0.015
        /// `shared` (one bankroll for every strategy instance) or `isolated` (each its own share).
        public var bankroll = "shared"
        /// Sizing factors beyond the fixed fraction (Kelly cap, drawdown, volatility, streak).
        public var sizing = PositionSizer.Config()
        /// The risk gates beyond the limits above.
        public var gates = RiskGates.Config()
        /// Entries refused by the edge gates (Kelly, risk of ruin) are paper-tracked and their
        /// outcomes keep the estimates learning, so a halt can lift (docs/risk.md).
        public var shadowTrades = true
        /// Leverage of a short's margin orders: Kraken's minimum is 2, its majors allow up to 5.
        /// The position's size is the risk sizing's either way; leverage sets the margin it ties up.
        public var shortLeverage = 2.0
        enum CodingKeys: String, CodingKey {
            case shortLeverage = "short_leverage"
            case bankroll, sizing, gates, shadowTrades = "shadow_trades", breakevenAtR = "breakeven_at_r", trailingAtR = "trailing_at_r", trailingDistancePct = "trailing_distance_pct"
            case riskPerTrade = "risk_per_trade", maxPositionPct = "max_position_pct"
            case stopLossFloorPct = "stop_loss_floor_pct", takeProfitFloorPct = "take_profit_floor_pct"
            case maxConcurrentPositions = "max_concurrent_positions", maxTotalExposurePct = "max_total_exposure_pct"
            case maxDailyTrades = "max_daily_trades"
        }
    }

    public struct SmartExitSection: Codable, Sendable, Equatable {
        public struct Tier: Codable, Sendable, Equatable {
            public var tpMultiple: Double
            public var fraction: Double
            enum CodingKeys: String, CodingKey { case tpMultiple = "tp_multiple", fraction }
        }
        public var enabled = true
        /// The seed's tiers: 50% at 1x TP, 30% at 1.5x TP, the rest trailed.
        public var tiers = [Tier(tpMultiple: 1.0, fraction: 0.5), Tier(tpMultiple: 1.5, fraction: 0.3)]
    }

    public struct ExecutorSection: Codable, Sendable, Equatable {
        public var limitChaseAttempts = 3
        public var exitRetries = 3
        public var positionCheckIntervalS = 2.0
        /// A strategy's exit signal (the confluence: an opposite confluence) closes the position;
        /// off, positions leave only by stops, targets, smart-exit tiers and trailing.
        public var exitOnOppositeSignal = true
        /// `resting`: take-profits and smart-exit tiers rest at the venue beside the stop;
        /// `on_touch`: the engine watches them and sends an immediate-or-cancel limit when the
        /// price touches one, after cancelling the stop (what spot exchanges need: a resting
        /// sell holds its units; `--mode live` always runs this way).
        public var takeProfitOrders = "resting"
        enum CodingKeys: String, CodingKey {
            case limitChaseAttempts = "limit_chase_attempts", exitRetries = "exit_retries"
            case positionCheckIntervalS = "position_check_interval_s", exitOnOppositeSignal = "exit_on_opposite_signal"
            case takeProfitOrders = "take_profit_orders"
        }
    }

    public struct VenuesSection: Codable, Sendable, Equatable {
        /// One exchange: its fee schedule (backtest, paper) and where `novapulse live` reaches it.
        public struct Fees: Codable, Sendable, Equatable {
            /// The entry tier's rates.
            public var makerFee: Double
            public var takerFee: Double
            /// Lower rates as the trailing 30-day volume grows (the exchange's schedule).
            public var volumeTiers = true
            /// REST base, public WebSocket and private WebSocket (exchange-crib.md section 0):
            /// settable, so tests and test environments point the live adapter anywhere.
            public var restURL: String = ""
            public var wsURL: String = ""
            public var wsAuthURL: String = ""
            /// The account's rate-limit tier (Kraken: starter, intermediate, pro).
            public var rateTier: String = "starter"
            /// Margin fees of a short, as fractions of the value borrowed: at opening and every
            /// 4 hours (Kraken; dynamic, fixed per order: set them to the rates quoted). Coinbase
            /// spot has no margin: its values are not used.
            public var marginOpeningFee = 0.0002
            public var marginRolloverFee = 0.0002
            public init(makerFee: Double, takerFee: Double, volumeTiers: Bool = true, restURL: String = "", wsURL: String = "",
                        wsAuthURL: String = "", rateTier: String = "starter") {
                self.makerFee = makerFee; self.takerFee = takerFee; self.volumeTiers = volumeTiers
                self.restURL = restURL; self.wsURL = wsURL; self.wsAuthURL = wsAuthURL; self.rateTier = rateTier
            }
            enum CodingKeys: String, CodingKey {
                case makerFee = "maker_fee", takerFee = "taker_fee", volumeTiers = "volume_tiers"
                case restURL = "rest_url", wsURL = "ws_url", wsAuthURL = "ws_auth_url", rateTier = "rate_tier"
                case marginOpeningFee = "margin_opening_fee", marginRolloverFee = "margin_rollover_fee"
            }
        }
        /// First fee tiers (exchange-crib.md section 5) and the production endpoints.
        public var kraken = Fees(makerFee: 0.0025, takerFee: 0.0040, restURL: "https://api.kraken.com",
                                 wsURL: "wss://ws.kraken.com/v2", wsAuthURL: "wss://ws-auth.kraken.com/v2")
        public var coinbase = Fees(makerFee: 0.0060, takerFee: 0.0120, restURL: "https://api.coinbase.com",
                                   wsURL: "wss://advanced-trade-ws.coinbase.com", wsAuthURL: "wss://advanced-trade-ws-user.coinbase.com")
    }

    /// `novapulse live` (docs/live.md): the runtime's timers and its status endpoint.
    public struct LiveSection: Codable, Sendable, Equatable {
        /// The status endpoint's port on 127.0.0.1; 0 turns it off.
        public var statusPort = 8090
        /// 1-minute bars of REST history the stack is primed with before its first decision
        /// (Kraken serves at most 720: 48 bars of the 15-minute timeframe).
        public var warmupBars = 720
        /// A connection with no text frame for this long is dead (Kraken sends a heartbeat a second).
        public var silentConnectionS = 10.0
        /// An acknowledged channel of a pair that says nothing for this long is resubscribed.
        public var silentSubscriptionS = 120.0
        /// A pair whose last closed bar is older than this takes no entries until fresh data comes.
        public var staleDataS = 180.0
        /// Reconciliation with the exchange (Kraken's guidance: open orders 30 s, balances 120 s).
        public var reconcileOrdersS = 30.0
        public var reconcileBalancesS = 120.0
        /// Orders with our client-id prefix that this instance does not know: cancel or adopt.
        public var unknownOrders = "cancel"
        /// Reconnect backoff: first wait and ceiling, seconds (x1.5 per attempt, with jitter).
        public var reconnectMinS = 0.5
        public var reconnectMaxS = 5.0
        /// How often the terminal gets a status line (connection, last bars, equity, positions).
        public var statusLineS = 60.0
        /// Live bars between checkpoints of the engine's state (a restart replays only the
        /// journal after the newest one); one is also written at a clean stop. 0: none.
        public var checkpointBars = 1440
        enum CodingKeys: String, CodingKey {
            case statusPort = "status_port", warmupBars = "warmup_bars", silentConnectionS = "silent_connection_s"
            case silentSubscriptionS = "silent_subscription_s", staleDataS = "stale_data_s", reconcileOrdersS = "reconcile_orders_s"
            case reconcileBalancesS = "reconcile_balances_s", unknownOrders = "unknown_orders", reconnectMinS = "reconnect_min_s"
            case reconnectMaxS = "reconnect_max_s", statusLineS = "status_line_s", checkpointBars = "checkpoint_bars"
        }
        public init() {}
    }
}

extension NovaPulseConfig.BacktestSection {
    /// As synthesised, except that `trade_from` may be written as unix time (a number in
    /// YAML) as well as text: it is kept as text either way.
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        exchange = try c.decodeIfPresent(ExchangeID.self, forKey: .exchange) ?? exchange
        timeframe = try c.decodeIfPresent(Timeframe.self, forKey: .timeframe) ?? timeframe
        strategy = try c.decodeIfPresent(String.self, forKey: .strategy) ?? strategy
        initialCash = try c.decodeIfPresent(Double.self, forKey: .initialCash) ?? initialCash
        sizing = try c.decodeIfPresent(EngineConfig.Sizing.self, forKey: .sizing) ?? sizing
        closeAtEnd = try c.decodeIfPresent(Bool.self, forKey: .closeAtEnd) ?? closeAtEnd
        direction = try c.decodeIfPresent(TradeDirection.self, forKey: .direction) ?? direction
        if let n = try? c.decodeIfPresent(Int64.self, forKey: .tradeFrom) {
            tradeFrom = String(n)
        } else {
            tradeFrom = try c.decodeIfPresent(String.self, forKey: .tradeFrom)
        }
    }
}
