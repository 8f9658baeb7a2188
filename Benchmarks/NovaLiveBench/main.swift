// The live path's numbers (issue 12): decision latency from the bar-closing WebSocket frame
// to the decision made and its orders handed to the venue, and inputs per second through the
// runtime actor, against the fake Kraken on 127.0.0.1 (real REST and WebSocket v2 over
// loopback). Release build with the Live trait:
//
//     swift run -c release --traits Live novapulse-live-bench [--days N]
//
// Paced: one bar every 2 ms (latency with the actor otherwise idle, as on the market). Flood:
// the fake sends as fast as its event loop can (throughput; latency then includes queueing).
//
//     swift run -c release --traits Live novapulse-live-bench --soak [--book-updates 960] [--pace-ms 0]
//     swift run -c release --traits Live novapulse-live-bench --orders [--days 1]     (LiveOrdersBench.swift)
//     swift run -c release --traits Live novapulse-live-bench --restart [--days 30]
//     swift run -c release --traits Live novapulse-live-bench --exchange coinbase [--days N]   (CoinbaseBench.swift)
//     swift run -c release --traits Live novapulse-live-bench --accounts [--days N]   (TwoAccountsBench.swift)
//
// Soak: one day of bars with N book updates before each (checksummed, about a million frames
// at the default), flooded through the live wiring with the default stack; resident memory
// sampled twice a second; the ledger reconciled with the engine at the end.
#if Live
import Foundation
import GRDB
import NIOPosix
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaKraken
import NovaLive
import NovaStorage
import NovaTestSupport

let days = CommandLine.arguments.firstIndex(of: "--days").flatMap { Int(CommandLine.arguments[$0 + 1]) } ?? 3
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

/// The bundled real day repeated `days` times, moved so that bar 400 is the current minute.
func market() throws -> (history: [Bar], stream: [Bar]) {
    let s = try Fixtures.realDay()
    let now = Int64(Date().timeIntervalSince1970 * 1000) / 60_000 * 60_000
    let offset = now - s.timestampMs[400]
    var bars: [Bar] = []
    for d in 0..<days {
        let shift = offset + Int64(d) * Int64(s.count) * 60_000
        for i in 0..<s.count {
            bars.append(Bar(timestampMs: s.timestampMs[0] + Int64(i) * 60_000 + shift,
                            open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i]))
        }
    }
    return (Array(bars[..<400]), Array(bars[400...]))
}

func run(strategy: String, intervalMs: Int64, bookUpdates: Int = 0, inspect: ((LiveLedger) throws -> Void)? = nil) async throws -> (LiveSummary, seconds: Double) {
    let (history, stream) = try market()
    var script = FakeKraken.Script()
    script.history = history
    script.stream = stream
    script.barIntervalMs = intervalMs
    script.bookUpdatesPerBar = bookUpdates
    let fake = FakeKraken(script: script)
    try fake.start()
    defer { fake.stop() }
    var config = try ConfigLoader.load(path: nil, params: [], strategy: strategy)
    config.backtest.strategy = strategy
    if strategy == "sma_cross" { config.strategies.smaCross.fast = 5; config.strategies.smaCross.slow = 20 }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("np-live-bench-\(UUID().uuidString)").path
    var options = LiveOptions(pairs: [try Pair(parsing: "BTC/USD")], config: config, databasePath: dir + "/live.db")
    options.stopAfterBars = stream.count - 1
    options.durationMs = 600_000
    options.output = { _ in }
    let (summary, seconds, ledger) = try await paperSession(fake, options)
    try inspect?(ledger)
    try? FileManager.default.removeItem(atPath: dir)
    return (summary, seconds)
}

/// A paper session against `fake` (REST over loopback, WebSocket feed), timed whole.
func paperSession(_ fake: FakeKraken, _ options: LiveOptions) async throws -> (LiveSummary, seconds: Double, LiveLedger) {
    let http = HTTPClientTransport(group: group)
    let rest = try KrakenRESTClient(transport: http, baseURL: fake.restURL, credentials: nil, tier: .starter,
                                    persistedNonce: 0, storeNonce: { _ in }, clock: WallClock())
    let ledger = LiveLedger(store: try ResultsStore(path: options.databasePath))
    let runtime = LiveRuntime(options: options, rest: rest, connector: WebSocketKitConnector(group: group), wsURL: fake.wsURL, ledger: ledger)
    let start = Date()
    let summary = try await runtime.run()
    let seconds = Date().timeIntervalSince(start)
    await http.shutdown()
    return (summary, seconds, ledger)
}

func us(_ v: Double?) -> String { v.map { String(format: "%.0f us", $0) } ?? "-" }

/// Resident memory in MB (VmRSS of /proc/self/status).
func residentMB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

if CommandLine.arguments.contains("--soak") {
    let updates = CommandLine.arguments.firstIndex(of: "--book-updates").flatMap { Int(CommandLine.arguments[$0 + 1]) } ?? 960
    final class Samples: @unchecked Sendable { let lock = NSLock(); var mb: [Double] = [] }
    let samples = Samples()
    let sampler = Task {
        while !Task.isCancelled {
            samples.lock.withLock { samples.mb.append(residentMB()) }
            try? await Task.sleep(nanoseconds: 500_000_000)
        }
    }
    var rows: [LiveLedger.TradeRow] = []
    let pace = CommandLine.arguments.firstIndex(of: "--pace-ms").flatMap { Int64(CommandLine.arguments[$0 + 1]) } ?? 0
    let (s, seconds) = try await run(strategy: "confluence", intervalMs: pace, bookUpdates: updates) { rows = try $0.trades(limit: 1_000_000) }
    sampler.cancel()
    let mb = samples.lock.withLock { samples.mb }
    // Reconciliation: the ledger against the engine's own books at the stop.
    let closed = rows.filter { $0.status == "closed" }
    let distinct = Set(rows.map(\.tradeID)).count
    let ledgerPnl = closed.reduce(0) { $0 + $1.pnl }
    let report = ["ledger: \(rows.count) trades (\(distinct) distinct ids), \(closed.count) closed, \(rows.count - closed.count) open",
                  String(format: "realized P&L: ledger %.2f, engine %.2f (difference %.4f)", ledgerPnl, s.realizedPnl, ledgerPnl - s.realizedPnl)]
    print("soak: \(s.liveBars) live bars, \(updates) book updates per bar, \(pace == 0 ? "flooded" : "a bar every \(pace) ms"), \(s.inputs) inputs in \(String(format: "%.1f", seconds)) s "
          + "(\(String(format: "%.0f", Double(s.inputs) / seconds)) inputs/s); \(s.booksValidated) books validated, \(s.checksumMismatches) checksum mismatches")
    print("decisions \(s.decisions), trades opened \(s.tradesOpened), closed \(s.tradesClosed), open at the stop \(s.openPositions); ledger write failures \(s.ledgerWriteFailures)")
    for line in report { print(line) }
    if mb.count >= 4 {
        let tenth = mb[mb.count / 10]
        print(String(format: "resident memory: %.1f MB at 10%% of the run, %.1f MB at the end, peak %.1f MB (%d samples)", tenth, mb.last!, mb.max()!, mb.count))
    }
    let ok = s.checksumMismatches == 0 && abs(ledgerPnl - s.realizedPnl) < 0.005 && s.ledgerWriteFailures == 0
        && distinct == rows.count && rows.count == s.tradesOpened && closed.count == s.tradesClosed && rows.count - closed.count == s.openPositions
    print(ok ? "reconciled: no lost or duplicated trade, P&L to the cent" : "NOT RECONCILED")
    exit(ok ? 0 : 1)
}

/// One session of `--restart` on `dir`'s ledger, its output lines kept.
func restartSession(_ history: [Bar], _ stream: [Bar], bars: Int, config: NovaPulseConfig, dir: String) async throws -> (LiveSummary, Double, [String]) {
    var script = FakeKraken.Script()
    script.history = history
    script.stream = stream
    script.barIntervalMs = 0
    let fake = FakeKraken(script: script)
    try fake.start()
    defer { fake.stop() }
    var options = LiveOptions(pairs: [try Pair(parsing: "BTC/USD")], config: config, databasePath: dir + "/live.db")
    options.stopAfterBars = bars
    options.durationMs = 3_600_000
    final class Lines: @unchecked Sendable { let lock = NSLock(); var all: [String] = [] }
    let lines = Lines()
    options.output = { line in lines.lock.withLock { lines.all.append(line) } }
    let (summary, seconds, _) = try await paperSession(fake, options)
    return (summary, seconds, lines.lock.withLock { lines.all })
}

// Restart: a flooded session of `days` (the default stack, a checkpoint every 1,440 bars and
// one at the stop), then restarts on its ledger: from the checkpoint, and with the checkpoint
// deleted (the whole journal replayed, as before checkpoints). Each restart is a whole
// session of one live bar; the difference between them is the replay.
if CommandLine.arguments.contains("--restart") {
    let (history, stream) = try market()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("np-live-restart-\(UUID().uuidString)").path
    var config = try ConfigLoader.load(path: nil, params: [], strategy: "confluence")
    config.live.checkpointBars = 1440
    let live = Array(stream.dropLast(3))
    let (first, firstSeconds, _) = try await restartSession(history, live, bars: live.count - 1, config: config, dir: dir)
    let ledger = LiveLedger(store: try ResultsStore(path: dir + "/live.db"))
    let rows = try ledger.journalCount()
    let size = try ledger.checkpoint()?.state.count ?? 0
    if let path = ProcessInfo.processInfo.environment["NOVAPULSE_DUMP_CHECKPOINT"], let c = try ledger.checkpoint() {
        try ZstdFrame.decompress(c.state).write(to: URL(fileURLWithPath: path))
    }
    print("first session: \(first.liveBars) live bars flooded in \(String(format: "%.1f", firstSeconds)) s, \(first.checkpoints) checkpoints; "
          + "journal \(rows) rows, checkpoint \(size / 1024) KiB compressed")
    // REST now holds the last 720 bars up to the newest the first session saw, and 3 newer.
    let seen = history + live[..<(first.liveBars)]
    let rest = Array(seen.suffix(720)), next = Array(stream[first.liveBars...].prefix(3))
    print("| restart | live bars replayed | replay inputs | whole restart session |")
    print("|---|---|---|---|")
    for round in 0..<3 {
        for from in ["checkpoint", "whole journal"] {
            if from == "whole journal" || round > 0 {
                // Each restart writes its own checkpoint at its stop: put the first one back,
                // or none, so every round starts from the same journal.
                let queue = try DatabaseQueue(path: dir + "/live.db")
                try await queue.write { db in
                    try db.execute(sql: "DELETE FROM live_checkpoint")
                    try db.execute(sql: "DELETE FROM live_journal WHERE seq > ?", arguments: [rows])
                    if from == "checkpoint" { try db.execute(sql: "INSERT INTO live_checkpoint SELECT * FROM saved_checkpoint") }
                }
                try queue.close()
            } else {
                let queue = try DatabaseQueue(path: dir + "/live.db")
                try await queue.write { db in try db.execute(sql: "CREATE TABLE saved_checkpoint AS SELECT * FROM live_checkpoint") }
                try queue.close()
            }
            let (s, seconds, lines) = try await restartSession(rest, next, bars: 1, config: config, dir: dir)
            let resumed = lines.first { $0.hasPrefix("resumed") } ?? "?"
            let inputs = resumed.range(of: "and the ").map { String(resumed[$0.upperBound...].prefix { $0 != " " }) } ?? "\(rows)"
            print("| \(from) | \(s.replayedBars) | \(inputs) | \(String(format: "%.2f", seconds)) s |")
        }
    }
    try? FileManager.default.removeItem(atPath: dir)
    try await group.shutdownGracefully()
    exit(0)
}

if CommandLine.arguments.contains("--orders") {
    try await liveOrdersBench(days: days)
    try await group.shutdownGracefully()
    exit(0)
}

if CommandLine.arguments.contains("--accounts") {
    print("| run | account | live bars | p50 | p99 | max | orders: p50 | p99 | n | inputs/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for strategy in ["sma_cross", "confluence"] {
        for (name, interval) in [("paced 2 ms", Int64(2)), ("flood", Int64(0))] {
            let (summaries, seconds) = try await twoAccountsRun(strategy: strategy, intervalMs: interval)
            for (account, s) in summaries {
                let b = s.barLatency, o = s.orderLatency
                print("| \(strategy) \(name) | \(account) | \(s.liveBars) | \(us(b.quantileMicros(0.5))) | \(us(b.quantileMicros(0.99))) | "
                      + "\(us(b.quantileMicros(1))) | \(us(o.quantileMicros(0.5))) | \(us(o.quantileMicros(0.99))) | \(o.ns.count) | "
                      + "\(String(format: "%.0f", Double(s.inputs) / seconds)) |")
            }
        }
    }
    try await group.shutdownGracefully()
    exit(0)
}

let onCoinbase = CommandLine.arguments.firstIndex(of: "--exchange").map { CommandLine.arguments[$0 + 1] == "coinbase" } ?? false
print("| run | live bars | p50 | p99 | max | orders: p50 | p99 | n | inputs/s |")
print("|---|---|---|---|---|---|---|---|---|")
for strategy in ["sma_cross", "confluence"] {
    for (name, interval) in [("paced 2 ms", Int64(2)), ("flood", Int64(0))] {
        let (s, seconds) = onCoinbase ? try await coinbaseRun(strategy: strategy, intervalMs: interval)
            : try await run(strategy: strategy, intervalMs: interval)
        let b = s.barLatency, o = s.orderLatency
        print("| \(strategy) \(name) | \(s.liveBars) | \(us(b.quantileMicros(0.5))) | \(us(b.quantileMicros(0.99))) | \(us(b.quantileMicros(1))) | "
              + "\(us(o.quantileMicros(0.5))) | \(us(o.quantileMicros(0.99))) | \(o.ns.count) | \(String(format: "%.0f", Double(s.inputs) / seconds)) |")
    }
}
try await group.shutdownGracefully()
#else
print("novapulse-live-bench needs the live stack: swift run -c release --traits Live novapulse-live-bench")
#endif
