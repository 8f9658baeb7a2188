import Foundation
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaStorage
import NovaVenue

/// Resolving a run's configuration: the file, then `--param`, then flags; and the stored form of it.
extension BacktestRunner {
    /// Resolves the effective configuration: file, then `--param`, then flags.
    public func effectiveConfig() throws -> NovaPulseConfig {
        let preliminary = try ConfigLoader.load(path: request.configPath)
        let strategy = request.strategy ?? preliminary.backtest.strategy
        guard StrategyCatalog.names.contains(strategy) else {
            throw ConfigError.badValue(keyPath: "--strategy", value: "'\(strategy)'",
                                       expected: (DidYouMean.suggestion(for: strategy, among: StrategyCatalog.names).map { "did you mean '\($0)'? " } ?? "")
                                           + "one of \(StrategyCatalog.names.joined(separator: ", "))", source: "command line")
        }
        var config = try ConfigLoader.load(path: request.configPath, params: request.params, strategy: strategy)
        config.backtest.strategy = strategy
        if let e = request.exchange { config.backtest.exchange = e }
        if let t = request.timeframe { config.backtest.timeframe = t }
        if let c = request.cash { config.backtest.initialCash = c }
        if let s = request.sizing { config.backtest.sizing = s }
        if try baselineRunsAllIn(strategy: strategy) { config.backtest.sizing = .allIn }
        if let d = request.direction { config.backtest.direction = d }
        if request.closeAtEnd { config.backtest.closeAtEnd = true }
        if let t = request.tradeFromMs { config.backtest.tradeFrom = UTCTime.iso(t) }
        if let m = request.fillModel { config.simulator.fillModel = m }
        if let l = request.latencyMs { config.simulator.latencyMs = l }
        if let s = request.seed { config.simulator.seed = s }
        if let f = request.faults { config.simulator.faults = f }
        if let fee = request.fee {
            // One flat rate for every fill; the endpoints stay as configured.
            for venue in [\NovaPulseConfig.VenuesSection.kraken, \.coinbase] {
                config.venues[keyPath: venue].makerFee = fee
                config.venues[keyPath: venue].takerFee = fee
                config.venues[keyPath: venue].volumeTiers = false
            }
        }
        try ConfigValidator.validate(config, source: "command line")
        Self.applyRiskFloors(&config)
        return config
    }

    /// The baselines that validate the engine against other tools (vectorbt, backtesting.py
    /// run them with all the cash and no risk manager).
    public static let baselines: Set<String> = ["sma_cross", "buy_and_hold"]

    /// A baseline runs all-in and ungated unless sizing was asked for (`--sizing`, or
    /// `backtest.sizing` in the file or a `--param`): through the risk manager's Kelly gates it
    /// is halted for most of a window and no longer compares with those tools.
    func baselineRunsAllIn(strategy: String) throws -> Bool {
        guard request.sizing == nil, Self.baselines.contains(strategy) else { return false }
        return try !ConfigLoader.sets("backtest.sizing", path: request.configPath, params: request.params, strategy: strategy)
    }

    /// The seed's SL/TP floors apply to the strategies' stops.
    static func applyRiskFloors(_ config: inout NovaPulseConfig) {
        config.strategies.keltner.slFloorPct = config.risk.stopLossFloorPct
        config.strategies.keltner.tpFloorPct = config.risk.takeProfitFloorPct
    }

    /// A run's `config` column (the effective config, its hash, pairs, window, data and any
    /// `extra` keys, as sorted JSON) and the hash of the effective config.
    static func storedConfig(_ config: NovaPulseConfig, pairs: [Pair], window: [String: String],
                             data: [(info: DatasetInfo, rows: Int)], extra: [String: Any] = [:]) throws -> (json: String, configHash: String) {
        let configJSON = ConfigLoader.canonicalJSON(config)
        let configHash = SHA256.hex(of: Array(configJSON.utf8))
        var stored: [String: Any] = [
            "config": (try? JSONSerialization.jsonObject(with: Data(configJSON.utf8))) ?? [:],
            "config_hash": configHash,
            "pairs": pairs.map(\.description),
            "window": window,
            "data": data.map { ["pair": $0.info.pair.description, "exchange": $0.info.exchange.rawValue, "timeframe": $0.info.timeframe.description,
                                "fingerprint": $0.info.fingerprint, "source": $0.info.sourcePath, "rows": $0.rows] as [String: Any] },
        ]
        stored.merge(extra) { $1 }
        return (String(decoding: try JSONSerialization.data(withJSONObject: stored, options: [.sortedKeys]), as: UTF8.self), configHash)
    }
}
