// NovaPulse benchmarks. Run in release:  swift run -c release novapulse-bench [FILE]
// FILE defaults to the 1.3 M-bar Binance BTCUSDT file in ../shared/datasets.
// Each figure is reported with a ratio against a baseline measured in the same run, so
// results compare across machines: the baseline is one plain pass over the close column
// (the cheapest thing any backtest must do per bar).
import Foundation
import NovaCore
import NovaBacktest
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

// The order-book fill model: snapshots replayed per second on one core (target 5 M). The
// Bitstamp capture (1,800 snapshots of 20 levels, 284 trades) is tiled 2,000 times in time to
// 3.6 M snapshots; bars of one minute cover them; each bar the venue holds a resting buy limit
// (its queue position is updated on every snapshot and every trade) and a sell stop (its
// trigger checked against every trade), neither of which fills, so each snapshot costs what a
// quiet market costs: the common case of a real replay.
func bookBenchmark() throws {
    let datasets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/datasets").path
    let btcusd = Pair(base: "BTC", quote: "USD")
    let (one, _, _) = try OrderBookImporter(pair: btcusd, exchange: .kraken).importFile(datasets + "/bitstamp-btcusd-l2-20levels-1s.csv")
    let (tape1, _) = try TradeTapeImporter(pair: btcusd, exchange: .kraken).importFile(datasets + "/bitstamp-btcusd-trades.csv")
    let copies = 2_000
    let span = one.timestampMs.last! - one.timestampMs.first! + 1000
    var book = OrderBookSeries(depth: one.depth)
    var tape = TradeTape()
    book.timestampMs.reserveCapacity(one.count * copies)
    for c in 0..<copies {
        let shift = Int64(c) * span
        book.timestampMs.append(contentsOf: one.timestampMs.map { $0 + shift })
        book.bidPrice.append(contentsOf: one.bidPrice); book.bidSize.append(contentsOf: one.bidSize)
        book.askPrice.append(contentsOf: one.askPrice); book.askSize.append(contentsOf: one.askSize)
        for t in 0..<tape1.count {
            tape.append(timestampMs: tape1.timestampMs[t] + shift, price: tape1.price[t], size: tape1.size[t], takerBuys: tape1.takerBuys[t])
        }
    }
    let firstBar = book.timestampMs.first! / 60_000 * 60_000
    let barCount = Int((book.timestampMs.last! - firstBar) / 60_000) + 1
    let (touch, baseSeconds) = best(of: 5) { () -> Double in
        var s = 0.0
        for k in 0..<book.count { s += book.bidPrice[k * book.depth] }
        return s
    }
    precondition(touch > 0)
    let (updates, seconds) = best(of: 3) { () -> Int in
        var settings = SimulatorSettings()
        settings.fillModel = .book
        var v = SimulatedVenue(profile: .kraken.withFlatFee(0).unrestricted(), initialCash: 1e9, settings: settings)
        v.attachBook(btcusd, snapshots: book, trades: tape)
        var events: [VenueEvent] = []
        events.reserveCapacity(16)
        // A bid at a level inside the book (queue tracking) and a stop far below (trigger checks).
        v.submit(OrderRequest(id: 1, pair: btcusd, side: .buy, kind: .limit(price: 70_000), quantity: .base(1), purpose: .entry,
                              createdAtMs: firstBar - 60_000), events: &events)
        v.submit(OrderRequest(id: 2, pair: btcusd, side: .sell, kind: .stop(trigger: 50_000), quantity: .base(1), purpose: .stopLoss,
                              createdAtMs: firstBar - 60_000), events: &events)
        for b in 0..<barCount {
            let t = firstBar + Int64(b) * 60_000
            events.removeAll(keepingCapacity: true)
            v.replay(btcusd, Bar(timestampMs: t, open: 78_000, high: 78_000, low: 78_000, close: 78_000, volume: 1), events: &events)
        }
        precondition(v.openOrders.count == 2, "the benchmark's orders must stay resting")
        return v.stats.bookUpdates
    }
    print(String(format: "book replay       %7.3f s  %9.0f updates/s  (%.0fx a pass over the best bid), %d snapshots x 20 levels, %d trades, 2 resting orders",
                 seconds, Double(updates) / seconds, seconds / baseSeconds, updates, tape.count))
}
if CommandLine.arguments.contains("--book") {
    try bookBenchmark()
    exit(0)
}

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
    let (engine, seconds) = best(of: 3) { () -> Session<SimulatedVenue, S> in
        var engine = Session(venue: SimulatedVenue(profile: .kraken, initialCash: 10_000), pairs: [pair], config: EngineConfig(), makeStrategy: make)
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
// `--replay`: the replays only (for profiling the engine's per-bar path).
if CommandLine.arguments.contains("--replay") { exit(0) }

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

try bookBenchmark()
