// Two accounts in one process (issue 18): a Kraken and a Coinbase paper account under one
// LiveHub, each on its own fake exchange on 127.0.0.1 with the same bars, run at once. The
// table is the single-account one, per account: what the second account costs the first.
//
//     swift run -c release --traits Live novapulse-live-bench --accounts [--days N]
#if Live
import Foundation
import NovaCoinbase
import NovaConfig
import NovaCore
import NovaFakeCoinbase
import NovaFakeKraken
import NovaKraken
import NovaLive
import NovaStorage

func twoAccountsRun(strategy: String, intervalMs: Int64) async throws -> (summaries: [(String, LiveSummary)], seconds: Double) {
    let (history, stream) = try market()
    var ks = FakeKraken.Script()
    ks.history = history
    ks.stream = stream
    ks.barIntervalMs = intervalMs
    let kraken = FakeKraken(script: ks)
    try kraken.start()
    defer { kraken.stop() }
    var cs = FakeCoinbase.Script()
    cs.history = history
    cs.stream = stream
    cs.barIntervalMs = intervalMs
    let coinbase = FakeCoinbase(script: cs)
    try coinbase.start()
    defer { coinbase.stop() }

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("np-live-bench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func options(_ exchange: ExchangeID, _ name: String) throws -> LiveOptions {
        var config = try ConfigLoader.load(path: nil, params: [], strategy: strategy)
        config.backtest.strategy = strategy
        config.backtest.exchange = exchange
        if strategy == "sma_cross" { config.strategies.smaCross.fast = 5; config.strategies.smaCross.slow = 20 }
        var o = LiveOptions(pairs: [try Pair(parsing: "BTC/USD")], config: config, databasePath: dir + "/live-\(name)-paper.db")
        o.stopAfterBars = stream.count - 1
        o.durationMs = 600_000
        o.output = { _ in }
        return o
    }
    let http = HTTPClientTransport(group: group)
    let ko = try options(.kraken, "main")
    let krest = try KrakenRESTClient(transport: http, baseURL: kraken.restURL, credentials: nil, tier: .starter,
                                     persistedNonce: 0, storeNonce: { _ in }, clock: WallClock())
    let main = LiveRuntime(options: ko, rest: krest, connector: WebSocketKitConnector(group: group), wsURL: kraken.wsURL,
                           ledger: LiveLedger(store: try ResultsStore(path: ko.databasePath)))
    let co = try options(.coinbase, "swing")
    let crest = CoinbaseRESTClient(transport: http, baseURL: coinbase.restURL, credentials: nil, clock: WallClock())
    let swing = LiveRuntime(options: co, market: CoinbaseMarketData(rest: crest, wsURL: coinbase.wsURL), connector: WebSocketKitConnector(group: group),
                            ledger: LiveLedger(store: try ResultsStore(path: co.databasePath)))
    let hub = LiveHub(accounts: [.init(name: "main", exchange: "kraken", runtime: main), .init(name: "swing", exchange: "coinbase", runtime: swing)],
                      statusPort: nil, keys: .init(read: nil, admin: nil), output: { _ in })
    let start = Date()
    let results = await hub.run(handleSignals: false)
    let seconds = Date().timeIntervalSince(start)
    await http.shutdown()
    return (try results.map { ($0.name, try $0.result.get()) }, seconds)
}
#endif
