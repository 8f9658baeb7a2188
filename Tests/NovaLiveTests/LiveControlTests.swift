import Foundation
import NIOPosix
import NovaCore
import NovaFakeKraken
import NovaKraken
import NovaSignals
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// The operator's controls on a running paper session: pause and resume (kept across restarts),
/// close-all, and who may use them.
@Suite(.serialized) struct LiveControlTests {
    typealias P = LivePaperTests

    @Test func theStatusServerLetsOnlyTheAdminKeyControlAndOnlyKeysRead() async throws {
        let group = P.group
        let http = HTTPClientTransport(group: group)
        defer { Task { await http.shutdown() } }
        func serve(_ keys: StatusServer.Keys) throws -> StatusServer {
            let s = StatusServer(group: group)
            try s.start(port: 0, keys: keys) { method, path in (200, #"{"answered":"\#(method) \#(path)"}"#) }
            return s
        }
        func call(_ s: StatusServer, _ method: String, _ path: String, _ key: String?) async throws -> (Int, String) {
            let r = try await http.send(method: method, url: "http://127.0.0.1:\(s.port)\(path)", headers: key.map { [("X-API-Key", $0)] } ?? [], body: nil)
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }
        let both = try serve(.init(read: "read-key-0123456789", admin: "admin-key-0123456789"))
        defer { both.stop() }
        #expect(try await call(both, "POST", "/api/v1/control/pause", nil).0 == 401)
        #expect(try await call(both, "POST", "/api/v1/control/pause", "read-key-0123456789").0 == 401)
        #expect(try await call(both, "POST", "/api/v1/control/pause", "admin-key-0123456788").0 == 401)
        let ok = try await call(both, "POST", "/api/v1/control/pause", "admin-key-0123456789")
        #expect(ok.0 == 200 && ok.1.contains("POST /api/v1/control/pause"))
        // The admin key reads too; a read path cannot be posted to, a control cannot be got.
        #expect(try await call(both, "GET", "/api/v1/status", "admin-key-0123456789").0 == 200)
        #expect(try await call(both, "POST", "/api/v1/status", "admin-key-0123456789").0 == 405)
        #expect(try await call(both, "GET", "/api/v1/control/pause", "admin-key-0123456789").0 == 405)
        // Bearer works as well as X-API-Key.
        let bearer = try await http.send(method: "POST", url: "http://127.0.0.1:\(both.port)/api/v1/control/resume",
                                         headers: [("Authorization", "Bearer admin-key-0123456789")], body: nil)
        #expect(bearer.status == 200)

        let readOnly = try serve(.init(read: "read-key-0123456789", admin: nil))
        defer { readOnly.stop() }
        let off = try await call(readOnly, "POST", "/api/v1/control/pause", "read-key-0123456789")
        #expect(off.0 == 403 && off.1.contains("no DASHBOARD_ADMIN_KEY configured"))
        #expect(try await call(readOnly, "GET", "/api/v1/trades", "read-key-0123456789").0 == 200)
        let closed = try serve(.init(read: "", admin: nil))
        defer { closed.stop() }
        #expect(try await call(closed, "GET", "/api/v1/trades", "anything").0 == 403)
        #expect(try await call(closed, "GET", "/api/v1/health", nil).0 == 200)
    }

    @Test func aSessionLeftPausedStartsPausedAndOpensNothing() async throws {
        let (script, history, stream) = try P.script()
        let config = try P.config()
        // Unpaused, these bars open positions (see LivePaperTests); paused, none.
        #expect(!(try P.reference(history, Array(stream.dropLast()), config: config)).isEmpty)
        let dir = Fixtures.scratch("paused")
        try LiveLedger(store: try ResultsStore(path: dir + "/live.db")).setState("paused", "1")
        let fake = FakeKraken(script: script)
        try fake.start()
        defer { fake.stop() }
        let (options, lines) = try P.options(dir + "/live.db", config: config, bars: 119)
        let (runtime, http) = try P.runtime(fake, options)
        let summary = try await runtime.run()
        await http.shutdown()
        let out = lines.all
        #expect(summary.liveBars == 119)
        #expect(out.contains { $0.hasPrefix("paused, as the last session left it") })
        #expect(out.contains { $0.contains("refused: paused by the operator (novapulse live resume lifts it)") })
        let ledger = await runtime.ledger
        #expect(try ledger.trades().isEmpty)
        #expect(try ledger.state("paused") == "1")
        #expect(try ledger.thoughts().contains { $0.category == "control" && $0.message.contains("still paused") })
    }

    @Test func pauseResumeAndCloseAllOverHTTPOnARunningSession() async throws {
        let fake = FakeKraken(script: try P.script(intervalMs: 40).0)
        try fake.start()
        defer { fake.stop() }
        var (options, _) = try P.options(Fixtures.scratch("control") + "/live.db", config: try P.config(), bars: 119, tickMs: nil)
        options.statusPort = 0
        options.readKey = "read-key-0123456789"
        options.adminKey = "admin-key-0123456789"
        let (runtime, http) = try P.runtime(fake, options)
        let running = Task { try await runtime.run() }
        var port = 0
        #expect(try await P.eventually(10) { port = await runtime.statusServer?.port ?? 0; return port > 0 })
        let client = ControlClient(transport: http, port: port)
        let admin = "admin-key-0123456789", read = "read-key-0123456789"
        #expect(try await P.eventually(10) { try await client.get("status", key: read)["status"] as? String == "running" })

        let paused = try await client.control("pause", key: admin)
        #expect(paused["paused"] as? Bool == true && paused["changed"] as? Bool == true)
        #expect(try await client.control("pause", key: admin)["changed"] as? Bool == false)
        let status = try await client.get("status", key: read)
        #expect(status["paused"] as? Bool == true)
        #expect((status["entry_block"] as? String)?.hasPrefix("paused by the operator") == true)
        do { _ = try await client.control("resume", key: read); Issue.record("the read key resumed") } catch let f as ControlClient.Failure {
            #expect(f == .refused(status: 401, "unauthorized"))
        }
        let strategies = try await client.get("strategies", key: read)["strategies"] as? [[String: Any]] ?? []
        #expect(strategies.count == 1 && strategies.first?["name"] as? String == "sma_cross" && strategies.first?["enabled"] as? Bool == true)
        #expect(try await client.control("resume", key: admin)["paused"] as? Bool == false)

        // Wait for a position, then close it by hand.
        var open: [[String: Any]] = []
        #expect(try await P.eventually(20) {
            open = try await client.get("positions", key: read)["positions"] as? [[String: Any]] ?? []
            return !open.isEmpty
        })
        let id = open.first?["trade_id"] as? String ?? "?"
        let closing = try await client.control("close_all", key: admin)
        #expect(closing["closing"] as? [String] == ["BTC/USD"], "\(closing)")
        let summary = try await running.value
        await http.shutdown()
        #expect(summary.liveBars == 119)
        let ledger = await runtime.ledger
        let row = try ledger.trades().first { $0.tradeID == id }
        #expect(row?.status == "closed" && row?.notes == "close_all", "\(String(describing: row))")
        #expect(try ledger.state("paused") == "0")
        let control = try ledger.thoughts().filter { $0.category == "control" }.map(\.message)
        #expect(control.contains { $0.hasPrefix("paused by the operator") } && control.contains { $0.hasPrefix("resumed by the operator") })
        #expect(control.contains { $0.hasPrefix("close-all by the operator: exit orders for BTC/USD") })
    }

    @Test func theConfluenceStackReportsItsNineStrategiesWithTheirConfiguredWeights() throws {
        let config = try P.config()
        let parts = ConfluenceStrategy(config: config.confluenceStrategy).components
        #expect(parts.count == 9)
        #expect(Set(parts.map(\.name)).count == 9)
        #expect(parts.allSatisfy { $0.enabled && $0.disabledForBars == 0 && $0.weight > 0 })
        let weights = config.confluenceStrategy.weights
        for (k, kind) in SignalStrategyKind.allCases.enumerated() {
            #expect(parts[k].name == kind.rawValue && parts[k].weight == weights[kind.rawValue])
        }
        // A strategy weighted zero is reported as switched off, not left out.
        var zero = config.confluenceStrategy
        zero.weights[SignalStrategyKind.allCases[0].rawValue] = 0
        #expect(ConfluenceStrategy(config: zero).components[0].enabled == false)
    }
}
