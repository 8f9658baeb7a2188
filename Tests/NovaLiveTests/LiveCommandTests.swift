import Foundation
import NovaFakeKraken
import NovaTestSupport
import Testing

/// `novapulse live` as a user runs it: the built binary against the fake Kraken on loopback.
/// The README's test command builds it with the Live trait.
@Suite(.serialized) struct LiveCommandTests {
    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("novapulse").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug/novapulse").path
    }

    static func launch(_ args: [String], workspace ws: String, env extra: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
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
        try p.run()
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
            (["live", "--pair", "BTC/USD", "--exchange", "binance"], [:], "supports kraken"),
            (["live", "--pair", "BTC/USD", "--for", "soon"], [:], "--for soon"),
        ] {
            let (p, _, err) = try Self.launch(args, workspace: ws, env: env)
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 2 && e.contains(message), "\(args): \(e)")
        }
    }
}
