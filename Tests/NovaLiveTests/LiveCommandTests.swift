import Foundation
import GRDB
import NovaFakeCoinbase
import NovaFakeKraken
import NovaCore
import NovaSimulator
import NovaStorage
import NovaVenue
import NovaTestSupport
import Testing
@testable import NovaLive

/// `novapulse live` as a user runs it: the built binary against the fake Kraken on loopback.
/// The README's test command builds it with the Live trait.
@Suite(.serialized) struct LiveCommandTests {
    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("novapulse").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug/novapulse").path
    }

    static func launch(_ args: [String], workspace ws: String, env extra: [String: String] = [:], stdin: String? = nil) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: ws)
        var env = ProcessInfo.processInfo.environment
        env["NOVAPULSE_DATA_DIR"] = ws + "/data"
        env.merge(extra) { $1 }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        if stdin != nil { p.standardInput = input }
        try p.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        return (p, out, err)
    }

    static func fake() throws -> FakeKraken {
        let f = FakeKraken(script: try LivePaperTests.script().0)
        try f.start()
        return f
    }

    static func args(_ f: FakeKraken, _ more: [String]) -> [String] {
        ["live", "--pair", "BTC/USD", "--strategy", "sma_cross", "--param", "strategies.sma_cross.fast=5", "--param", "strategies.sma_cross.slow=20",
         "--param", "venues.kraken.rest_url=\(f.restURL)", "--param", "venues.kraken.ws_url=\(f.wsURL)", "--param", "live.status_port=0"] + more
    }

    @Test func aPaperSessionRunsForItsDurationAndLeavesTheLedgerAndTheLog() throws {
        let f = try Self.fake()
        defer { f.stop() }
        let ws = Fixtures.scratch("live-cli")
        let secret = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
        let (p, out, err) = try Self.launch(Self.args(f, ["--for", "8s"]), workspace: ws,
                                            env: ["KRAKEN_API_KEY": "NPKEY-0123456789abcdef", "KRAKEN_API_SECRET": secret])
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(e)")
        #expect(o.contains("warm-up: 400 bars of REST history"))
        #expect(o.contains("stopped (--for elapsed): 400 warm-up bars, "))
        #expect(o.contains(" live bars") && !o.contains(", 0 live bars"))
        #expect(o.contains("opened") && o.contains("closed"))
        #expect(FileManager.default.fileExists(atPath: ws + "/data/live-kraken-paper.db"))
        let log = try String(contentsOfFile: ws + "/logs/novapulse.jsonl", encoding: .utf8)
        #expect(log.contains("\"event\":\"bar closed\""))
        // The secret is nowhere: not in the output, the log or the database.
        let db = try Data(contentsOf: URL(fileURLWithPath: ws + "/data/live-kraken-paper.db"))
        for text in [o, e, log, String(decoding: db, as: UTF8.self)] {
            #expect(!text.contains(secret) && !text.contains("0123456789abcdef"))
        }
    }

    /// The same session on Coinbase: its own ledger, its market data, bars from its trades.
    @Test func aCoinbasePaperSessionRunsOnItsOwnLedger() throws {
        let f = FakeCoinbase(script: try LiveCoinbasePaperTests.script().0)
        try f.start()
        defer { f.stop() }
        let ws = Fixtures.scratch("live-cli-coinbase")
        let args = ["live", "--exchange", "coinbase", "--pair", "BTC/USD", "--strategy", "sma_cross", "--param", "strategies.sma_cross.fast=5",
                    "--param", "strategies.sma_cross.slow=20", "--param", "venues.coinbase.rest_url=\(f.restURL)",
                    "--param", "venues.coinbase.ws_url=\(f.wsURL)", "--param", "live.status_port=0", "--for", "6s"]
        let (status, o, e) = try Self.finish(args, workspace: ws, env: [:])
        #expect(status == 0, "\(e)")
        #expect(o.contains("paper on coinbase BTC/USD"))
        #expect(o.contains("stopped (--for elapsed): 400 warm-up bars, ") && !o.contains(", 0 live bars"), "\(o)")
        #expect(FileManager.default.fileExists(atPath: ws + "/data/live-coinbase-paper.db"))
        #expect(!FileManager.default.fileExists(atPath: ws + "/data/live-kraken-paper.db"))
    }

    /// Real orders on Coinbase from the command line: the key from the environment (its PEM
    /// with literal \n, as env files keep it), its own ledger, the secret nowhere.
    @Test func aCoinbaseLiveSessionSignsWithTheKeyFromTheEnvironment() throws {
        let f = try LiveCoinbaseOrderTests.fake(stream: 200)
        defer { f.stop() }
        let ws = Fixtures.scratch("live-cli-coinbase-live")
        let pem = LiveCoinbaseOrderTests.key.pemRepresentation
        let args = ["live", "--exchange", "coinbase", "--mode", "live", "--confirm-real-money", "--pair", "BTC/USD", "--strategy", "supertrend",
                    "--param", "venues.coinbase.rest_url=\(f.restURL)", "--param", "venues.coinbase.ws_url=\(f.wsURL)",
                    "--param", "venues.coinbase.ws_auth_url=\(f.wsURL)", "--param", "live.status_port=0", "--for", "5s"]
        let env = ["COINBASE_API_KEY": LiveCoinbaseOrderTests.keyName, "COINBASE_API_SECRET": pem.replacingOccurrences(of: "\n", with: "\\n")]
        let (status, o, e) = try Self.finish(args, workspace: ws, env: env)
        #expect(status == 0, "\(e)")
        #expect(o.contains("LIVE (real orders) on coinbase BTC/USD"))
        #expect(o.contains("reconciliation") || FileManager.default.fileExists(atPath: ws + "/data/live-coinbase-live.db"))
        #expect(FileManager.default.fileExists(atPath: ws + "/data/live-coinbase-live.db"))
        let body = pem.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        let log = (try? String(contentsOfFile: ws + "/logs/novapulse.jsonl", encoding: .utf8)) ?? ""
        let db = try Data(contentsOf: URL(fileURLWithPath: ws + "/data/live-coinbase-live.db"))
        for text in [o, e, log, String(decoding: db, as: UTF8.self)] { #expect(!text.contains(body)) }
        // A wrong key is refused before anything is sent, by name and without the key.
        let (bad, _, badErr) = try Self.finish(args, workspace: Fixtures.scratch("live-cli-coinbase-bad"),
                                               env: ["COINBASE_API_KEY": LiveCoinbaseOrderTests.keyName, "COINBASE_API_SECRET": "not a pem"])
        #expect(bad != 0 && badErr.contains("not PEM"), "\(bad) \(badErr)")
    }

    /// Two accounts in one process from the command line: each its ledger, its log, its lines.
    @Test func twoAccountsRunInOneProcessOnTheirOwnLedgers() throws {
        let k = try Self.fake()
        let c = FakeCoinbase(script: try LiveCoinbasePaperTests.script().0)
        try c.start()
        defer { k.stop(); c.stop() }
        let ws = Fixtures.scratch("live-cli-accounts")
        let args = ["live", "--accounts", "main:kraken,swing:coinbase", "--pair", "BTC/USD", "--strategy", "sma_cross",
                    "--param", "strategies.sma_cross.fast=5", "--param", "strategies.sma_cross.slow=20",
                    "--param", "venues.kraken.rest_url=\(k.restURL)", "--param", "venues.kraken.ws_url=\(k.wsURL)",
                    "--param", "venues.coinbase.rest_url=\(c.restURL)", "--param", "venues.coinbase.ws_url=\(c.wsURL)",
                    "--param", "live.status_port=0", "--for", "5s"]
        let (status, o, e) = try Self.finish(args, workspace: ws, env: [:])
        #expect(status == 0, "\(e)")
        #expect(o.contains("account main: paper on kraken") && o.contains("account swing: paper on coinbase"))
        #expect(o.contains("[main] stopped (--for elapsed): 400 warm-up bars") && o.contains("[swing] stopped (--for elapsed): 400 warm-up bars"), "\(o)")
        for f in ["data/live-kraken-main-paper.db", "data/live-coinbase-swing-paper.db", "logs/novapulse-main.jsonl", "logs/novapulse-swing.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: ws + "/" + f), "\(f)")
        }
        // Real orders need each account's own key.
        let (refused, _, why) = try Self.finish(["live", "--accounts", "main:kraken,swing:coinbase", "--pair", "BTC/USD", "--mode", "live",
                                                 "--confirm-real-money"], workspace: ws, env: ["MAIN_KRAKEN_API_KEY": "", "MAIN_KRAKEN_API_SECRET": ""])
        #expect(refused == 2 && why.contains("account main needs MAIN_KRAKEN_API_KEY"), "\(why)")
    }

    /// `novapulse live status` and `pause` against a two-account process: one line set per account.
    @Test func statusAndPauseReachEveryAccountOfAHub() throws {
        let k = FakeKraken(script: try LivePaperTests.script(intervalMs: 100).0)
        let c = FakeCoinbase(script: try LiveCoinbasePaperTests.script { $0.barIntervalMs = 100 }.0)
        try k.start(); try c.start()
        defer { k.stop(); c.stop() }
        let ws = Fixtures.scratch("live-hub-control")
        let port = Self.freePort()
        let keys = ["DASHBOARD_READ_KEY": "read-key-0123456789", "DASHBOARD_ADMIN_KEY": "admin-key-0123456789"]
        let args = ["live", "--accounts", "main:kraken,swing:coinbase", "--pair", "BTC/USD", "--strategy", "sma_cross",
                    "--param", "venues.kraken.rest_url=\(k.restURL)", "--param", "venues.kraken.ws_url=\(k.wsURL)",
                    "--param", "venues.coinbase.rest_url=\(c.restURL)", "--param", "venues.coinbase.ws_url=\(c.wsURL)",
                    "--param", "live.status_port=\(port)", "--for", "30s"]
        let (session, out, _) = try Self.launch(args, workspace: ws, env: keys)
        defer { if session.isRunning { kill(session.processIdentifier, SIGTERM) } }
        var status: (Int32, String, String) = (1, "", "")
        for _ in 0..<100 {
            status = try Self.finish(["live", "status", "--port", "\(port)"], workspace: ws, env: ["DASHBOARD_READ_KEY": keys["DASHBOARD_READ_KEY"]!])
            if status.0 == 0 && status.1.components(separatedBy: ": running,").count == 3 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(status.1.contains("[main] novapulse live on 127.0.0.1:\(port): running, paper on kraken BTC/USD"), "\(status)")
        #expect(status.1.contains("[swing] novapulse live on 127.0.0.1:\(port): running, paper on coinbase BTC/USD"), "\(status)")
        let pause = try Self.finish(["live", "pause", "--port", "\(port)"], workspace: ws, env: ["DASHBOARD_ADMIN_KEY": keys["DASHBOARD_ADMIN_KEY"]!])
        #expect(pause.0 == 0 && pause.1.contains("[main] paused: no new entries") && pause.1.contains("[swing] paused: no new entries"), "\(pause)")
        kill(session.processIdentifier, SIGTERM)
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        session.waitUntilExit()
        #expect(session.terminationStatus == 0)
        #expect(o.contains("[main] stopped (SIGTERM)") && o.contains("[swing] stopped (SIGTERM)"), "\(o)")
    }

    @Test func sigtermStopsCleanlyWithExitZero() throws {
        let f = try Self.fake()
        defer { f.stop() }
        let ws = Fixtures.scratch("live-term")
        let (p, out, _) = try Self.launch(Self.args(f, []), workspace: ws)
        Thread.sleep(forTimeInterval: 4)
        let sent = Date()
        kill(p.processIdentifier, SIGTERM)
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(Date().timeIntervalSince(sent) < 15)
        #expect(o.contains("stopped (SIGTERM)"))
    }

    @Test func liveModeRefusesWithoutConfirmationOrKeys() throws {
        let ws = Fixtures.scratch("live-refuse")
        for (args, env, message) in [
            (["live", "--pair", "BTC/USD", "--mode", "live"], [String: String](), "add --confirm-real-money"),
            (["live", "--pair", "BTC/USD", "--mode", "live", "--confirm-real-money"], ["KRAKEN_API_KEY": "", "KRAKEN_API_SECRET": ""], "needs KRAKEN_API_KEY"),
            (["live", "--pair", "BTC/USD", "--exchange", "binance"], [:], "expected kraken or coinbase"),
            (["live", "--pair", "BTC/USD", "--exchange", "coinbase", "--mode", "live", "--confirm-real-money"],
             ["COINBASE_API_KEY": "", "COINBASE_API_SECRET": ""], "needs COINBASE_API_KEY"),
            (["live", "--pair", "BTC/USD", "--for", "soon"], [:], "--for soon"),
            (["live", "--pair", "BTC/USD", "--mode", "shadow"], [:], "--mode shadow places real orders with real money: add --confirm-real-money"),
            (["live", "--pair", "BTC/USD", "--mode", "shadow", "--confirm-real-money"], ["KRAKEN_API_KEY": "", "KRAKEN_API_SECRET": ""],
             "--mode shadow needs KRAKEN_API_KEY"),
            (["live", "--replay", "x.tape.zst", "--mode", "shadow"], [:], "--replay runs paper only"),
            (["live", "--pair", "BTC/USD", "--mode", "dry"], [:], "--mode dry: expected paper, live or shadow"),
            (["live", "report", "--db", "/nonexistent/x.db"], [:], "no ledger at /nonexistent/x.db"),
        ] {
            let (p, _, err) = try Self.launch(args, workspace: ws, env: env)
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 2 && e.contains(message), "\(args): \(e)")
        }
    }

    /// `novapulse live report` on a shadow ledger: the comparison as text and JSON; a row that
    /// does not decode is named, exit 3.
    @Test func liveReportComparesAShadowLedger() throws {
        let ws = Fixtures.scratch("live-report")
        let db = ws + "/shadow.db"
        let btc = Pair(base: "BTC", quote: "USD")
        let t0: Int64 = 1_700_000_000_000 / 60_000 * 60_000
        var f = ShadowFills(profile: .kraken, settings: SimulatorSettings())
        f.bar(btc, Bar(timestampMs: t0 - 60_000, open: 30_000, high: 30_005, low: 29_995, close: 30_000, volume: 100))
        f.submit(OrderRequest(id: 1, pair: btc, side: .buy, kind: .market, quantity: .base(0.5), purpose: .entry, createdAtMs: t0,
                              clientOrderID: "np1-1"), decisionPrice: 30_000)
        f.real(.filled(Fill(orderID: 1, pair: btc, side: .buy, price: 30_015, quantity: 0.5, fee: 60.03, feeRate: 0.004, isMaker: false,
                            timestampMs: t0 + 400, leavesQuantity: 0)))
        for m: Int64 in 0...1 { f.bar(btc, Bar(timestampMs: t0 + m * 60_000, open: 30_010, high: 30_015, low: 30_005, close: 30_010, volume: 100)) }
        let ledger = LiveLedger(store: try ResultsStore(path: db))
        try ledger.upsertShadowFills(f.takeSettled().compactMap(ShadowRows.row))
        let (code, out, err) = try Self.finish(["live", "report", "--db", db], workspace: ws, env: [:])
        #expect(code == 0, "\(err)")
        #expect(out.contains("shadow fills: 1 orders compared") && out.contains("orders filled               1 of 1            1 of 1"), "\(out)")
        #expect(out.contains("settings nearest the exchange"))
        let (jcode, json, _) = try Self.finish(["live", "report", "--db", db, "--json"], workspace: ws, env: [:])
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(jcode == 0 && obj?["settled"] as? Int == 1 && (obj?["simulators"] as? [Any])?.count == 6, "\(json)")
        try ledger.store.writer.write { try $0.execute(sql: "UPDATE shadow_fills SET detail = '{}'") }
        let (bcode, _, berr) = try Self.finish(["live", "report", "--db", db], workspace: ws, env: [:])
        #expect(bcode == 3 && berr.contains("shadow_fills row np1-1: its detail does not decode"), "\(berr)")
    }

    /// A loopback TCP port nobody listens on right now (the kernel's pick for port 0).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs a short command to its end: exit status, stdout, stderr.
    static func finish(_ args: [String], workspace ws: String, env: [String: String]) throws -> (Int32, String, String) {
        let (p, out, err) = try launch(args, workspace: ws, env: env)
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, o, e)
    }

    @Test func statusPauseResumeAndCloseAllTalkToTheRunningSession() throws {
        let f = FakeKraken(script: try LivePaperTests.script(intervalMs: 100).0)
        try f.start()
        defer { f.stop() }
        let ws = Fixtures.scratch("live-control")
        let port = Self.freePort()
        let keys = ["DASHBOARD_READ_KEY": "read-key-0123456789", "DASHBOARD_ADMIN_KEY": "admin-key-0123456789"]
        // The session: the default subcommand, so `novapulse live --pair ...` still runs it.
        var args = Self.args(f, ["--for", "30s"])
        args[args.firstIndex(of: "live.status_port=0")!] = "live.status_port=\(port)"
        let (session, out, _) = try Self.launch(args, workspace: ws, env: keys)
        defer { if session.isRunning { kill(session.processIdentifier, SIGTERM) } }
        var status: (Int32, String, String) = (1, "", "")
        for _ in 0..<100 {
            status = try Self.finish(["live", "status", "--port", "\(port)"], workspace: ws, env: ["DASHBOARD_READ_KEY": keys["DASHBOARD_READ_KEY"]!])
            if status.0 == 0 && status.1.contains(": running,") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(status.0 == 0 && status.1.contains("novapulse live on 127.0.0.1:\(port): running, paper on kraken BTC/USD"), "\(status)")
        #expect(status.1.contains("entries open") && status.1.contains("bankroll 10000.00"))

        let admin = ["DASHBOARD_ADMIN_KEY": keys["DASHBOARD_ADMIN_KEY"]!]
        let noKey = try Self.finish(["live", "pause", "--port", "\(port)"], workspace: ws, env: ["DASHBOARD_ADMIN_KEY": ""])
        #expect(noKey.0 == 2 && noKey.2.contains("needs DASHBOARD_ADMIN_KEY"))
        let wrong = try Self.finish(["live", "pause", "--port", "\(port)"], workspace: ws, env: ["DASHBOARD_ADMIN_KEY": "admin-key-0000000000"])
        #expect(wrong.0 == 2 && wrong.2.contains("refused the key (401)"), "\(wrong)")
        let pause = try Self.finish(["live", "pause", "--port", "\(port)"], workspace: ws, env: admin)
        #expect(pause.0 == 0 && pause.1.contains("paused: no new entries"), "\(pause)")
        let paused = try Self.finish(["live", "status", "--port", "\(port)"], workspace: ws, env: admin)
        #expect(paused.1.contains("entries blocked: paused by the operator"), "\(paused)")
        let json = try Self.finish(["live", "status", "--json", "--port", "\(port)"], workspace: ws, env: admin)
        let obj = try JSONSerialization.jsonObject(with: Data(json.1.utf8)) as? [String: Any]
        #expect((obj?["status"] as? [String: Any])?["paused"] as? Bool == true)
        #expect(Set(obj?.keys.map { $0 } ?? []) == ["status", "risk", "positions", "strategies"])
        let resume = try Self.finish(["live", "resume", "--port", "\(port)"], workspace: ws, env: admin)
        #expect(resume.0 == 0 && resume.1.contains("resumed: entries are open again"), "\(resume)")
        let close = try Self.finish(["live", "close-all", "--port", "\(port)"], workspace: ws, env: admin)
        #expect(close.0 == 0 && (close.1.contains("exit orders placed for BTC/USD") || close.1.contains("no open position to close")), "\(close)")
        #expect(close.1.contains("the session goes on taking entries"))

        kill(session.processIdentifier, SIGTERM)
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        session.waitUntilExit()
        #expect(session.terminationStatus == 0)
        #expect(o.contains("paused by the operator") && o.contains("resumed by the operator") && o.contains("close-all by the operator"))
        // With no session on the port: a clear error, exit 1.
        let gone = try Self.finish(["live", "status", "--port", "\(port)"], workspace: ws, env: admin)
        #expect(gone.0 == 1 && gone.2.contains("no novapulse live answers on 127.0.0.1:\(port)"), "\(gone)")
    }

    @Test func secretsSetStoresTheKeysEncryptedAndLiveModeFindsThem() throws {
        let ws = Fixtures.scratch("live-secrets")
        let secret = SecretStoreTests.secret
        let env = ["NOVAPULSE_MASTER_KEY": SecretStoreTests.master, "KRAKEN_API_KEY": "", "KRAKEN_API_SECRET": ""]
        let (p, out, err) = try Self.launch(["secrets", "set", "kraken"], workspace: ws, env: env, stdin: "NPKEY-0123456789abcdef\n\(secret)\n")
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && o.contains("stored kraken credentials (key NPKE****cdef) in \(ws)/data/secrets.enc"), "\(o) \(e)")
        #expect(try Self.finish(["secrets", "list"], workspace: ws, env: env).1 == "kraken: key NPKE****cdef\n")
        // `--mode live` with the stored keys, against a Kraken-compatible endpoint (the fake,
        // which checks every signature with these keys): it signs, subscribes and reconciles.
        var script = try LivePaperTests.script(intervalMs: 200).0
        script.account.apiKey = "NPKEY-0123456789abcdef"
        script.account.apiSecret = secret
        let f = FakeKraken(script: script)
        try f.start()
        defer { f.stop() }
        let live = try Self.finish(Self.args(f, ["--mode", "live", "--confirm-real-money", "--for", "3s", "--param", "venues.kraken.ws_auth_url=\(f.wsAuthURL)"]),
                                   workspace: ws, env: env)
        #expect(live.0 == 0 && live.1.contains("LIVE (real orders) on kraken") && live.1.contains("data/live-kraken-live.db"), "\(live)")
        #expect(f.privateConnectionCount == 1 && f.requests.contains("/0/private/GetWebSocketsToken") && f.requests.contains("/0/private/OpenOrders"))
        #expect(!live.1.contains(secret) && !live.2.contains(secret))
        var noMaster = env
        noMaster["NOVAPULSE_MASTER_KEY"] = ""
        let locked = try Self.finish(["live", "--pair", "BTC/USD", "--mode", "live", "--confirm-real-money"], workspace: ws, env: noMaster)
        #expect(locked.0 == 2 && locked.2.contains("is encrypted with NOVAPULSE_MASTER_KEY, which is not set"), "\(locked)")
        let wrong = try Self.finish(["secrets", "list"], workspace: ws, env: ["NOVAPULSE_MASTER_KEY": SecretStoreTests.master + "x"])
        #expect(wrong.0 == 2 && wrong.2.contains("does not open with this NOVAPULSE_MASTER_KEY"))
        let bad = try Self.launch(["secrets", "set", "kraken"], workspace: ws, env: env, stdin: "KEY\nnot base64!\n")
        bad.0.waitUntilExit()
        #expect(bad.0.terminationStatus == 2)
        let file = try String(contentsOfFile: ws + "/data/secrets.enc", encoding: .utf8)
        #expect(!file.contains("NPKEY") && !file.contains(String(secret.prefix(12))) && !o.contains(String(secret.prefix(12))))
        #expect(try Self.finish(["secrets", "remove", "kraken"], workspace: ws, env: env).1.contains("removed kraken"))
    }

    @Test func aSecondRunOnTheSameDatabaseResumesTheFirst() throws {
        let ws = Fixtures.scratch("live-resume")
        var outputs: [String] = []
        for _ in 0..<2 {
            let f = try Self.fake()
            defer { f.stop() }
            let (code, o, e) = try Self.finish(Self.args(f, ["--for", "3s"]), workspace: ws, env: [:])
            #expect(code == 0, "\(e)")
            outputs.append(o)
        }
        #expect(outputs[0].contains("warm-up: 400 bars of REST history") && !outputs[0].contains("resumed from the journal"))
        #expect(outputs[1].contains("resumed from the journal: 400 warm-up and ") && !outputs[1].contains("warm-up: 400 bars"), "\(outputs[1])")
        // Another strategy setting on the same ledger: refused, with the way out named.
        let f = try Self.fake()
        defer { f.stop() }
        let (code, _, e) = try Self.finish(Self.args(f, ["--for", "3s", "--param", "strategies.sma_cross.slow=21"]), workspace: ws, env: [:])
        #expect(code != 0 && e.contains("add --fresh to start a new journal"), "\(e)")
        let fresh = try Self.finish(Self.args(f, ["--for", "2s", "--param", "strategies.sma_cross.slow=21", "--fresh"]), workspace: ws, env: [:])
        #expect(fresh.0 == 0 && fresh.1.contains("--fresh: a new journal"), "\(fresh)")
    }

    @Test func recordThenReplayGivesTheSameClosedTrades() throws {
        let ws = Fixtures.scratch("live-tape")
        let f = try Self.fake()
        let recorded = try Self.finish(Self.args(f, ["--for", "4s", "--record", "tapes"]), workspace: ws, env: [:])
        f.stop()
        #expect(recorded.0 == 0, "\(recorded.2)")
        let tapes = try FileManager.default.contentsOfDirectory(atPath: ws + "/tapes").filter { $0.hasSuffix(".tape.zst") }
        #expect(tapes.count == 1 && tapes[0].hasPrefix("kraken-"))
        #expect(recorded.1.contains("wire tape: tapes/\(tapes.first ?? "")"))
        // No fake any more: the tape is the network. The pairs come from the tape.
        let replayArgs = ["live", "--replay", "tapes/\(tapes.first ?? "")", "--strategy", "sma_cross",
                          "--param", "strategies.sma_cross.fast=5", "--param", "strategies.sma_cross.slow=20"]
        let replayed = try Self.finish(replayArgs, workspace: ws, env: [:])
        #expect(replayed.0 == 0, "\(replayed.2)")
        #expect(replayed.1.contains("novapulse live: replaying tapes/") && replayed.1.contains("stopped (end of tape)"))
        func closed(_ o: String) -> [String] { o.split(separator: "\n").map(String.init).filter { $0.contains(" closed ") && $0.contains(" pnl ") } }
        #expect(!closed(recorded.1).isEmpty && closed(replayed.1) == closed(recorded.1), "\(replayed.1)")
        // Again: a new ledger each time, the same output.
        let again = try Self.finish(replayArgs, workspace: ws, env: [:])
        #expect(closed(again.1) == closed(replayed.1))
        // The tape as bars for `backtest`.
        // No --pair: the tape names its pairs. The import says how to replay the session.
        let imported = try Self.finish(["data", "import", "tapes/\(tapes[0])", "--kind", "tape"], workspace: ws, env: [:])
        #expect(imported.0 == 0 && imported.1.contains("Imported ") && imported.1.contains(" 1m bars of BTC/USD (kraken)"), "\(imported)")
        let replayLine = imported.1.split(separator: "\n").first { $0.hasPrefix("  replay       novapulse backtest ") }
        let backtestArgs = try #require(replayLine, "\(imported.1)").split(separator: " ").dropFirst(2).map(String.init)
        #expect(backtestArgs.contains("--trade-from") && backtestArgs.contains("--from"))
        // That command, with the session's strategy: the session's trades, no more, no fewer.
        // A baseline: live runs it through the risk manager, so the backtest is told to as well.
        let bt = try Self.finish(backtestArgs + ["--strategy", "sma_cross", "--param", "fast=5", "--param", "slow=20", "--sizing", "fixed-fractional", "--json"],
                                 workspace: ws, env: [:])
        #expect(bt.0 == 0, "\(bt.2)")
        #expect(bt.1.contains("entries open at backtest.trade_from ") && bt.1.contains(" bars before it only warmed the stack"), "\(bt.1)")
        func rows(_ path: String, _ sql: String) throws -> [String] {
            try DatabaseQueue(path: ws + "/" + path).read { db in
                try Row.fetchAll(db, sql: sql).map { "\($0[0] as String) \($0[1] as Double) \(($0[2] as Double?) ?? 0)" }
            }
        }
        let session = try rows("data/live-kraken-paper.db", "SELECT entry_time, entry_price, exit_price FROM trades ORDER BY entry_time")
        func runID(_ json: String) -> String {
            ((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any])?["run_id"] as? String ?? "?"
        }
        let query = "SELECT entry_time, entry_price, exit_price FROM run_trades WHERE run_id = '%@' ORDER BY seq"
        let backtest = try rows("data/novapulse.db", String(format: query, runID(bt.1)))
        #expect(!session.isEmpty && backtest == session, "\(backtest) vs \(session)")
        // Without --trade-from the backtest trades the warm-up too: more trades than the session.
        let untimed = try Self.finish(Array(backtestArgs.prefix { $0 != "--trade-from" }) + ["--strategy", "sma_cross", "--param", "fast=5", "--param", "slow=20",
                                                                                              "--sizing", "fixed-fractional", "--json"],
                                      workspace: ws, env: [:])
        let untimedRows = try rows("data/novapulse.db", String(format: query, runID(untimed.1)))
        #expect(untimed.0 == 0 && untimedRows.count > session.count)
        let bad = try Self.finish(["backtest", "--pair", "BTC/USD", "--trade-from", "yesterday"], workspace: ws, env: [:])
        #expect(bad.0 == 2 && bad.2.contains("yesterday"), "\(bad)")
        let noPair = try Self.finish(["data", "import", "prices.csv"], workspace: ws, env: [:])
        #expect(noPair.0 == 2 && noPair.2.contains("--pair is needed"), "\(noPair)")
        let wrongPair = try Self.finish(["data", "import", "tapes/\(tapes[0])", "--kind", "tape", "--pair", "ETH/USD"], workspace: ws, env: [:])
        #expect(wrongPair.0 == 3 && wrongPair.2.contains("no AssetPairs reply for ETH/USD (pairs on it: BTC/USD)"), "\(wrongPair)")
        let existing = try Self.finish(replayArgs + ["--db", "data/replay-\(tapes[0].replacingOccurrences(of: ".tape.zst", with: "")).db"], workspace: ws, env: [:])
        #expect(existing.0 == 2 && existing.2.contains("exists: a replay writes a new ledger"))
    }

    @Test func aPairKrakenDoesNotListIsTheUsersToFix() throws {
        let f = try Self.fake()
        defer { f.stop() }
        var args = Self.args(f, ["--for", "5s"])
        args[args.firstIndex(of: "BTC/USD")!] = "FOO/BAR"
        let r = try Self.finish(args, workspace: Fixtures.scratch("live-badpair"), env: [:])
        #expect(r.0 == 2 && r.2.contains("Kraken does not list FOO/BAR"), "\(r)")
    }

    @Test func linesArePrintedAsTheyHappenAndSurviveAKill() throws {
        let f = FakeKraken(script: try LivePaperTests.script(intervalMs: 200).0)
        try f.start()
        defer { f.stop() }
        let (p, out, _) = try Self.launch(Self.args(f, ["--for", "60s"]), workspace: Fixtures.scratch("live-kill"), env: [:])
        // Once the session streams, kill -9: what it printed is in the pipe, not in a lost buffer.
        let deadline = Date().addingTimeInterval(20)
        while f.connections == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        Thread.sleep(forTimeInterval: 1)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(o.contains("novapulse live: paper on kraken") && o.contains("warm-up: 400 bars") && o.contains("connected to ws://"), "\(o)")
    }

    @Test func aStopDuringTheWarmUpExitsAtOnceWithZero() throws {
        var script = try LivePaperTests.script().0
        script.ohlcDelayMs = 30_000
        let f = FakeKraken(script: script)
        try f.start()
        defer { f.stop() }
        let (p, out, _) = try Self.launch(Self.args(f, ["--for", "60s"]), workspace: Fixtures.scratch("live-warm-stop"), env: [:])
        let deadline = Date().addingTimeInterval(20)
        while !f.requests.contains("/0/public/OHLC") && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let sent = Date()
        kill(p.processIdentifier, SIGTERM)
        while p.isRunning && Date().timeIntervalSince(sent) < 15 { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0 && Date().timeIntervalSince(sent) < 15, "\(p.terminationStatus) \(o)")
        #expect(o.contains("stopped by SIGTERM during the warm-up"), "\(o)")
    }

    @Test func aRefusedConnectionIsSaidPlainlyWithinSeconds() throws {
        let port = Self.freePort()
        let started = Date()
        let r = try Self.finish(["live", "--pair", "BTC/USD", "--param", "venues.kraken.rest_url=http://127.0.0.1:\(port)", "--param", "live.status_port=0",
                                 "--for", "5s"], workspace: Fixtures.scratch("live-refused"), env: [:])
        #expect(r.0 == 1 && r.2.contains("connection refused at 127.0.0.1:\(port)"), "\(r)")
        #expect(!r.2.contains("errno") && Date().timeIntervalSince(started) < 20)
    }
}
