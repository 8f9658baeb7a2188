import Foundation
import Testing
import NovaTestSupport
@testable import NovaResearch

@Suite struct ConfigLoaderTests {
    @Test func shippedYAMLEqualsTheBuiltInDefaults() throws {
        let fromFile = try ConfigLoader.load(path: Fixtures.packageRoot.appendingPathComponent("config/novapulse.yaml").path)
        #expect(fromFile == NovaPulseConfig())
    }

    @Test func seedDefaults() {
        let c = NovaPulseConfig()
        #expect(c.strategies.weights["keltner"] == 0.30 && c.strategies.weights["mean_reversion"] == 0.25)
        #expect(c.strategies.weights.count == 9)
        #expect(c.confluence.minConfluence == 3 && c.confluence.minConfidence == 0.55)
        #expect(c.risk.stopLossFloorPct == 0.025 && c.risk.takeProfitFloorPct == 0.05)
        #expect(c.smartExit.tiers.map(\.fraction) == [0.5, 0.3] && c.smartExit.tiers.map(\.tpMultiple) == [1.0, 1.5])
        #expect(c.confluence.timeframes == [1, 5, 15] && c.confluence.timeframeWeights == [1.0, 1.3, 1.5])
    }

    @Test func aPartialFileOverridesOnlyWhatItSays() throws {
        let path = Fixtures.file("risk:\n  risk_per_trade: 0.02\nstrategies:\n  sma_cross: {fast: 5}\n", name: "c.yaml")
        let c = try ConfigLoader.load(path: path)
        #expect(c.risk.riskPerTrade == 0.02)
        #expect(c.strategies.smaCross.fast == 5 && c.strategies.smaCross.slow == 30)
        #expect(c.risk.maxPositionPct == 0.25)
    }

    /// Issue 32 #7: a --param of 1e999 and a directory given as the config are said plainly.
    @Test func nonFiniteParamsAndDirectoriesAreNamed() throws {
        #expect { try ConfigLoader.load(path: nil, params: ["fast=1e999"], strategy: "sma_cross") } throws: {
            "\($0)".contains("strategies.sma_cross.fast = inf is not allowed: a finite number")
        }
        let dir = Fixtures.scratch("config-dir")
        #expect { try ConfigLoader.load(path: dir) } throws: { "\($0)".contains("a directory, not a config file") }
    }

    @Test func unknownKeysAreNamed() throws {
        let path = Fixtures.file("risk:\n  risk_per_trad: 0.02\n", name: "c.yaml")
        #expect { try ConfigLoader.load(path: path) } throws: {
            "\($0)".hasPrefix("\(path): unknown key 'risk.risk_per_trad'; did you mean 'risk.risk_per_trade'? (known here: bankroll, breakeven_at_r, gates, max_concurrent_positions")
        }
        let top = Fixtures.file("riskk: {}\n", name: "c.yaml")
        #expect { try ConfigLoader.load(path: top) } throws: { "\($0)".contains("unknown key 'riskk'; did you mean 'risk'?") }
    }

    @Test(arguments: [
        ("risk:\n  risk_per_trade: 1.5\n", "risk.risk_per_trade = 1.5 is not allowed: above 0, at most 1"),
        ("confluence:\n  min_confluence: 12\n", "confluence.min_confluence = 12 is not allowed: 1 to 9"),
        ("strategies:\n  sma_cross: {fast: 30, slow: 10}\n", "strategies.sma_cross.fast = 30 is not allowed: less than slow (10)"),
        ("backtest:\n  exchange: binance\n", "backtest.exchange = 'binance' is not allowed"),
        ("backtest:\n  initial_cash: lots\n", "backtest.initial_cash = 'lots' is not allowed: expected a number"),
        ("backtest:\n  trade_from: soon\n", "backtest.trade_from = soon is not allowed: a time"),
        ("strategies:\n  keltner_channel: {ema_period: 2.5}\n", "strategies.keltner_channel.ema_period = 2.5 is not allowed: expected a whole number"),
        ("venues:\n  kraken: {maker_fee: 0.0025, taker_fee: 0.4}\n", "venues.kraken.taker_fee = 0.4 is not allowed"),
        ("smart_exit:\n  tiers: [{tp_multiple: 1, fraction: 0.7}, {tp_multiple: 2, fraction: 0.7}]\n", "fractions that sum to at most 1"),
        // Issue 32 #2: periods have an upper bound (a window is memory: slow=99999999999 asked for 800 GB).
        ("strategies:\n  sma_cross: {fast: 10, slow: 99999999999}\n", "strategies.sma_cross.slow = 99999999999 is not allowed: 2 to 10000"),
        ("strategies:\n  sma_cross: {fast: 10, slow: 3000000000}\n", "strategies.sma_cross.slow = 3000000000 is not allowed: 2 to 10000"),
        ("confluence:\n  timeframes: [1, 5, 100000]\n  timeframe_weights: [1, 1, 1]\n", "confluence.timeframes"),
        ("regime:\n  vol_lookback: 50000000\n", "regime.vol_lookback = 50000000 is not allowed: 10 to 1000000"),
        ("strategies:\n  keltner_channel: {sl_atr: 1e9}\n", "strategies.keltner_channel.sl_atr"),
        // Issue 32 #7: non-finite numbers are named by their key (JSON said "Invalid number value (inf)").
        ("risk:\n  risk_per_trade: 1e400\n", "risk.risk_per_trade = inf is not allowed: a finite number"),
        ("risk:\n  risk_per_trade: .nan\n", "risk.risk_per_trade = nan is not allowed: a finite number"),
        ("backtest:\n  initial_cash: 1e308\n", "backtest.initial_cash = 1e+308 is not allowed: a positive amount, at most 1e15"),
        // A period in seconds becomes milliseconds in an Int64: 1e300 trapped when a run began.
        ("executor:\n  position_check_interval_s: 1e300\n", "executor.position_check_interval_s = 1e+300 is not allowed: above 0, at most 86400"),
    ])
    func outOfRangeValuesAreNamedWithTheirKey(yaml: String, message: String) throws {
        let path = Fixtures.file(yaml, name: "c.yaml")
        #expect { try ConfigLoader.load(path: path) } throws: { error in
            let text = "\(error)"
            if !text.contains(message) { Issue.record("\(text)") }
            return error is ConfigError
        }
    }

    @Test func tradeFromIsATime() throws {
        let c = try ConfigLoader.load(path: Fixtures.file("backtest:\n  trade_from: '2024-06-01T00:07:00Z'\n", name: "c.yaml"))
        #expect(c.backtest.tradeFromMs == 1_717_200_420_000)
        #expect(try ConfigLoader.load(path: nil).backtest.tradeFrom == nil)
        #expect(try ConfigLoader.load(path: nil, params: ["backtest.trade_from=1717200420"], strategy: nil).backtest.tradeFromMs == 1_717_200_420_000)
    }

    @Test func paramsOverrideStrategyParametersAndConfigPaths() throws {
        let c = try ConfigLoader.load(path: nil, params: ["fast=7", "risk.max_position_pct=0.5"], strategy: "sma_cross")
        #expect(c.strategies.smaCross.fast == 7 && c.risk.maxPositionPct == 0.5)
        #expect { try ConfigLoader.load(path: nil, params: ["fats=7"], strategy: "sma_cross") } throws: {
            "\($0)".contains("strategy sma_cross has no parameter 'fats' (it has: fast, slow)")
        }
        #expect { try ConfigLoader.load(path: nil, params: ["fast"], strategy: "sma_cross") } throws: { "\($0)".contains("missing '='") }
        #expect { try ConfigLoader.load(path: nil, params: ["fast=0"], strategy: "sma_cross") } throws: {
            "\($0)".contains("strategies.sma_cross.fast = 0 is not allowed")
        }
        #expect { try ConfigLoader.load(path: nil, params: ["x=1"], strategy: "buy_and_hold") } throws: { "\($0)".contains("has no parameters") }
    }

    @Test func missingOrMalformedFiles() {
        #expect { try ConfigLoader.load(path: "/nope.yaml") } throws: { "\($0)" == "/nope.yaml: cannot read the config: no such file" }
        let path = Fixtures.file("risk: [1, 2\n", name: "c.yaml")
        #expect { try ConfigLoader.load(path: path) } throws: { "\($0)".contains("not valid YAML") }
        let list = Fixtures.file("- a\n- b\n", name: "c.yaml")
        #expect { try ConfigLoader.load(path: list) } throws: { "\($0)".contains("top level must be a mapping") }
    }
}

/// Hostile YAML in shared config and experiment files is refused quickly with a clear error.
@Suite struct HostileYAMLTests {
    /// Nine levels of nine aliases each: 9^9 values once expanded.
    static let bomb: String = {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for i in 1...8 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]") }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func anAliasBombIsRefusedFast() throws {
        let path = Fixtures.file(Self.bomb, name: "bomb.yaml")
        let start = Date()
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
        do { _ = try ConfigLoader.load(path: path) } catch {
            #expect("\(error)".contains("once its aliases are expanded"), "\(error)")
        }
        #expect(throws: ConfigError.self) { try ExperimentSpec.parse(Self.bomb, source: "bomb.yaml") }
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func aHugeFileIsRefusedAndOrdinaryAliasesStillWork() throws {
        let huge = Fixtures.file("# " + String(repeating: "x", count: SafeYAML.maxBytes) + "\n", name: "huge.yaml")
        do { _ = try ConfigLoader.load(path: huge); Issue.record("accepted") } catch { #expect("\(error)".contains("at most 1048576 are read")) }
        let ok = Fixtures.file("risk: &r\n  risk_per_trade: 0.02\nbacktest:\n  initial_cash: 5000\n", name: "alias.yaml")
        #expect(try ConfigLoader.load(path: ok).risk.riskPerTrade == 0.02)
    }
}
