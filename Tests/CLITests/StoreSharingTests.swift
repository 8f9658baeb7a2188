import Foundation
import Testing
import NovaTestSupport

/// Several novapulse processes on one results store, and run ids that must match exactly.
@Suite struct StoreSharingTests {
    /// Three backtests started together on a fresh database: all succeed (the migrations ran
    /// once, under a lock; writers waited their turn) and all three runs are stored.
    @Test func threeBacktestsAtOnceOnAFreshStore() throws {
        let ws = Fixtures.scratch("share")
        let imp = try CLITests.run(["data", "import", Fixtures.path("btcusdt-1m-2024-06-01.csv"), "--pair", "BTC/USD"], workspace: ws)
        #expect(imp.code == 0, "\(imp.stderr)")
        for f in ["novapulse.db", "novapulse.db-wal", "novapulse.db-shm"] { try? FileManager.default.removeItem(atPath: ws + "/data/" + f) }
        let procs = try ["sma_cross", "buy_and_hold", "keltner"].map {
            try CLITests.launch(["backtest", "--pair", "BTC/USD", "--strategy", $0, "--json"], workspace: ws)
        }
        for (p, out, err) in procs {
            _ = out.fileHandleForReading.readDataToEndOfFile()
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(e)")
        }
        let list = try CLITests.run(["runs", "list", "--json"], workspace: ws)
        let runs = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(runs.count == 3 && runs.allSatisfy { $0["status"] as? String == "completed" }, "\(list.stdout)")
    }

    /// Run ids match a prefix exactly and case-sensitively: an empty id, `%`, `_` or another
    /// case never match (they once deleted the only stored run).
    @Test func runIDsMatchExactly() throws {
        let ws = Fixtures.scratch("ids")
        _ = try CLITests.run(["data", "import", Fixtures.path("btcusdt-1m-2024-06-01.csv"), "--pair", "BTC/USD"], workspace: ws)
        let bt = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold", "--json"], workspace: ws)
        let id = (try JSONSerialization.jsonObject(with: Data(bt.stdout.utf8)) as? [String: Any])?["run_id"] as? String ?? ""
        #expect(id.hasPrefix("bt-"), "\(bt.stderr)")
        for bad in ["", " ", "%", "bt_", id.uppercased(), id.replacingOccurrences(of: "-", with: "_")] {
            let r = try CLITests.run(["runs", "delete", bad], workspace: ws)
            #expect(r.code == 2, "'\(bad)': \(r.stderr)")
        }
        #expect(try CLITests.run(["runs", "delete", ""], workspace: ws).stderr.contains("a run id is required"))
        #expect(try CLITests.run(["runs", "show", String(id.prefix(12))], workspace: ws).code == 0)
        #expect(try CLITests.run(["runs", "delete", id], workspace: ws).code == 0)
    }
}
