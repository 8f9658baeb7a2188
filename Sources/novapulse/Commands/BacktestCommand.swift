import ArgumentParser
import Foundation
import NovaCore
import NovaEngine
import NovaSimulator
import NovaResearch

extension EngineConfig.Sizing: ExpressibleByArgument {}
extension TradeDirection: ExpressibleByArgument {}

/// `novapulse backtest`: replay history through the engine and store the run.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest a strategy on imported (or bundled) data; store the run and write its report.",
        discussion: """
        Orders decided at a bar's close fill from the next bar on, by the simulated exchange's fill model: \
        candle (market orders at the next open, a volume cap of simulator.participation per bar, stop before \
        target inside a bar) or book (orders walk the imported order-book snapshots and wait in the queue). \
        Fees follow the exchange's volume tiers. Several pairs (--pair BTC/USD,ETH/USD) share one bankroll, their \
        bars merged in time order. --to with a date alone includes that whole day.
        """)

    @Option(name: .long, help: "Pair(s) to trade, comma-separated, e.g. BTC/USD or BTC/USD,ETH/USD.")
    var pair: String

    @Option(name: .long, help: "Exchange whose data and fees to use: kraken or coinbase (default: config, kraken).")
    var exchange: String?

    @Option(name: .long, help: "Bar timeframe of the data, e.g. 1m, 5m, 1h (default: config, 1m).")
    var timeframe: String?

    @Option(name: .long, help: "Start (inclusive): YYYY-MM-DD, ISO 8601 time, or unix seconds/ms (UTC).")
    var from: String?

    @Option(name: .long, help: "End: YYYY-MM-DD (that whole day included), ISO time or unix time (exclusive).")
    var to: String?

    @Option(name: .customLong("trade-from"), help: "Entries open from this time (same forms as --from); earlier bars only warm the stack, as a live session's REST history does (backtest.trade_from).")
    var tradeFrom: String?

    @Option(name: .long, help: "YAML config file (default: built-in defaults, the same as config/novapulse.yaml).")
    var config: String?

    @Option(name: .long, help: "Strategy: confluence (the full stack, default), one of the nine alone (keltner, mean_reversion, ichimoku, order_flow, trend, stochastic_divergence, volatility_squeeze, supertrend, reversal), or a baseline (sma_cross, buy_and_hold).")
    var strategy: String?

    @Option(name: .long, help: "Override a parameter, KEY=VALUE (repeatable): a strategy parameter (fast=10) or a config key path (risk.risk_per_trade=0.02).")
    var param: [String] = []

    // `.unconditional`: a negative value ("-5") is the value, so the range check can say what is
    // wrong, instead of the parser calling it a missing value.
    @Option(name: .long, parsing: .unconditional, help: "Fee rate for every fill, maker and taker (0.001 = 0.1%), replacing the exchange's schedule.")
    var fee: Double?

    @Option(name: .long, parsing: .unconditional, help: "Starting cash in quote currency (default 10000).")
    var cash: Double?

    @Option(name: .long, help: "Position sizing: fixed-fractional (risk per trade, default) or all-in (all cash, fee included).")
    var sizing: EngineConfig.Sizing?

    @Option(name: .long, help: "Positions to open: long (default), short or both. Shorts are sold on margin: Kraken only, with its margin fees and liquidation (docs/risk.md).")
    var direction: TradeDirection?

    @Option(name: .long, help: "Fill model: candle (OHLCV bars; default) or book (replay the pair's imported order-book snapshots; docs/venues.md).")
    var fillModel: SimulatorSettings.FillModel?

    @Option(name: .long, help: "Order-entry latency in milliseconds: orders reach the matching engine this long after the decision (default 0).")
    var latencyMs: Int?

    @Option(name: .long, help: "Seed of the simulator's random draws (fault injection); the same data, config and seed give the same fills (default 1).")
    var seed: Int?

    @Option(name: .long, help: "Fault profile of the simulated exchange: none (default), flaky or hostile (seeded rejects, rate limits, partial fills, outages).")
    var faults: FaultProfileName?

    @Flag(name: .long, help: "Close positions still open when the data ends, at the last close (default: leave them open, marked to market).")
    var closeAtEnd = false

    @OptionGroup var output: JSONOutput

    func validate() throws {
        try Validate.pairList(pair)
        if let exchange { try Validate.exchange(exchange) }
        if let timeframe { try Validate.timeframe(timeframe) }
        if let fee, !(fee >= 0 && fee < 0.1) {
            throw ValidationError("--fee \(fee) is not a fee rate: give a fraction from 0 to 0.1 (0.001 is 0.1%)")
        }
        if let cash, !(cash > 0 && cash.isFinite) { throw ValidationError("--cash must be a positive amount, got \(cash)") }
        if let latencyMs, !(0...3_600_000).contains(latencyMs) { throw ValidationError("--latency-ms \(latencyMs): give 0 to 3600000 milliseconds") }
        if let seed, seed < 0 { throw ValidationError("--seed \(seed): give 0 or a positive whole number") }
        if let tradeFrom { _ = try Validate.time(tradeFrom) }
        let (f, t) = try window()
        if let f, let t, f >= t {
            throw ValidationError("--from \(from!) is not before --to \(to!)")
        }
    }

    func window() throws -> (Int64?, Int64?) {
        var f: Int64?, t: Int64?
        if let from { f = try Validate.time(from) }
        if let to { t = try Validate.windowEnd(to) }
        return (f, t)
    }

    func run() throws {
        try ExitCodes.reporting {
            var request = BacktestRequest(pairs: try Pair.parseList(pair),
                                          paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            request.exchange = try exchange.map { try ExchangeID(parsing: $0) }
            request.timeframe = try timeframe.map { try Timeframe(parsing: $0) }
            (request.fromMs, request.toMs) = try window()
            request.strategy = strategy
            request.configPath = config
            request.params = param
            request.fee = fee
            request.cash = cash
            request.sizing = sizing
            request.direction = direction
            request.closeAtEnd = closeAtEnd
            request.tradeFromMs = try tradeFrom.map(Validate.time)
            request.fillModel = fillModel?.rawValue
            request.latencyMs = latencyMs
            request.seed = seed
            request.faults = faults?.name

            let bar = Terminal.ProgressBar(label: "backtest")
            let outcome = try BacktestRunner(request: request).run(progress: bar.update)
            bar.finish()
            if output.json {
                print(BacktestSummary.json(outcome))
            } else {
                for note in outcome.notes.prefix(8) { Terminal.error("note: \(note)") }
                // The pointer is true: the report shows up to NoteGroups.reportLimit notes, the results all of them.
                let n = outcome.notes.count, inReport = min(n, NoteGroups.reportLimit)
                if n > 8 {
                    Terminal.error("note: ... \(inReport - 8) more in the report"
                                   + (n > inReport ? ", \(n - inReport) beyond those in `novapulse runs show \(outcome.runID) --json`" : ""))
                }
                print(BacktestSummary.text(outcome, pairs: request.pairs))
            }
        }
    }
}

/// The end-of-run summary, as a table or as JSON.
enum BacktestSummary {
    /// "30240 bars", or with several pairs every pair's bars: "60480 bars (30240 BTC/USD, 30240 BTC/USDT)".
    static func barCount(_ o: BacktestRunner.Outcome, pairs: [Pair]) -> String {
        guard pairs.count > 1, o.barsPerPair.count == pairs.count else { return "\(o.metrics.bars) bars" }
        return "\(o.barsPerPair.reduce(0, +)) bars (" + zip(o.barsPerPair, pairs).map { "\($0) \($1)" }.joined(separator: ", ") + ")"
    }

    /// Pairs of several quote currencies: each one's realised P&L, as " (realised: USD -100.00,
    /// USDT -126.43; counted 1:1)"; empty with one currency.
    static func perCurrency(_ trades: [Trade]) -> String {
        let by = HTMLReport.realisedByQuote(trades)
        guard by.count > 1 else { return "" }
        return " (realised: " + by.map { String(format: "%@ %.2f", $0.currency, $0.pnl) }.joined(separator: ", ") + "; counted 1:1)"
    }

    static func text(_ o: BacktestRunner.Outcome, pairs: [Pair]) -> String {
        let m = o.metrics
        let c = o.config.backtest
        var rows: [[String]] = [
            ["trades", "\(m.trades)" + (m.openTrades > 0 ? " (+\(m.openTrades) open)" : "")],
            // No closed trade: no win rate to speak of (0.00% would read as all losses).
            ["win rate", m.trades == 0 ? "n/a" : String(format: "%.2f%%", m.winRate * 100)],
            ["net P&L", String(format: "%.2f", m.netPnl) + Self.perCurrency(o.trades)],
            ["return", String(format: "%.2f%%", m.totalReturnPct)],
            ["max drawdown", String(format: "%.2f%%", -m.maxDrawdownPct)],
            ["Sharpe", String(format: "%.2f", m.sharpe)],
            ["fees", String(format: "%.2f", m.feesPaid)],
            ["buy and hold", String(format: "%.2f%%", m.buyAndHoldReturnPct)],
        ]
        let closed = o.trades.filter { !$0.isOpen }
        if c.direction != .long || closed.contains(where: { $0.side == .sell }) {
            rows.insert(["long / short", "\(closed.filter { $0.side == .buy }.count) / \(closed.filter { $0.side == .sell }.count)"], at: 1)
        }
        if !closed.isEmpty {
            rows.insert(["exits", exitReasons(closed).map { "\($0.key) \($0.value)" }.joined(separator: ", ")], at: rows.count - 1)
        }
        let head = "Run \(o.runID): \(c.strategy) on \(pairs.map(\.description).joined(separator: ",")) "
            + "(\(c.exchange) \(c.timeframe)), \(m.startTime) to \(m.endTime), \(barCount(o, pairs: pairs))"
        return head + "\n" + Terminal.table(["metric", "value"], rows) + "\nReport: \(o.reportDirectory)/report.html"
            + "\nSignals: novapulse runs export \(o.runID) --signals (signals.csv, a row per evaluation)"
    }

    static func json(_ o: BacktestRunner.Outcome) -> String {
        let encoder = JSONEncoder()
        var object = (try? JSONSerialization.jsonObject(with: encoder.encode(o.metrics))) as? [String: Any] ?? [:]
        object["run_id"] = o.runID
        object["report"] = "\(o.reportDirectory)/report.html"
        object["signals_export"] = "novapulse runs export \(o.runID) --signals"
        object["strategy"] = o.config.backtest.strategy
        let closed = o.trades.filter { !$0.isOpen }
        object["long_trades"] = closed.filter { $0.side == .buy }.count
        object["short_trades"] = closed.filter { $0.side == .sell }.count
        object["exit_reasons"] = Dictionary(uniqueKeysWithValues: exitReasons(closed).map { ($0.key, $0.value) })
        object["trade_from"] = o.config.backtest.tradeFrom ?? NSNull()
        object["notes"] = o.notes
        return Terminal.json(object)
    }

    /// Closed trades per exit reason, most frequent first.
    static func exitReasons(_ closed: [Trade]) -> [(key: String, value: Int)] {
        Dictionary(grouping: closed, by: { $0.exitReason ?? "unknown" }).mapValues(\.count).sorted { ($1.value, $0.key) < ($0.value, $1.key) }
    }
}
