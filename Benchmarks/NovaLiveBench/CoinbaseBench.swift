// The live path's numbers on Coinbase (issue 18): the same table as Kraken's, against the fake
// Coinbase on 127.0.0.1 (REST over loopback, the market-data WebSocket with level2 and
// market_trades: bars built from four trades each).
//
//     swift run -c release --traits Live novapulse-live-bench --exchange coinbase [--days N]
#if Live
import Foundation
import NovaCoinbase
import NovaConfig
import NovaCore
import NovaFakeCoinbase
import NovaLive
import NovaStorage

func coinbaseRun(strategy: String, intervalMs: Int64) async throws -> (LiveSummary, seconds: Double) {
    let (history, stream) = try market()
    var script = FakeCoinbase.Script()
    script.history = history
    script.stream = stream
    script.barIntervalMs = intervalMs
    let fake = FakeCoinbase(script: script)
    try fake.start()
    defer { fake.stop() }
    var config = try ConfigLoader.load(path: nil, params: [], strategy: strategy)
    config.backtest.strategy = strategy
    config.backtest.exchange = .coinbase
    if strategy == "sma_cross" { config.strategies.smaCross.fast = 5; config.strategies.smaCross.slow = 20 }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("np-live-bench-\(UUID().uuidString)").path
    var options = LiveOptions(pairs: [try Pair(parsing: "BTC/USD")], config: config, databasePath: dir + "/live.db")
    options.stopAfterBars = stream.count - 1
    options.durationMs = 600_000
    options.output = { _ in }
    let http = HTTPClientTransport(group: group)
    let rest = CoinbaseRESTClient(transport: http, baseURL: fake.restURL, credentials: nil, clock: WallClock())
    let runtime = LiveRuntime(options: options, market: CoinbaseMarketData(rest: rest, wsURL: fake.wsURL), connector: WebSocketKitConnector(group: group),
                              ledger: LiveLedger(store: try ResultsStore(path: options.databasePath)), orders: nil)
    let start = Date()
    let summary = try await runtime.run()
    let seconds = Date().timeIntervalSince(start)
    await http.shutdown()
    try? FileManager.default.removeItem(atPath: dir)
    return (summary, seconds)
}
#endif
