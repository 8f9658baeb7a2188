import Foundation
import NovaFakeKraken
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// The crash harness on `novapulse live` (issues 30 and 32): a real-orders session against the
/// fake Kraken on loopback, `kill -9` at seeded random moments, restarted each time, then one
/// clean run. After it: the ledger file passes SQLite's own `integrity_check` (read by Python's
/// sqlite3, not by the code under test), no client order id reached Kraken twice, and the ledger
/// equals the account (cash, position, fees).
///
/// The same knobs as CLITests' CrashHarnessTests: `NOVAPULSE_CRASH_KILLS` (default here 10) and
/// `NOVAPULSE_CRASH_SEED`. Each session is killed 1 to 3.5 s after its start: during the
/// warm-up, a resync, an order in flight or a checkpoint, wherever the draw falls.
///
/// A part of `LiveCommandTests` (an extension), so it runs in that serialized suite and not
/// beside its other sessions: ten `live` processes started while others run starved the
/// Coinbase sessions of other suites into reconnects.
enum LiveCrashHarness {
    static let environment = ProcessInfo.processInfo.environment
    static let kills = Int(environment["NOVAPULSE_CRASH_KILLS"] ?? "") ?? 10
    static let seed = UInt64(environment["NOVAPULSE_CRASH_SEED"] ?? "") ?? 30

    static func integrity(_ db: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", db]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

}

extension LiveCommandTests {
    @Test func theCrashHarnessOnLiveLosesNothingAndSendsNothingTwice() throws {
        let fake = try LiveOrderTests.fake(stream: 1_000) { $0.barIntervalMs = 40 }
        defer { fake.stop() }
        let ws = Fixtures.scratch("live-kill9")
        let env = ["KRAKEN_API_KEY": "fake-key", "KRAKEN_API_SECRET": LiveOrderTests.secret]
        let params = ["backtest.strategy=supertrend", "executor.limit_chase_attempts=0", "smart_exit.enabled=false",
                      "executor.exit_on_opposite_signal=false", "backtest.initial_cash=10000", "risk.stop_loss_floor_pct=0.003",
                      "risk.take_profit_floor_pct=0.004", "live.reconcile_orders_s=1", "live.checkpoint_bars=7", "venues.kraken.ws_auth_url=\(fake.wsAuthURL)",
                      "venues.kraken.rest_url=\(fake.restURL)", "venues.kraken.ws_url=\(fake.wsURL)", "live.status_port=0"]
        let args = ["live", "--pair", "BTC/USD", "--mode", "live", "--confirm-real-money"] + params.flatMap { ["--param", $0] }
        var seed = LiveCrashHarness.seed
        func next() -> Double { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Double(seed >> 11) / Double(1 << 53) }
        var outputs: [String] = []
        for _ in 0..<LiveCrashHarness.kills {
            let (p, out, _) = try Self.launch(args + ["--for", "60s"], workspace: ws, env: env)
            Thread.sleep(forTimeInterval: 1.0 + 2.5 * next())
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            outputs.append(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        let db = ws + "/data/live-kraken-live.db"
        #expect(try LiveCrashHarness.integrity(db) == "ok", "after \(LiveCrashHarness.kills) kills")
        let last = try Self.finish(args + ["--for", "4s"], workspace: ws, env: env)
        #expect(last.0 == 0, "\(last)")
        // Restarts resumed from a checkpoint (every 7 bars) and the journal after it.
        #expect((outputs + [last.1]).contains { $0.contains("live bars, from its checkpoint of ") }, "\(outputs)")
        let orders = fake.orders
        #expect(orders.count >= LiveCrashHarness.kills, "\(outputs)")
        #expect(Set(orders.map(\.clientOrderID)).count == orders.count, "\(orders.map(\.clientOrderID))")
        #expect(try LiveCrashHarness.integrity(db) == "ok")
        let ledger = LiveLedger(store: try ResultsStore(path: db))
        try LiveOrderTests.expectLedgerEqualsAccount(ledger, fake)
    }
}
