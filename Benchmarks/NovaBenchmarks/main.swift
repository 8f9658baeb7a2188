// NovaPulse benchmarks. Run in release:  swift run -c release novapulse-bench [FILE]
// FILE defaults to the 1.3 M-bar Binance BTCUSDT file in ../shared/datasets.
// Each figure is reported with a ratio against a baseline measured in the same run, so
// results compare across machines: the baseline is one plain pass over the close column
// (the cheapest thing any backtest must do per bar).
import Foundation
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaVenue

func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

func best<T>(of runs: Int, _ body: () throws -> T) rethrows -> (T, Double) {
    var result: (T, Double)? = nil
    for _ in 0..<runs {
        let r = try time(body)
        if result == nil || r.1 < result!.1 { result = r }
    }
    return result!
}

let defaultFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/datasets/binance-btcusdt-1m-2022-01-01_2024-06-25.csv.zst").path
let file = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("--") } ?? defaultFile
let pair = Pair(base: "BTC", quote: "USDT")
print("NovaPulse benchmarks: \(file)")

// Import (parse + validate + fingerprint), then the binary cache.
let (imported, importSeconds) = try time { try OHLCVImporter(options: .init(pair: pair, exchange: .kraken)).importFile(file) }
let bars = imported.bars
let n = bars.count
print(String(format: "import            %7.3f s  %9.0f rows/s  %6.1f MB/s of CSV", importSeconds, Double(n) / importSeconds,
             Double(imported.contentBytes) / 1e6 / importSeconds))
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("novapulse-bench-\(getpid())").path
let catalog = DatasetCatalog(dataDirectory: dir)
try catalog.saveBars(bars, info: imported.info)
let (_, loadSeconds) = try best(of: 3) { try catalog.loadBars(pair: pair, exchange: .kraken, timeframe: .oneMinute) }
print(String(format: "cache load        %7.3f s  %9.0f rows/s  (%.0fx faster than import)", loadSeconds, Double(n) / loadSeconds, importSeconds / loadSeconds))
try? FileManager.default.removeItem(atPath: dir)

// Baseline: one pass over the close column.
let (sum, baseSeconds) = best(of: 5) { () -> Double in
    var s = 0.0
    for c in bars.close { s += c }
    return s
}
precondition(sum > 0)
print(String(format: "baseline pass     %7.4f s  %9.0f bars/s  (1.0x)", baseSeconds, Double(n) / baseSeconds))

func replay<S: Strategy>(_ name: String, _ make: @escaping () -> S) {
    let (engine, seconds) = best(of: 3) { () -> Engine<SimulatedVenue, S> in
        var engine = Engine(venue: SimulatedVenue(profile: .kraken, initialCash: 10_000), pairs: [pair], config: EngineConfig(), makeStrategy: make)
        engine.reserveEquity(n)
        for i in 0..<n {
            engine.onBar(pairIndex: 0, Bar(timestampMs: bars.timestampMs[i], open: bars.open[i], high: bars.high[i], low: bars.low[i],
                                               close: bars.close[i], volume: bars.volume[i]))
            engine.recordEquity(atMs: bars.timestampMs[i])
        }
        engine.finish()
        return engine
    }
    print(String(format: "replay %-10@ %7.3f s  %9.0f bars/s  (%.0fx baseline), %d trades", name, seconds, Double(n) / seconds,
                 seconds / baseSeconds, engine.trades.count))
}
if !CommandLine.arguments.contains("--profile-stack") {
    replay("buy_hold") { BuyAndHoldStrategy() }
    replay("sma_cross") { SMACrossStrategy(config: .init()) }
    replay("keltner") { KeltnerStrategy(config: .init()) }
}

// The whole signal stack: nine strategies on 1, 5 and 15-minute timeframes, over the last
// 365 days of bars (525,600), one core, no trading (the stack's own cost).
let yearStart = max(0, n - 525_600)
let stackRuns = CommandLine.arguments.contains("--profile-stack") ? 8 : 2
let (signalsSeen, stackSeconds) = best(of: stackRuns) { () -> Int in
    var stack = ConfluenceStrategy()
    var seen = 0
    for i in yearStart..<n {
        _ = stack.onBar(bars.bar(at: i), position: .flat)
        if stack.hasSignal { seen += 1 }
    }
    return seen
}
let yearBars = n - yearStart
print(String(format: "signal stack      %7.3f s  %9.0f bars/s  (%.0fx baseline), 9 strategies x 3 timeframes, %d bars, %d confluences",
             stackSeconds, Double(yearBars) / stackSeconds, stackSeconds / baseSeconds * Double(n) / Double(yearBars), yearBars, signalsSeen))
