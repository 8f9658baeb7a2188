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

#if Postgres
/// A DATABASE_URL that cannot be used is the user's configuration: one clear line naming the
/// host and port, exit 2, the password never printed (it was exit 1 with the client's dump).
@Suite struct DatabaseURLErrorTests {
    @Test(arguments: [
        ("postgresql://u:secretpw@127.0.0.1:1/db", "cannot connect to PostgreSQL at postgresql://u@127.0.0.1:1/db: connection refused"),
        ("postgresql://u:secretpw@127.0.0.1:notaport/db", "postgresql://u:***@127.0.0.1:notaport/db"),
        ("postgresql://u:secretpw@127.0.0.1:99999/db", "port 99999 is not a TCP port"),
        ("mysql://u:secretpw@127.0.0.1/db", "DATABASE_URL=mysql://u:***@127.0.0.1/db: only postgresql://"),
    ])
    func badURLs(url: String, message: String) throws {
        let file = Fixtures.file(OptimizeCLITests.experiment, name: "e.yaml")
        let (p, out, err) = try CLITests.launch(["optimize", file], workspace: Fixtures.scratch("pgurl"), environment: ["DATABASE_URL": url])
        _ = out.fileHandleForReading.readDataToEndOfFile()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 2, "\(e)")
        #expect(e.contains(message), "\(e)")
        #expect(!e.contains("secretpw"), "\(e)")
        #expect(e.split(separator: "\n").count == 1, "\(e)")
    }
}
#endif
