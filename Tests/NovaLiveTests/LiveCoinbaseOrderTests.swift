import Crypto
import Foundation
import NovaCoinbase
import NovaConfig
import NovaCore
import NovaFakeCoinbase
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// `--mode live` on Coinbase against the fake's account: the real adapter code (`POST /orders`
/// and `batch_cancel` with verified JWTs, fills from the `user` channel's cumulative state)
/// under the very engine paper and backtest run. The ledger must equal the account, to the cent.
@Suite(.serialized) struct LiveCoinbaseOrderTests {
    static let key = P256.Signing.PrivateKey()
    static let keyName = "organizations/test-org/apiKeys/test-key"

    static func config() throws -> NovaPulseConfig {
        var c = try LiveOrderTests.config()
        c.backtest.exchange = .coinbase
        return c
    }

    /// The fake with 10,000 USD, streaming the real day widened ten times around the last
    /// warm-up close (as the Kraken order tests), changed by `configure`.
    static func fake(stream count: Int = 360, _ configure: (inout FakeCoinbase.Script) -> Void = { _ in }) throws -> FakeCoinbase {
        let (script, _, _) = try LiveCoinbasePaperTests.script(stream: count) { s in
            s.barIntervalMs = 25
            s.publicKey = key.publicKey
            s.keyName = keyName
            s.balances = ["USD": 10_000, "BTC": 0]
            let base = s.history.last?.close ?? 0
            func wide(_ b: Bar) -> Bar {
                let k = { (p: Double) in ((base + (p - base) * 10) * 100).rounded() / 100 }
                return Bar(timestampMs: b.timestampMs, open: k(b.open), high: k(b.high), low: k(b.low), close: k(b.close), volume: b.volume)
            }
            s.history = s.history.map(wide)
            s.stream = s.stream.map(wide)
            configure(&s)
        }
        let fake = FakeCoinbase(script: script)
        try fake.start()
        return fake
    }

    struct Run {
        var summary: LiveSummary
        var ledger: LiveLedger
        var lines: [String]
        var sent: Int
    }

    static func session(_ fake: FakeCoinbase, config: NovaPulseConfig, bars: Int, seconds: Double = 60,
                        mode: LiveOptions.Mode = .live) async throws -> Run {
        let dir = Fixtures.scratch("live-coinbase-orders")
        var (options, lines) = try LivePaperTests.options(dir + "/live.db", config: config, bars: bars, seconds: seconds)
        options.mode = mode
        options.logPath = dir + "/novapulse.jsonl"
        let http = HTTPClientTransport(group: LivePaperTests.group)
        let rest = CoinbaseRESTClient(transport: http, baseURL: fake.restURL, credentials: CoinbaseCredentials(keyName: keyName, privateKey: key),
                                      clock: WallClock())
        var settings = CoinbaseOrderAdapter.Settings(wsUserURL: fake.wsURL, takerFee: config.venueProfile.takerFee)
        settings.reconnectMinMs = 50
        settings.startTimeoutMs = 60_000
        let adapter = CoinbaseOrderAdapter(rest: rest, connector: WebSocketKitConnector(group: LivePaperTests.group), pairs: options.pairs,
                                           settings: settings)
        let runtime = LiveRuntime(options: options, market: CoinbaseMarketData(rest: rest, wsURL: fake.wsURL),
                                  connector: WebSocketKitConnector(group: LivePaperTests.group),
                                  ledger: LiveLedger(store: try ResultsStore(path: options.databasePath)), orders: adapter)
        let ledger = await runtime.ledger
        let result: Result<LiveSummary, any Error>
        do { result = .success(try await runtime.run()) } catch { result = .failure(error) }
        await http.shutdown()
        return Run(summary: try result.get(), ledger: ledger, lines: lines.all, sent: await adapter.ordersSent)
    }

    /// The ledger equals the account: cash, position and fees (to the cent).
    static func expectLedgerEqualsAccount(_ ledger: LiveLedger, _ fake: FakeCoinbase, initialCash: Double = 10_000) throws {
        let trades = try ledger.trades(limit: 1_000)
        let usd = fake.balances["USD"] ?? 0, btc = fake.balances["BTC"] ?? 0
        let fakeFees = fake.orderStates.reduce(0) { $0 + $1.fees }
        let closed = trades.filter { $0.status == "closed" }, open = trades.filter { $0.status == "open" }
        let expectedUSD = initialCash + closed.reduce(0) { $0 + $1.pnl } - open.reduce(0) { $0 + $1.entryPrice * $1.quantity + $1.fees }
        #expect(abs(usd - expectedUSD) < 0.01, "account \(usd) vs ledger \(expectedUSD)")
        #expect(abs(btc - open.reduce(0) { $0 + $1.quantity }) < 1e-9, "account \(btc) BTC vs ledger \(open.map(\.quantity))")
        #expect(abs(fakeFees - trades.reduce(0) { $0 + $1.fees }) < 0.01, "account fees \(fakeFees) vs ledger \(trades.reduce(0) { $0 + $1.fees })")
    }

    @Test func entriesStopLimitsAndExitsAreBookedAsTheAccountSaysTheyHappened() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let r = try await Self.session(fake, config: try Self.config(), bars: 359)
        let trades = try r.ledger.trades(limit: 1_000)
        let orders = fake.orderStates
        #expect(trades.count >= 3, "\(r.lines.suffix(20))")
        // Market entries by quote, protective stops as stop-limits at the exchange.
        #expect(orders.contains { $0.kind == "market_market_ioc" && $0.status == "FILLED" })
        #expect(orders.contains { $0.kind == "stop_limit_stop_limit_gtc" })
        #expect(!r.lines.contains { $0.contains("rejected by Coinbase") }, "\(r.lines.filter { $0.contains("rejected") })")
        // Every order went once: no client id twice.
        #expect(Set(orders.map(\.client)).count == orders.count && r.sent == orders.count)
        try Self.expectLedgerEqualsAccount(r.ledger, fake)
    }

    @Test func aLostCreateReplyIsSettledByItsClientIDAndRepeatedUpdatesAreNotCountedTwice() async throws {
        let fake = try Self.fake(stream: 200) {
            $0.loseCreateReplies = [1]
            $0.duplicateUserUpdates = true
        }
        defer { fake.stop() }
        let r = try await Self.session(fake, config: try Self.config(), bars: 199)
        #expect(r.lines.contains { $0.contains("has no definite answer") })
        let orders = fake.orderStates
        #expect(Set(orders.map(\.client)).count == orders.count && r.sent == orders.count)   // never resent
        #expect(try r.ledger.trades(limit: 1_000).count >= 1)
        try Self.expectLedgerEqualsAccount(r.ledger, fake)
    }
}
