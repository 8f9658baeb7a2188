import NovaCore
import NovaExecution
import NovaSimulator
import NovaVenue

/// The one place that turns the config file's sections into the settings of each component:
/// the engine (executor and risk manager), the simulated venue's fee schedule and rules, and
/// its matching settings. Backtest, optimizer and live all build their components here.
extension NovaPulseConfig {
    public var engineConfig: EngineConfig {
        var e = EngineConfig()
        e.initialCash = backtest.initialCash
        e.entryPostOnly = simulator.postOnlyEntries
        e.bankroll = risk.bankroll == "isolated" ? .isolated : .shared
        e.sizing = backtest.sizing
        e.riskPerTrade = risk.riskPerTrade
        e.maxPositionPct = risk.maxPositionPct
        e.defaultStopPct = risk.stopLossFloorPct
        e.closeAtEnd = backtest.closeAtEnd
        e.sizer = risk.sizing
        e.breakevenAtR = risk.breakevenAtR
        e.trailingAtR = risk.trailingAtR
        e.trailingDistancePct = risk.trailingDistancePct
        // Limit entries with a chase, as the executor places them; all-in comparisons keep market entries.
        e.entryChaseAttempts = backtest.sizing == .allIn ? 0 : executor.limitChaseAttempts
        e.exitRetries = executor.exitRetries
        e.exitOnOppositeSignal = executor.exitOnOppositeSignal
        e.takeProfitOnTouch = executor.takeProfitOrders == "on_touch"
        e.direction = backtest.direction
        e.shortLeverage = risk.shortLeverage
        e.shadowTrades = risk.shadowTrades
        e.positionCheckIntervalMs = Int64((executor.positionCheckIntervalS * 1000).rounded())
        e.eventPriceMovePct = confluence.eventPriceMovePct
        e.smartExitTiers = smartExit.enabled ? smartExit.tiers.map { EngineConfig.SmartExitTier(tpMultiple: $0.tpMultiple, fraction: $0.fraction) } : []
        var gates = risk.gates
        gates.maxConcurrentPositions = risk.maxConcurrentPositions
        gates.maxTotalExposurePct = risk.maxTotalExposurePct
        gates.maxDailyTrades = risk.maxDailyTrades
        gates.minRiskReward = confluence.minRiskReward
        e.gates = gates
        return e
    }

    /// The exchange's volume-tiered schedule with the config's entry tier; `--fee` (volume
    /// tiers off) gives one flat rate.
    public var venueProfile: VenueProfile {
        let fees = backtest.exchange == .kraken ? venues.kraken : venues.coinbase
        var profile = fees.volumeTiers
            ? VenueProfile.standard(backtest.exchange).withEntryTier(makerFee: fees.makerFee, takerFee: fees.takerFee)
            : VenueProfile(exchange: backtest.exchange, makerFee: fees.makerFee, takerFee: fees.takerFee)
        profile.margin?.openingFeeRate = fees.marginOpeningFee
        profile.margin?.rolloverFeeRate = fees.marginRolloverFee
        return profile
    }

    public var simulatorSettings: SimulatorSettings {
        var s = SimulatorSettings()
        s.fillModel = simulator.fillModel == "book" ? .book : .candle
        s.barMs = backtest.timeframe.milliseconds
        s.latencyMs = Int64(simulator.latencyMs)
        s.participation = simulator.participation
        s.faults = FaultProfile.named(simulator.faults) ?? .none
        s.seed = UInt64(simulator.seed)
        return s
    }
}
