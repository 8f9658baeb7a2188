// `novapulse-live-bench --orders`: the real-order path against the fake Kraken's account.
//
// 1. Decision to AddOrder on the wire: from the bar-closing WebSocket frame's arrival to the
//    signed AddOrder reaching the fake's HTTP handler (same process, monotonic clock), for
//    every order a bar decided, in a --mode live session (supertrend, market entries, a widened
//    real day so that positions open and close), one bar every 2 ms.
// 2. Start-up reconciliation with 50 orders the last process left working and 500 fills since
//    the last seen: the time `reconcile(start)` takes, and its REST calls, per rate tier (the
//    client waits on Kraken's call counter: TradesHistory costs 2 a page of 50).
#if Live
import Foundation
import NIOPosix
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaKraken
import NovaLive
import NovaStorage
import NovaTestSupport

let benchSecret = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="

func quantile(_ v: [Double], _ q: Double) -> Double? {
    guard !v.isEmpty else { return nil }
    let s = v.sorted()
    return s[min(s.count - 1, Int((Double(s.count - 1) * q).rounded()))]
}

func liveOrderLatency(days: Int) async throws {
    let (history, stream) = try market()
    var script = FakeKraken.Script()
    let base = history.last?.close ?? 0
    func wide(_ b: Bar) -> Bar {
        let k = { (p: Double) in ((base + (p - base) * 10) * 10).rounded() / 10 }
        return Bar(timestampMs: b.timestampMs, open: k(b.open), high: k(b.high), low: k(b.low), close: k(b.close), volume: b.volume)
    }
    script.history = history.map(wide)
    script.stream = stream.map(wide)
    script.barIntervalMs = 2
    script.account.apiKey = "bench-key"
    script.account.apiSecret = benchSecret
    script.account.balances = ["ZUSD": 10_000, "XXBT": 0]
    let fake = FakeKraken(script: script)
    try fake.start()
    defer { fake.stop() }
    var config = try ConfigLoader.load(path: nil, params: [], strategy: "supertrend")
    config.backtest.strategy = "supertrend"
    config.executor.limitChaseAttempts = 0
    config.smartExit.enabled = false
    config.executor.exitOnOppositeSignal = false
    config.backtest.initialCash = 10_000
    config.risk.stopLossFloorPct = 0.003
    config.risk.takeProfitFloorPct = 0.004
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("np-live-orders-\(UUID().uuidString)").path
    var options = LiveOptions(pairs: [try Pair(parsing: "BTC/USD")], config: config, databasePath: dir + "/live.db")
    options.mode = .live
    options.stopAfterBars = min(stream.count - 1, days * 1_440)
    options.durationMs = 900_000
    options.output = { _ in }
    let http = HTTPClientTransport(group: group)
    let rest = try KrakenRESTClient(transport: http, baseURL: fake.restURL, credentials: .init(apiKey: "bench-key", apiSecret: benchSecret),
                                    tier: .pro, persistedNonce: 0, storeNonce: { _ in }, clock: WallClock())
    let adapter = KrakenOrderAdapter(rest: rest, connector: WebSocketKitConnector(group: group), pairs: options.pairs,
                                     settings: .init(wsAuthURL: fake.wsAuthURL, takerFee: config.venueProfile.takerFee))
    let runtime = LiveRuntime(options: options, rest: rest, connector: WebSocketKitConnector(group: group), wsURL: fake.wsURL,
                              ledger: LiveLedger(store: try ResultsStore(path: options.databasePath)), orders: adapter)
    let summary = try await runtime.run()
    await http.shutdown()
    let arrivals = fake.addOrderArrivals
    let micros = summary.submitFrames.compactMap { cid, t0 in arrivals[cid].map { Double($0 &- t0) / 1_000 } }
    print("| bars | orders a bar decided | frame to AddOrder at the exchange: p50 | p99 | max | all AddOrders |")
    print("|---|---|---|---|---|---|")
    print("| \(summary.liveBars) | \(micros.count) | \(us(quantile(micros, 0.5))) | \(us(quantile(micros, 0.99))) | \(us(quantile(micros, 1))) | \(fake.addOrderCalls) |")
    try? FileManager.default.removeItem(atPath: dir)
}

func startupReconciliation(tier: RateLimiter.Tier) async throws {
    var script = FakeKraken.Script()
    script.history = [Bar(timestampMs: 0, open: 40_000, high: 40_000, low: 40_000, close: 40_000, volume: 1)]
    script.account.apiKey = "bench-key"
    script.account.apiSecret = benchSecret
    script.account.balances = ["ZUSD": 10_000_000, "XXBT": 0]
    let fake = FakeKraken(script: script)
    try fake.start()
    defer { fake.stop() }
    let pair = try Pair(parsing: "BTC/USD")
    // 500 fills since the last seen, and 50 resting orders the last process left working.
    for k in 0..<500 { fake.placeForeignOrder(["pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.001", "cl_ord_id": "other-\(k)"]) }
    let hourAgo = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
    var resumed: [ResumedOrder] = []
    for k in 1...50 {
        let cid = "np1-0-\(k)-en1"
        fake.placeForeignOrder(["pair": "XBTUSD", "type": "buy", "ordertype": "limit", "price": "30000.0", "volume": "0.01", "cl_ord_id": cid])
        resumed.append(ResumedOrder(request: OrderRequest(id: k, pair: pair, side: .buy, kind: .limit(price: 30_000), quantity: .base(0.01),
                                                          purpose: .entry, createdAtMs: hourAgo, clientOrderID: cid),
                                    filledQuantity: 0, filledNotional: 0, fees: 0))
    }
    let http = HTTPClientTransport(group: group)
    let rest = try KrakenRESTClient(transport: http, baseURL: fake.restURL, credentials: .init(apiKey: "bench-key", apiSecret: benchSecret),
                                    tier: tier, persistedNonce: 0, storeNonce: { _ in }, clock: WallClock())
    let adapter = KrakenOrderAdapter(rest: rest, connector: WebSocketKitConnector(group: group), pairs: [pair],
                                     settings: .init(wsAuthURL: fake.wsAuthURL, takerFee: 0.004))
    await adapter.resume(resumed)
    let before = fake.requests.count
    let start = DispatchTime.now().uptimeNanoseconds
    await adapter.reconcile(reason: "start", balances: true)
    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    let calls = fake.requests.dropFirst(before)
    let byMethod = Dictionary(grouping: calls, by: { $0 }).map { "\($0.key.replacingOccurrences(of: "/0/private/", with: "")) \($0.value.count)" }.sorted()
    print("| \(tier.rawValue) | \(String(format: "%.0f ms", ms)) | \(calls.count): \(byMethod.joined(separator: ", ")) |")
    await http.shutdown()
}

func liveOrdersBench(days: Int) async throws {
    try await liveOrderLatency(days: days)
    print("")
    print("| start-up reconciliation, 50 working orders, 500 fills | time | REST calls |")
    print("|---|---|---|")
    for tier in [RateLimiter.Tier.pro, .starter] { try await startupReconciliation(tier: tier) }
}
#endif
