import Foundation
import GRDB
import NIOPosix
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaKraken
import NovaSignals
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// `novapulse live` in paper mode against a fake Kraken on 127.0.0.1: real REST and WebSocket
/// v2 over loopback, real bars (1 June 2024) moved to the present, scripted faults.
@Suite(.serialized) struct LivePaperTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// 400 bars of history ending one minute ago and 120 bars streamed from now on.
    static func market(stream count: Int = 120) throws -> (history: [Bar], stream: [Bar]) {
        let s = try Fixtures.realDay()
        let now = Int64(Date().timeIntervalSince1970 * 1000) / 60_000 * 60_000
        let offset = now - s.timestampMs[400]
        let bars = (0..<(400 + count)).map { i in
            Bar(timestampMs: s.timestampMs[i] + offset, open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i])
        }
        return (Array(bars[..<400]), Array(bars[400...]))
    }

    /// The market above as the fake's script, one bar every `intervalMs`, changed by `configure`.
    static func script(intervalMs: Int64 = 10, stream count: Int = 120, _ configure: (inout FakeKraken.Script) -> Void = { _ in })
        throws -> (FakeKraken.Script, history: [Bar], stream: [Bar]) {
        let (history, stream) = try market(stream: count)
        var script = FakeKraken.Script()
        script.history = history
        script.stream = stream
        script.barIntervalMs = intervalMs
        configure(&script)
        return (script, history, stream)
    }

    /// A runtime on the fake with `options`, and its HTTP client (shut it down after the run).
    static func runtime(_ fake: FakeKraken, _ options: LiveOptions) throws -> (LiveRuntime, HTTPClientTransport) {
        let http = HTTPClientTransport(group: group)
        let rest = try KrakenRESTClient(transport: http, baseURL: fake.restURL, credentials: nil, tier: .starter,
                                        persistedNonce: 0, storeNonce: { _ in }, clock: WallClock())
        let runtime = LiveRuntime(options: options, rest: rest, connector: WebSocketKitConnector(group: group), wsURL: fake.wsURL,
                                  ledger: LiveLedger(store: try ResultsStore(path: options.databasePath)))
        return (runtime, http)
    }

    static func config() throws -> NovaPulseConfig {
        var c = try ConfigLoader.load(path: nil, params: [], strategy: "sma_cross")
        c.backtest.strategy = "sma_cross"
        c.strategies.smaCross.fast = 5
        c.strategies.smaCross.slow = 20
        c.live.silentConnectionS = 10
        c.live.reconnectMinS = 0.05
        c.live.reconnectMaxS = 0.2
        return c
    }

    struct Run {
        var summary: LiveSummary
        var ledger: LiveLedger
        var fake: FakeKraken
        var lines: [String]
        /// Live mode: orders the adapter sent.
        var sent = 0
        /// `/api/v1/status` as the session answers it once stopped (live and shadow sessions).
        var status: [String: Any] = [:]
    }

    /// Polls `condition` every 10 ms until it holds, for at most `seconds`.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        return false
    }

    /// What a session printed, collected from its output closure.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ l: String) { lock.withLock { lines.append(l) } }
        var all: [String] { lock.withLock { lines } }
    }

    /// A BTC/USD session on `database`: stops after `bars` live bars or, as a safety net,
    /// `seconds`; ticks every `tickMs` (nil: the runtime's default); its output collected.
    static func options(_ database: String, config: NovaPulseConfig, bars: Int?, seconds: Double = 60,
                        tickMs: Int64? = 50) throws -> (LiveOptions, Lines) {
        var options = LiveOptions(pairs: [try Pair(parsing: "BTC/USD")], config: config, databasePath: database)
        options.durationMs = Int64(seconds * 1000)
        options.stopAfterBars = bars
        if let tickMs { options.tickMs = tickMs }
        let lines = Lines()
        options.output = { lines.append($0) }
        return (options, lines)
    }

    /// Runs until `bars` live bars have closed (or, as a safety net, `seconds` have passed).
    static func run(_ script: FakeKraken.Script, config: NovaPulseConfig, bars: Int?, seconds: Double = 60) async throws -> Run {
        let fake = FakeKraken(script: script)
        try fake.start()
        defer { fake.stop() }
        let dir = Fixtures.scratch("live")
        var (options, lines) = try Self.options(dir + "/live.db", config: config, bars: bars, seconds: seconds)
        options.logPath = dir + "/novapulse.jsonl"
        let (runtime, http) = try runtime(fake, options)
        let ledger = await runtime.ledger
        let result: Result<LiveSummary, any Error>
        do { result = .success(try await runtime.run()) } catch { result = .failure(error) }
        await http.shutdown()
        let summary = try result.get()
        return Run(summary: summary, ledger: ledger, fake: fake, lines: lines.all)
    }

    /// The same bars straight through the paper stack, as `backtest` would replay them.
    static func reference(_ history: [Bar], _ live: [Bar], config: NovaPulseConfig) throws -> [Trade] {
        let stack = try StrategyCatalog.visit("sma_cross", params: StrategyParams(keltner: config.strategies.keltner, smaCross: config.strategies.smaCross,
                                                                                 confluence: config.confluenceStrategy),
                                              PaperStackVisitor(config: config, pairs: [try Pair(parsing: "BTC/USD")]))
        stack.blockEntries("warming up")
        for b in history { stack.bar(0, b); stack.recordEquity(atMs: b.timestampMs) }
        stack.blockEntries(nil)
        for b in live { stack.bar(0, b); stack.recordEquity(atMs: b.timestampMs) }
        return stack.trades
    }

    @Test func paperOnLiveDataDecidesAsTheBacktestOnTheSameBars() async throws {
        let (script, history, stream) = try Self.script()
        let config = try Self.config()
        let r = try await Self.run(script, config: config, bars: 119)
        #expect(r.summary.warmupBars == 400)         // the candle still forming was dropped
        #expect(r.summary.liveBars == 119)           // the last streamed candle is still forming
        #expect(r.summary.connections == 1 && r.summary.reconnects == 0, "\(r.fake.subscribes) \(r.lines.filter { !$0.contains(" sma_cross ") })")
        #expect(r.summary.stopReason == "119 live bars")
        // Bars closed by the next one's frame are timed (a loaded machine may close a few on
        // the clock instead: those have no frame to time from); orders among them.
        #expect(r.summary.barLatency.ns.count >= 100 && r.summary.barLatency.ns.count <= 119 && r.summary.inputs > 119)
        #expect(r.summary.orderLatency.ns.count >= 1 && r.summary.orderLatency.ns.count < 119)
        #expect(r.fake.requests.contains("/0/public/AssetPairs") && r.fake.requests.contains("/0/public/OHLC"))
        let expected = try Self.reference(history, Array(stream.dropLast()), config: config)
        #expect(!expected.isEmpty)
        let rows = try r.ledger.trades().sorted { $0.entryTime < $1.entryTime }
        #expect(rows.map(\.tradeID) == expected.map(\.tradeID))
        #expect(rows.map(\.entryPrice) == expected.map(\.entryPrice))
        #expect(rows.map(\.exitPrice) == expected.map(\.exitPrice))
        #expect(rows.map(\.status) == expected.map { $0.isOpen ? "open" : "closed" })
        #expect(rows.allSatisfy { $0.metadata?.contains(#""mode":"paper""#) == true })
        // No entry was decided on the warm-up history.
        let firstLive = UTCTime.iso(stream[0].timestampMs)
        #expect(rows.allSatisfy { $0.entryTime >= firstLive })
        #expect(r.summary.booksValidated >= 1)
        // The fake's book: 10 bids of 0.5 and 10 asks of 0.25 around the mid, 1.0 apart at the top.
        let books = try r.ledger.bookSnapshots()
        #expect(books.map(\.tradeID) == expected.map(\.tradeID))
        #expect(books.allSatisfy { abs($0.obi - 1.0 / 3.0) < 1e-12 && abs($0.spread - 1.0) < 1e-9 })
        #expect(try r.ledger.state("x") == nil)
        #expect(try r.ledger.thoughts().contains { $0.message.hasPrefix("warm-up: 400 bars") })
    }

    @Test func aSilentConnectionIsDeclaredDeadAndTheStreamResumesWithNothingLost() async throws {
        let (script, history, stream) = try Self.script {
            $0.goSilentAfterBars = 40
        }
        var config = try Self.config()
        config.live.silentConnectionS = 0.3
        let r = try await Self.run(script, config: config, bars: 119)
        #expect(r.summary.connections >= 2)
        #expect(r.fake.subscribes.contains("2:ohlc") && r.fake.subscribes.contains("2:book"))
        #expect(r.summary.liveBars == 119)
        #expect(r.lines.contains { $0.contains("no text frame for") })
        let expected = try Self.reference(history, Array(stream.dropLast()), config: config)
        #expect(try r.ledger.trades().map(\.tradeID).sorted() == expected.map(\.tradeID).sorted())
    }

    @Test func bookUpdatesAreAppliedAndEveryChecksumHolds() async throws {
        let (script, _, _) = try Self.script {
            $0.stream = Array($0.stream.prefix(40))
            $0.bookUpdatesPerBar = 20
        }
        let r = try await Self.run(script, config: try Self.config(), bars: 39)
        #expect(r.summary.checksumMismatches == 0 && r.summary.resubscriptions == 0)
        #expect(r.summary.booksValidated >= 1 + 20 * 39, "\(r.summary.booksValidated)")
        // Realized P&L in the summary is the ledger's, to the cent.
        let closed = try r.ledger.trades(status: "closed")
        #expect(abs(closed.reduce(0) { $0 + $1.pnl } - r.summary.realizedPnl) < 0.005)
        #expect(r.summary.openPositions == (try r.ledger.trades(status: "open")).count)
    }

    @Test func aDroppedConnectionReconnectsAndResubscribes() async throws {
        let (script, _, _) = try Self.script {
            $0.disconnectAfterBars = 25
        }
        let r = try await Self.run(script, config: try Self.config(), bars: 119)
        #expect(r.summary.connections == 2 && r.summary.reconnects == 1)
        #expect(r.summary.liveBars == 119)
        #expect(r.fake.subscribes.filter { $0.hasPrefix("2:") }.count == 2)
    }

    @Test func badBookChecksumsAreResubscribedThenValidationIsSwitchedOffForThatPair() async throws {
        let (script, _, _) = try Self.script {
            $0.stream = Array($0.stream.prefix(40))
            $0.corruptBookOnConnections = [1]
        }
        let r = try await Self.run(script, config: try Self.config(), bars: 39)
        #expect(r.summary.checksumMismatches == 3)
        #expect(r.fake.subscribes.filter { $0 == "1:book" }.count == 3)   // the first and two resubscriptions
        #expect(try r.ledger.thoughts().contains { $0.message.contains("checksum validation is off for this pair only") })
    }

    @Test func theStatusEndpointAnswersHealthToAnyoneAndTheRestOnlyWithTheReadKey() async throws {
        let fake = FakeKraken(script: try Self.script(intervalMs: 30).0)
        try fake.start()
        defer { fake.stop() }
        var (options, _) = try Self.options(Fixtures.scratch("status") + "/live.db", config: try Self.config(), bars: 119, tickMs: nil)
        options.statusPort = 0
        options.readKey = "read-key-0123456789"
        let (runtime, http) = try Self.runtime(fake, options)
        let running = Task { try await runtime.run() }
        var port = 0
        #expect(try await Self.eventually(6) { port = await runtime.statusServer?.port ?? 0; return port > 0 })
        func get(_ path: String, key: String?) async throws -> (Int, String) {
            let r = try await http.send(method: "GET", url: "http://127.0.0.1:\(port)\(path)", headers: key.map { [("X-API-Key", $0)] } ?? [], body: nil)
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }
        let health = try await get("/api/v1/health", key: nil)
        #expect(health.0 == 200 && health.1.contains(#""status":"healthy""#))
        #expect(try await get("/api/v1/status", key: nil).0 == 401)
        let wrong = try await get("/api/v1/trades", key: "read-key-0123456780")
        #expect(wrong.0 == 401 && !wrong.1.contains("trades"))
        let status = try await get("/api/v1/status", key: "read-key-0123456789")
        #expect(status.0 == 200 && status.1.contains(#""exchange":"kraken""#) && status.1.contains(#""mode":"paper""#))
        #expect(try await get("/api/v1/risk", key: "read-key-0123456789").1.contains(#""initial_bankroll":10000"#))
        #expect(try await get("/api/v1/nope", key: "read-key-0123456789").0 == 404)
        let summary = try await running.value
        await http.shutdown()
        #expect(summary.liveBars == 119)
    }

    @Test func aSecondInstanceOnTheSameDatabaseRefusesAndADeadOnesLockIsTakenOver() throws {
        let path = Fixtures.scratch("lock") + "/instance.lock"
        var first: InstanceLock? = try InstanceLock(path: path)
        do { _ = try InstanceLock(path: path); Issue.record("second instance accepted") } catch let e as InstanceLock.Held {
            #expect(e.pid == String(getpid()))
            #expect(e.description.contains("another novapulse live"))
        }
        first = nil
        _ = first
        #expect((try? InstanceLock(path: path)) != nil)
    }

    @Test func secretsAreMaskedInTheStructuredLog() throws {
        let path = Fixtures.scratch("log") + "/novapulse.jsonl"
        let log = LiveLog(path: path)
        log.write("auth", ["api_key": "ABCDEFGHIJKLMNOP", "api_secret": "kQH5HW/8p1uGOVjbgWA7FunA", "token": "tok_1234567890",
                           "url": "postgres://np:hunter2secret@127.0.0.1/db", "pair": "BTC/USD"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("EFGHIJKL") && !text.contains("8p1uGOVjbgWA7F") && !text.contains("hunter2secret") && !text.contains("567890".prefix(6) + "x"))
        #expect(text.contains("ABCD****MNOP") && text.contains("np:****@127.0.0.1"))
        let obj = try JSONSerialization.jsonObject(with: Data(text.split(separator: "\n")[0].utf8)) as! [String: Any]
        #expect(obj["event"] as? String == "auth" && obj["level"] as? String == "info" && obj["logger"] != nil && obj["timestamp"] != nil)
    }
}
