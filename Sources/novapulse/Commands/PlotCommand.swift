import ArgumentParser
import Foundation
import NovaCore
import NovaResearch

/// `novapulse plot`: a pair's closes with chosen indicators and a run's trades, as one HTML page.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Chart a pair's price with indicators (and a run's entries and exits) as a self-contained HTML page.",
        discussion: """
        Indicators are the columns `novapulse indicators` writes (sma_20, ema_20, bb_upper_20_2, keltner_lower_20_2, \
        supertrend_10_3, vwap, rsi_14, macd_12_26_9, ...): those on the price's scale are drawn over it, the others in \
        panels of their own. With --run, the run's pair, exchange and window are used and its trades are marked. \
        Writes reports/plot-PAIR-FROM-TO.html unless --out names the file.
        """)

    @Option(name: .long, help: "The pair, e.g. BTC/USD (default with --run: the run's first pair).") var pair: String?
    @Option(name: .long, help: "Exchange whose data to use: kraken or coinbase (default: config, or the run's).") var exchange: String?
    @Option(name: .long, help: "Start (inclusive), UTC.") var from: String?
    @Option(name: .long, help: "End (exclusive; a date alone includes that day), UTC.") var to: String?
    @Option(name: .long, help: "Indicators, comma-separated, e.g. sma_20,bb_upper_20_2,bb_lower_20_2,rsi_14.") var indicators: String?
    @Option(name: .customLong("run"), help: "A run whose trades to mark (id or unique prefix).") var runID: String?
    @Option(name: .long, help: "Where to write the HTML.") var out: String?

    var indicatorNames: [String] { (indicators ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    func validate() throws {
        guard pair != nil || runID != nil else { throw ValidationError("--pair is needed (or --run, whose pair is used)") }
        if let pair { try Validate.pair(pair) }
        if let exchange { try Validate.exchange(exchange) }
        if let from { _ = try Validate.time(from) }
        if let to { _ = try Validate.time(to) }
        for name in indicatorNames where !PricePlot.names.contains(name) {
            throw ValidationError("--indicators: unknown indicator '\(name)'"
                + (DidYouMean.suggestion(for: name, among: PricePlot.names).map { "; did you mean '\($0)'?" } ?? "")
                + " (the columns of `novapulse indicators`: \(PricePlot.names.joined(separator: ", ")))")
        }
    }

    func run() throws {
        try ExitCodes.reporting {
            let paths = WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment)
            var trades: [Trade] = []
            var runPair: Pair?, runExchange: ExchangeID?, runFrom: Int64?, runTo: Int64?
            if let runID {
                let a = try RunRegistry(paths: paths).artifacts(runID)
                trades = a.trades
                let stored = try RunRegistry(paths: paths).load(a.runID).record
                runPair = try stored.pairs.split(separator: ",").first.map { try Pair(parsing: String($0)) }
                runExchange = ExchangeID(rawValue: stored.exchange)
                runFrom = a.equityTimestampMs.first
                runTo = a.equityTimestampMs.last.map { $0 + 60_000 }
            }
            let thePair = try pair.map { try Pair(parsing: $0) } ?? runPair!
            if runPair != nil { trades = trades.filter { $0.pair == thePair } }
            var request = BacktestRequest(pairs: [thePair], paths: paths)
            request.exchange = try exchange.map { try ExchangeID(parsing: $0) } ?? runExchange
            request.strategy = "buy_and_hold"
            request.fromMs = try from.map { try UTCTime.parse($0) } ?? runFrom
            if let to { request.toMs = try UTCTime.parse(to) + (to.count == 10 ? 86_400_000 : 0) } else { request.toMs = runTo }
            try paths.checkReportsDirectory()
            let runner = BacktestRunner(request: request)
            var notes: [String] = []
            let bars = try runner.loadData(config: try runner.effectiveConfig(), notes: &notes)[0].0
            for note in notes { Terminal.error("note: \(note)") }
            let table = IndicatorTableColumns.compute(bars)
            let chosen = indicatorNames.map { name in (name: name, values: table[PricePlot.names.firstIndex(of: name)!]) }
            let title = "\(thePair) \(UTCTime.iso(bars.timestampMs.first!).prefix(16)) to \(UTCTime.iso(bars.timestampMs.last!).prefix(16))"
                + (runID.map { ", run \($0)" } ?? "")
            let html = PricePlot.render(title: title, timestampMs: bars.timestampMs, close: bars.close, indicators: chosen, trades: trades)
            let day = { (t: Int64) in String(UTCTime.iso(t).prefix(10)) }
            let path = out ?? (paths.reportsDirectory as NSString).appendingPathComponent(
                "plot-\(thePair.base)-\(thePair.quote)-\(day(bars.timestampMs.first!))-\(day(bars.timestampMs.last!)).html")
            do { try html.write(toFile: path, atomically: true, encoding: .utf8) } catch { throw WriteFailure(path: path, error: error) }
            print("Wrote \(path): \(bars.count) bars, \(chosen.count) indicators" + (runID != nil ? ", \(trades.count) trades" : ""))
        }
    }
}
