import ArgumentParser
import Foundation
import NovaCore
import NovaResearch

/// `novapulse signals`: the confluence stack's view of every bar, as CSV.
struct SignalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals",
        abstract: "Export the confluence stack's evaluation of every bar (direction, count, confidence, timeframes, regime, votes).",
        discussion: """
        One row per bar of the pair's imported data. Columns: time, direction, confluence_count, strength, confidence, \
        is_sure_fire, timeframe_agreement, tf_1..tf_3 (each timeframe's side), regime, volatility_regime, vol_level, \
        vol_expanding, entry_price, stop_loss, take_profit, obi, book_score, rejection (the filter that stopped it, empty \
        when it passed), then one column per strategy: its strength, negative for short, empty when neutral. \
        Bars with fewer than two agreeing strategies are neutral. See docs/strategies.md.
        """)

    @Option(name: .long, help: "The pair, e.g. BTC/USD (its data must be imported, or bundled).") var pair: String
    @Option(name: .long, help: "Exchange whose data to use: kraken or coinbase (default: config).") var exchange: String?
    @Option(name: .long, help: "Start (inclusive), UTC.") var from: String?
    @Option(name: .long, help: "End (exclusive; a date alone includes that day), UTC.") var to: String?
    @Option(name: .long, help: "YAML config file (default: built-in defaults).") var config: String?
    @Option(name: .long, help: "Where to write the CSV.") var out: String

    func validate() throws {
        try Validate.pair(pair)
        if let exchange { try Validate.exchange(exchange) }
        if let from { _ = try Validate.time(from) }
        if let to { _ = try Validate.time(to) }
    }

    func run() throws {
        try ExitCodes.reporting {
            var request = BacktestRequest(pairs: [try Pair(parsing: pair)], paths: WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment))
            request.exchange = try exchange.map { try ExchangeID(parsing: $0) }
            request.configPath = config
            request.strategy = "confluence"
            request.fromMs = try from.map { try UTCTime.parse($0) }
            if let to { request.toMs = try UTCTime.parse(to) + (to.count == 10 ? 86_400_000 : 0) }
            let runner = BacktestRunner(request: request)
            let cfg = try runner.effectiveConfig()
            var notes: [String] = []
            let data = try runner.loadData(config: cfg, notes: &notes)
            for note in notes { Terminal.error("note: \(note)") }
            let summary = try SignalExport.export(bars: data[0].0, config: cfg.confluenceStrategy, to: out)
            print("Wrote \(summary.rows) bars to \(out): \(summary.nonNeutral) with a confluence, \(summary.passed) passing every filter")
        }
    }
}
