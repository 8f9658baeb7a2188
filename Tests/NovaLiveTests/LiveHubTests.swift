import Foundation
import NovaCoinbase
import NovaConfig
import NovaCore
import NovaFakeCoinbase
import NovaFakeKraken
import NovaKraken
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// Several accounts in one process: a Kraken account and a Coinbase account, each on its fake,
/// side by side under one hub; their ledgers stay apart, one endpoint shows and steers both.
@Suite(.serialized) struct LiveHubTests {
    struct Pair2 {
        var hub: LiveHub
        var kraken: (FakeKraken, LiveLedger, history: [Bar], stream: [Bar])
        var coinbase: (FakeCoinbase, LiveLedger, history: [Bar], stream: [Bar])
        var http: HTTPClientTransport
    }

    static func hub(statusPort: Int?, keys: StatusServer.Keys = .init(read: nil, admin: nil), intervalMs: Int64 = 10) throws -> Pair2 {
        let (ks, kh, kst) = try LivePaperTests.script(intervalMs: intervalMs)
        let (cs, ch, cst) = try LiveCoinbasePaperTests.script { $0.barIntervalMs = intervalMs }
        let kf = FakeKraken(script: ks), cf = FakeCoinbase(script: cs)
        try kf.start(); try cf.start()
        let dir = Fixtures.scratch("live-hub")
        let http = HTTPClientTransport(group: LivePaperTests.group)
        var (ko, _) = try LivePaperTests.options(dir + "/live-kraken-main-paper.db", config: try LivePaperTests.config(), bars: 119)
        var (co, _) = try LivePaperTests.options(dir + "/live-coinbase-swing-paper.db", config: try LiveCoinbasePaperTests.config(), bars: 119)
        ko.logPath = dir + "/novapulse-main.jsonl"
        co.logPath = dir + "/novapulse-swing.jsonl"
        let kl = LiveLedger(store: try ResultsStore(path: ko.databasePath)), cl = LiveLedger(store: try ResultsStore(path: co.databasePath))
        let kr = try KrakenRESTClient(transport: http, baseURL: kf.restURL, credentials: nil, tier: .starter, persistedNonce: 0, storeNonce: { _ in },
                                      clock: WallClock())
        let krt = LiveRuntime(options: ko, rest: kr, connector: WebSocketKitConnector(group: LivePaperTests.group), wsURL: kf.wsURL, ledger: kl)
        let cr = CoinbaseRESTClient(transport: http, baseURL: cf.restURL, credentials: nil, clock: WallClock())
        let crt = LiveRuntime(options: co, market: CoinbaseMarketData(rest: cr, wsURL: cf.wsURL), connector: WebSocketKitConnector(group: LivePaperTests.group),
                              ledger: cl, orders: nil)
        let hub = LiveHub(accounts: [.init(name: "main", exchange: "kraken", runtime: krt), .init(name: "swing", exchange: "coinbase", runtime: crt)],
                          statusPort: statusPort, keys: keys, output: { _ in })
        return Pair2(hub: hub, kraken: (kf, kl, kh, kst), coinbase: (cf, cl, ch, cst), http: http)
    }

    @Test func twoAccountsRunSideBySideAndTheirLedgersStayApart() async throws {
        let p = try Self.hub(statusPort: nil)
        defer { p.kraken.0.stop(); p.coinbase.0.stop() }
        let results = await p.hub.run(handleSignals: false)
        await p.http.shutdown()
        #expect(results.map(\.name) == ["main", "swing"])
        for (_, r) in results { #expect(try r.get().liveBars == 119) }
        // Each ledger holds its own account's trades: Kraken's fees on one, Coinbase's on the other.
        let krakenExpected = try LivePaperTests.reference(p.kraken.history, Array(p.kraken.stream.dropLast()), config: try LivePaperTests.config())
        let coinbaseExpected = try LivePaperTests.reference(p.coinbase.history, Array(p.coinbase.stream.dropLast()), config: try LiveCoinbasePaperTests.config())
        let k = try p.kraken.1.trades().sorted { $0.entryTime < $1.entryTime }
        let c = try p.coinbase.1.trades().sorted { $0.entryTime < $1.entryTime }
        #expect(!k.isEmpty && k.map(\.tradeID) == krakenExpected.map(\.tradeID) && k.map(\.fees) == krakenExpected.map(\.fees))
        #expect(!c.isEmpty && c.map(\.tradeID) == coinbaseExpected.map(\.tradeID) && c.map(\.fees) == coinbaseExpected.map(\.fees))
        #expect(k.map(\.fees) != c.map(\.fees))   // the same bars, two fee schedules
        #expect(p.kraken.0.connections == 1 && p.coinbase.0.connections == 1)
    }

    @Test func oneEndpointShowsEveryAccountAndItsControlsReachThemAll() async throws {
        let p = try Self.hub(statusPort: 0, keys: .init(read: "read-key-0123456789", admin: "admin-key-0123456789"), intervalMs: 30)
        defer { p.kraken.0.stop(); p.coinbase.0.stop() }
        let hub = p.hub
        let running = Task { await hub.run(handleSignals: false) }
        var port = 0
        #expect(try await LivePaperTests.eventually(10) { port = hub.statusServer?.port ?? 0; return port > 0 })
        func call(_ method: String, _ path: String, key: String?) async throws -> (Int, String) {
            let r = try await p.http.send(method: method, url: "http://127.0.0.1:\(port)\(path)", headers: key.map { [("X-API-Key", $0)] } ?? [], body: nil)
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }
        let health = try await call("GET", "/api/v1/health", key: nil)
        #expect(health.0 == 200 && health.1.contains(#""accounts":["main","swing"]"#))
        #expect(try await call("GET", "/api/v1/status", key: nil).0 == 401)
        // Both accounts primed, then one status page shows both.
        #expect(try await LivePaperTests.eventually(20) {
            let s = try await call("GET", "/api/v1/status", key: "read-key-0123456789").1
            return s.components(separatedBy: #""status":"running""#).count == 3
        })
        let status = try await call("GET", "/api/v1/status", key: "read-key-0123456789")
        #expect(status.0 == 200 && status.1.contains(#""main":{"#) && status.1.contains(#""swing":{"#))
        #expect(status.1.contains(#""exchange":"kraken""#) && status.1.contains(#""exchange":"coinbase""#))
        let one = try await call("GET", "/api/v1/accounts/swing/status", key: "read-key-0123456789")
        #expect(one.0 == 200 && one.1.contains(#""exchange":"coinbase""#) && !one.1.contains(#""exchange":"kraken""#))
        #expect(try await call("GET", "/api/v1/accounts/nobody/status", key: "read-key-0123456789").0 == 404)
        // A pause reaches every account.
        #expect(try await call("POST", "/api/v1/control/pause", key: "read-key-0123456789").0 == 401)
        let pause = try await call("POST", "/api/v1/control/pause", key: "admin-key-0123456789")
        #expect(pause.0 == 200 && pause.1.components(separatedBy: #""paused":true"#).count == 3, "\(pause.1)")
        let after = try await call("GET", "/api/v1/status", key: "read-key-0123456789").1
        #expect(after.components(separatedBy: #""paused":true"#).count == 3)
        for a in hub.accounts { await a.runtime.requestStop("test over") }
        let results = await running.value
        await p.http.shutdown()
        #expect(results.allSatisfy { (try? $0.result.get().stopReason) == "test over" })
    }

    @Test func accountSpecsAreCheckedAndNamed() throws {
        let ok = try LiveHub.parseAccounts("main:kraken, Swing:Coinbase")
        #expect(ok.map(\.name) == ["main", "swing"] && ok.map(\.exchange) == ["kraken", "coinbase"])
        func refusal(_ s: String) -> String { do { _ = try LiveHub.parseAccounts(s); return "accepted" } catch { return "\(error)" } }
        #expect(refusal("main").contains("expected NAME:EXCHANGE"))
        #expect(refusal("main:binance").contains("expected kraken or coinbase"))
        #expect(refusal("ma-in:kraken").contains("letters, digits or _"))
        #expect(refusal("a:kraken,a:coinbase").contains("named twice"))
        #expect(refusal(" , ").contains("is empty"))
    }
}
