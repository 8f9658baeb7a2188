import NovaCore
import NovaSignals

/// Range checks on a decoded config. Collects every problem, not only the first.
public enum ConfigValidator {
    public static func validate(_ c: NovaPulseConfig, source: String) throws(ConfigError) {
        var errors: [ConfigError] = []
        func check(_ ok: Bool, _ key: String, _ value: Any, _ expected: String) {
            if !ok { errors.append(.badValue(keyPath: key, value: "\(value)", expected: expected, source: source)) }
        }
        let b = c.backtest
        check(StrategyCatalog.names.contains(b.strategy), "backtest.strategy", b.strategy,
              (DidYouMean.suggestion(for: b.strategy, among: StrategyCatalog.names).map { "did you mean '\($0)'? " } ?? "")
                + "one of \(StrategyCatalog.names.joined(separator: ", "))")
        // Bounded: 1e308 of cash overflows the first multiplication of the metrics into NaN.
        check(b.initialCash > 0 && b.initialCash <= 1e15, "backtest.initial_cash", b.initialCash, "a positive amount, at most 1e15")
        if let t = b.tradeFrom { check(b.tradeFromMs != nil, "backtest.trade_from", t, "a time: YYYY-MM-DD, ISO 8601 or unix seconds/ms (UTC)") }

        let k = c.strategies.keltner
        check(k.emaPeriod >= 1 && k.emaPeriod <= 10_000, "strategies.keltner_channel.ema_period", k.emaPeriod, "1 to 10000")
        check(k.atrPeriod >= 1 && k.atrPeriod <= 10_000, "strategies.keltner_channel.atr_period", k.atrPeriod, "1 to 10000")
        check(k.multiplier > 0 && k.multiplier <= 20, "strategies.keltner_channel.multiplier", k.multiplier, "above 0, at most 20")
        check(k.slATR > 0 && k.slATR <= 100, "strategies.keltner_channel.sl_atr", k.slATR, "above 0, at most 100")
        check(k.tpATR > 0 && k.tpATR <= 100, "strategies.keltner_channel.tp_atr", k.tpATR, "above 0, at most 100")
        let s = c.strategies.smaCross
        // Upper bounds on every period: a window is memory (slow=99999999999 asked for 800 GB).
        check(s.fast >= 1 && s.fast <= 10_000, "strategies.sma_cross.fast", s.fast, "1 to 10000")
        check(s.slow >= 2 && s.slow <= 10_000, "strategies.sma_cross.slow", s.slow, "2 to 10000")
        check(s.fast < s.slow, "strategies.sma_cross.fast", s.fast, "less than slow (\(s.slow))")
        for (name, w) in c.strategies.weights.sorted(by: { $0.key < $1.key }) {
            check(w >= 0 && w <= 1, "strategies.weights.\(name)", w, "0 to 1")
        }

        let l = c.live
        check((0...65_535).contains(l.statusPort), "live.status_port", l.statusPort, "0 (off) to 65535")
        check((1...720).contains(l.warmupBars), "live.warmup_bars", l.warmupBars, "1 to 720 (Kraken serves at most 720 bars)")
        for (key, v) in [("silent_connection_s", l.silentConnectionS), ("silent_subscription_s", l.silentSubscriptionS),
                         ("stale_data_s", l.staleDataS), ("reconcile_orders_s", l.reconcileOrdersS),
                         ("reconcile_balances_s", l.reconcileBalancesS), ("reconnect_min_s", l.reconnectMinS),
                         ("status_line_s", l.statusLineS)] {
            check(v > 0 && v <= 86_400, "live.\(key)", v, "above 0, at most 86400 seconds")
        }
        check(l.reconnectMaxS >= l.reconnectMinS && l.reconnectMaxS <= 3_600, "live.reconnect_max_s", l.reconnectMaxS,
              "at least reconnect_min_s (\(l.reconnectMinS)), at most 3600")
        check((0...1_000_000).contains(l.checkpointBars), "live.checkpoint_bars", l.checkpointBars, "0 (none) to 1000000 bars")
        check(["cancel", "adopt"].contains(l.unknownOrders), "live.unknown_orders", l.unknownOrders, "cancel or adopt")
        for (name, v) in [("kraken", c.venues.kraken), ("coinbase", c.venues.coinbase)] {
            for (key, url, schemes) in [("rest_url", v.restURL, ["http", "https"]), ("ws_url", v.wsURL, ["ws", "wss"]), ("ws_auth_url", v.wsAuthURL, ["ws", "wss"])] {
                let scheme = url.split(separator: ":").first.map(String.init) ?? ""
                check(schemes.contains(scheme) && url.contains("://") && url.count > scheme.count + 3, "venues.\(name).\(key)", url,
                      "a \(schemes.joined(separator: " or ")) URL")
            }
            check(["starter", "intermediate", "pro"].contains(v.rateTier), "venues.\(name).rate_tier", v.rateTier, "starter, intermediate or pro")
            check(v.marginOpeningFee >= 0 && v.marginOpeningFee < 0.01, "venues.\(name).margin_opening_fee", v.marginOpeningFee, "0 to 0.01 (a fraction)")
            check(v.marginRolloverFee >= 0 && v.marginRolloverFee < 0.01, "venues.\(name).margin_rollover_fee", v.marginRolloverFee, "0 to 0.01 (a fraction per 4 hours)")
        }

        let f = c.confluence
        check((1...9).contains(f.minConfluence), "confluence.min_confluence", f.minConfluence, "1 to 9 (there are nine strategies)")
        check(f.minConfidence >= 0 && f.minConfidence <= 1, "confluence.min_confidence", f.minConfidence, "0 to 1")
        check(f.minRiskReward >= 0, "confluence.min_risk_reward", f.minRiskReward, "0 or more")
        check(!f.timeframes.isEmpty && f.timeframes.allSatisfy { $0 >= 1 && $0 <= 10_080 }, "confluence.timeframes", f.timeframes,
              "a list of minutes, each 1 to 10080 (a week)")
        check(f.timeframeWeights.count == f.timeframes.count, "confluence.timeframe_weights", f.timeframeWeights,
              "one weight per timeframe (\(f.timeframes.count))")
        check(f.minTimeframeAgreement >= 1 && f.minTimeframeAgreement <= max(1, f.timeframes.count),
              "confluence.min_timeframe_agreement", f.minTimeframeAgreement, "1 to the number of timeframes")
        check(f.slATR > 0 && f.slATR <= 100, "confluence.sl_atr", f.slATR, "above 0, at most 100")
        check(f.maxSpreadBps > 0 && f.maxSpreadBps <= 10_000, "confluence.max_spread_bps", f.maxSpreadBps, "above 0, at most 10000")
        check(f.tpATR > 0 && f.tpATR <= 100, "confluence.tp_atr", f.tpATR, "above 0, at most 100")
        check(f.guardrails.window >= 1 && f.guardrails.window <= 10_000, "confluence.guardrails.window", f.guardrails.window, "1 to 10000")
        check(f.guardrails.minTrades >= 1 && f.guardrails.minTrades <= f.guardrails.window, "confluence.guardrails.min_trades",
              f.guardrails.minTrades, "1 to the window (\(f.guardrails.window))")
        check(f.guardrails.minWinRate >= 0 && f.guardrails.minWinRate <= 1, "confluence.guardrails.min_win_rate", f.guardrails.minWinRate, "0 to 1")
        check(f.guardrails.cooldownBars >= 0 && f.guardrails.cooldownBars <= 1_000_000, "confluence.guardrails.cooldown_bars",
              f.guardrails.cooldownBars, "0 to 1000000")
        check(f.timeframes.first.map { tf in f.timeframes.dropFirst().allSatisfy { $0 % tf == 0 && $0 > tf } } ?? false,
              "confluence.timeframes", f.timeframes, "the primary first, then multiples of it in increasing order, e.g. [1, 5, 15]")
        check(f.eventPriceMovePct > 0 && f.eventPriceMovePct < 1, "confluence.event_price_move_pct", f.eventPriceMovePct, "between 0 and 1")

        let g = c.regime
        check(g.adxPeriod >= 2 && g.adxPeriod <= 10_000, "regime.adx_period", g.adxPeriod, "2 to 10000")
        check(g.trendADX > 0 && g.trendADX < 100, "regime.trend_adx", g.trendADX, "between 0 and 100")
        check(g.volPeriod >= 2 && g.volPeriod <= 10_000, "regime.vol_period", g.volPeriod, "2 to 10000")
        check(g.volLookback >= 10 && g.volLookback <= 1_000_000, "regime.vol_lookback", g.volLookback, "10 to 1000000")
        check(g.lowVolLevel > 0 && g.lowVolLevel < g.highVolLevel && g.highVolLevel < 1, "regime.low_vol_level", g.lowVolLevel,
              "between 0 and high_vol_level (\(g.highVolLevel)), which must be below 1")
        check(g.expansionBars >= 1 && g.expansionBars <= 10_000, "regime.expansion_bars", g.expansionBars, "1 to 10000")

        check(["shared", "isolated"].contains(c.risk.bankroll), "risk.bankroll", c.risk.bankroll, "shared or isolated")
        let m = c.simulator
        check(["candle", "book"].contains(m.fillModel), "simulator.fill_model", m.fillModel, "candle or book")
        check(m.latencyMs >= 0 && m.latencyMs <= 3_600_000, "simulator.latency_ms", m.latencyMs, "0 to 3600000 (one hour)")
        check(m.marketDataLatencyMs >= 0 && m.marketDataLatencyMs <= 3_600_000, "simulator.market_data_latency_ms", m.marketDataLatencyMs, "0 to 3600000")
        check(m.participation >= 0 && m.participation <= 1, "simulator.participation", m.participation, "0 (no cap) to 1 (a fraction of bar volume)")
        check(["none", "flaky", "hostile"].contains(m.faults), "simulator.faults", m.faults, "none, flaky or hostile")
        check(m.seed >= 0, "simulator.seed", m.seed, "0 or more")

        let r = c.risk
        check(r.riskPerTrade > 0 && r.riskPerTrade <= 1, "risk.risk_per_trade", r.riskPerTrade, "above 0, at most 1 (a fraction of equity)")
        check(r.maxPositionPct > 0 && r.maxPositionPct <= 1, "risk.max_position_pct", r.maxPositionPct, "above 0, at most 1")
        check(r.stopLossFloorPct > 0 && r.stopLossFloorPct < 1, "risk.stop_loss_floor_pct", r.stopLossFloorPct, "between 0 and 1")
        check(r.takeProfitFloorPct > 0 && r.takeProfitFloorPct < 10, "risk.take_profit_floor_pct", r.takeProfitFloorPct, "above 0")
        check(r.maxConcurrentPositions >= 1, "risk.max_concurrent_positions", r.maxConcurrentPositions, "at least 1")
        check(r.maxTotalExposurePct > 0 && r.maxTotalExposurePct <= 1, "risk.max_total_exposure_pct", r.maxTotalExposurePct, "above 0, at most 1")
        check(r.breakevenAtR >= 0, "risk.breakeven_at_r", r.breakevenAtR, "0 (off) or more")
        check(r.trailingAtR >= 0, "risk.trailing_at_r", r.trailingAtR, "0 (off) or more")
        check(r.trailingDistancePct > 0 && r.trailingDistancePct < 1, "risk.trailing_distance_pct", r.trailingDistancePct, "between 0 and 1")
        check(r.maxDailyTrades >= 0, "risk.max_daily_trades", r.maxDailyTrades, "0 (no limit) or more")
        check(r.shortLeverage >= 2 && r.shortLeverage <= 5, "risk.short_leverage", r.shortLeverage, "2 to 5 (Kraken's margin leverage for the majors)")

        let x = c.smartExit
        check(x.tiers.allSatisfy { $0.fraction > 0 && $0.fraction <= 1 }, "smart_exit.tiers", "fractions", "each fraction above 0, at most 1")
        check(x.tiers.map(\.fraction).reduce(0, +) <= 1 + 1e-9, "smart_exit.tiers", x.tiers.map(\.fraction), "fractions that sum to at most 1")
        check(x.tiers.allSatisfy { $0.tpMultiple > 0 }, "smart_exit.tiers", "tp_multiple", "each tp_multiple above 0")

        let e = c.executor
        check(e.limitChaseAttempts >= 0, "executor.limit_chase_attempts", e.limitChaseAttempts, "0 or more")
        check(e.exitRetries >= 0, "executor.exit_retries", e.exitRetries, "0 or more")
        check(e.positionCheckIntervalS > 0 && e.positionCheckIntervalS <= 86_400, "executor.position_check_interval_s", e.positionCheckIntervalS, "above 0, at most 86400 (a day)")
        check(["resting", "on_touch"].contains(e.takeProfitOrders), "executor.take_profit_orders", e.takeProfitOrders, "resting or on_touch")

        for (name, fees) in [("kraken", c.venues.kraken), ("coinbase", c.venues.coinbase)] {
            check(fees.makerFee >= 0 && fees.makerFee < 0.1, "venues.\(name).maker_fee", fees.makerFee, "0 to 0.1 (a fraction: 0.0025 is 0.25%)")
            check(fees.takerFee >= 0 && fees.takerFee < 0.1, "venues.\(name).taker_fee", fees.takerFee, "0 to 0.1 (a fraction: 0.004 is 0.40%)")
        }
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw .several(errors) }
    }
}
