import Foundation
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaKraken
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// `--mode live` against the fake Kraken's account: the real adapter code (AddOrder and
/// CancelOrder signed over REST, fills from the authenticated `executions` channel) under the
/// very engine paper and backtest run. The ledger must equal the account, to the cent.
@Suite struct LiveOrderTests {
    static let secret = FakeKrakenAccountTests.cribSecret

    static func config() throws -> NovaPulseConfig {
        var c = try LivePaperTests.config()
        c.backtest.strategy = "supertrend"     // entries with a stop and a target
        c.executor.limitChaseAttempts = 0      // market entries
        c.smartExit.enabled = false
        c.executor.exitOnOppositeSignal = false   // positions leave by their stop or their target
        c.backtest.initialCash = 10_000
        c.risk.stopLossFloorPct = 0.003        // stops and targets near enough to be reached in a test
        c.risk.takeProfitFloorPct = 0.004
        return c
    }

    typealias Run = LivePaperTests.Run

    /// The fake with an account of 10,000 USD (changed by `configure`), streaming a real day's
    /// bars one every 50 ms (room for the session to keep up while the other live suites run
    /// beside it on two cores: the fake does not wait for its client, and a session that falls
    /// behind meets later bars with its orders), widened ten times around the last warm-up
    /// close: stops and targets a few percent away are reached within the few hours a test streams.
    static func fake(stream count: Int = 360, _ configure: (inout FakeKraken.Script) -> Void = { _ in }) throws -> FakeKraken {
        let (script, _, _) = try LivePaperTests.script(intervalMs: 50, stream: count) { s in
            s.account.apiKey = "fake-key"
            s.account.apiSecret = secret
            s.account.balances = ["ZUSD": 10_000, "XXBT": 0]
            let base = s.history.last?.close ?? 0
            func wide(_ b: Bar) -> Bar {
                let k = { (p: Double) in ((base + (p - base) * 10) * 10).rounded() / 10 }
                return Bar(timestampMs: b.timestampMs, open: k(b.open), high: k(b.high), low: k(b.low), close: k(b.close), volume: b.volume)
            }
            s.history = s.history.map(wide)
            s.stream = s.stream.map(wide)
            configure(&s)
        }
        let fake = FakeKraken(script: script)
        try fake.start()
        return fake
    }

    /// One live session on `fake` with ledger `database`, until `bars` live bars (or `seconds`).
    static func session(_ fake: FakeKraken, database: String, config: NovaPulseConfig, bars: Int, seconds: Double = 60,
                        mode: LiveOptions.Mode = .live,
                        _ adjust: (inout KrakenOrderAdapter.Settings) -> Void = { _ in }) async throws -> Run {
        var (options, lines) = try LivePaperTests.options(database, config: config, bars: bars, seconds: seconds)
        options.mode = mode
        options.logPath = (database as NSString).deletingLastPathComponent + "/novapulse.jsonl"
        let http = HTTPClientTransport(group: LivePaperTests.group)
        let rest = try KrakenRESTClient(transport: http, baseURL: fake.restURL, credentials: .init(apiKey: "fake-key", apiSecret: secret),
                                        tier: .pro, persistedNonce: UInt64(Date().timeIntervalSince1970 * 1000), storeNonce: { _ in }, clock: WallClock())
        var settings = KrakenOrderAdapter.Settings(wsAuthURL: fake.wsAuthURL, takerFee: config.venueProfile.takerFee)
        settings.reconnectMinMs = 50
        settings.startTimeoutMs = 60_000     // the whole suite runs at once on two cores
        adjust(&settings)
        let adapter = KrakenOrderAdapter(rest: rest, connector: WebSocketKitConnector(group: LivePaperTests.group), pairs: options.pairs,
                                         settings: settings)
        let runtime = LiveRuntime(options: options, rest: rest, connector: WebSocketKitConnector(group: LivePaperTests.group), wsURL: fake.wsURL,
                                  ledger: LiveLedger(store: try ResultsStore(path: options.databasePath)), orders: adapter)
        let ledger = await runtime.ledger
        let result: Result<LiveSummary, any Error>
        do { result = .success(try await runtime.run()) } catch { result = .failure(error) }
        await http.shutdown()
        let status = (try? JSONSerialization.jsonObject(with: Data(await runtime.status("/api/v1/status").json.utf8))) as? [String: Any] ?? [:]
        return Run(summary: try result.get(), ledger: ledger, fake: fake, lines: lines.all, sent: await adapter.ordersSent, status: status)
    }

    static func run(stream count: Int = 360, config: NovaPulseConfig, bars: Int, seconds: Double = 60,
                    _ configure: (inout FakeKraken.Script) -> Void = { _ in }) async throws -> Run {
        let fake = try Self.fake(stream: count, configure)
        defer { fake.stop() }
        return try await session(fake, database: Fixtures.scratch("live-orders") + "/live.db", config: config, bars: bars, seconds: seconds)
    }

    /// The ledger equals the account: cash, position and fees (to the cent).
    static func expectLedgerEqualsAccount(_ ledger: LiveLedger, _ fake: FakeKraken, initialCash: Double = 10_000) throws {
        let trades = try ledger.trades(limit: 1_000)
        let usd = NSDecimalNumber(decimal: fake.balances["ZUSD"] ?? 0).doubleValue
        let btc = NSDecimalNumber(decimal: fake.balances["XXBT"] ?? 0).doubleValue
        let fakeFees = fake.trades.reduce(0.0) { $0 + NSDecimalNumber(decimal: $1.fee).doubleValue }
        let closed = trades.filter { $0.status == "closed" }, open = trades.filter { $0.status == "open" }
        let expectedUSD = initialCash + closed.reduce(0) { $0 + $1.pnl } - open.reduce(0) { $0 + $1.entryPrice * $1.quantity + $1.fees }
        #expect(abs(usd - expectedUSD) < 0.01, "account \(usd) vs ledger \(expectedUSD)")
        #expect(abs(btc - open.reduce(0) { $0 + $1.quantity }) < 1e-9, "account \(btc) BTC vs ledger \(open.map(\.quantity))")
        #expect(abs(fakeFees - trades.reduce(0) { $0 + $1.fees }) < 0.01, "account fees \(fakeFees) vs ledger \(trades.reduce(0) { $0 + $1.fees })")
    }

    @Test func entriesStopsAndExitsAreBookedAsTheAccountSaysTheyHappened() async throws {
        let r = try await Self.run(stream: 360, config: try Self.config(), bars: 359)
        let trades = try r.ledger.trades(limit: 1_000)
        let orders = r.fake.orders
        // Market entries, their stops at the exchange, take-profits sent on touch as IOC limits
        // (once the stop's cancel was confirmed: no sell was ever refused for held funds).
        #expect(trades.count >= 5)
        #expect(orders.contains { $0.orderType == "stop-loss" && $0.status == "closed" })
        #expect(orders.contains { $0.orderType == "limit" && $0.timeInForce == "IOC" && $0.status == "closed" })
        #expect(r.lines.contains { $0.contains("closed take_profit") })
        #expect(r.lines.contains { $0.contains("closed stop_loss") })
        #expect(!r.lines.contains { $0.contains("rejected by Kraken") }, "\(r.lines.filter { $0.contains("rejected") })")
        // Every order went once: no client id twice.
        #expect(Set(orders.map(\.clientOrderID)).count == orders.count && r.sent == orders.count)
        try Self.expectLedgerEqualsAccount(r.ledger, r.fake)
    }
}
