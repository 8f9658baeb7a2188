import Foundation
import NovaTestSupport
import Testing

/// The crash harness (issue 32): `kill -9` at seeded random moments of `data import`, a
/// full-stack `backtest` and `optimize`, then what must hold after each: the SQLite file
/// passes `integrity_check`, every completed run has its rows, no import leaves a partial
/// dataset, the next command marks killed runs interrupted and removes a killed import's
/// temporary file, and the optimisation resumed after the kills equals an uninterrupted one.
///
/// `NOVAPULSE_CRASH_KILLS` (default 6: two of each) and `NOVAPULSE_CRASH_SEED` set the run;
/// the figures of a long run are in Benchmarks/BENCHMARKS.md. Each moment is drawn uniformly
/// within the command's own uninterrupted duration, measured first.
@Suite(.serialized) struct CrashHarnessTests {
    static let environment = ProcessInfo.processInfo.environment
    static let kills = Int(environment["NOVAPULSE_CRASH_KILLS"] ?? "") ?? 6
    static let seed = UInt64(environment["NOVAPULSE_CRASH_SEED"] ?? "") ?? 20_261_208
    static let month = Fixtures.shared("binance-btcusdt-1m-2024-06.csv")

    /// SplitMix64: the kill moments of a seed are the same on every machine.
    struct Moments {
        var state: UInt64
        mutating func next(below n: UInt64) -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (z ^ (z >> 31)) % max(n, 1)
        }
    }

    static func commands(_ experiment: String) -> [(name: String, args: [String])] {
        [("import", ["data", "import", month, "--pair", "ETH/USDT"]),
         ("backtest", ["backtest", "--pair", "BTC/USDT"]),
         ("optimize", ["optimize", experiment, "--workers", "1"])]
    }

    /// What the store holds, checked by Python's sqlite3 (not by the code under test).
    static func audit(_ db: String) throws -> [String: Any] {
        let script = """
        import json, sqlite3, sys
        c = sqlite3.connect(sys.argv[1])
        out = {"integrity": c.execute("PRAGMA integrity_check").fetchone()[0]}
        bad = []
        for run_id, kind, results in c.execute("SELECT run_id, kind, results FROM backtest_runs WHERE status = 'completed'"):
            trades = json.loads(results or "{}").get("trades", 0) or 0
            stored = c.execute("SELECT count(*) FROM run_trades WHERE run_id = ?", (run_id,)).fetchone()[0]
            equity = c.execute("SELECT count(*) FROM run_equity WHERE run_id = ?", (run_id,)).fetchone()[0]
            chunks = c.execute("SELECT count(*) FROM run_signal_chunks WHERE run_id = ?", (run_id,)).fetchone()[0]
            if stored < trades or equity != 1 or (kind == "backtest" and chunks == 0):
                bad.append(run_id)
        out["incomplete"] = bad
        out["running"] = c.execute("SELECT count(*) FROM backtest_runs WHERE status = 'running'").fetchone()[0]
        out["completed"] = c.execute("SELECT count(*) FROM backtest_runs WHERE status = 'completed'").fetchone()[0]
        out["trials"] = c.execute("SELECT count(*) FROM experiment_trials").fetchone()[0]
        print(json.dumps(out))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, db]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func trialList(_ stdout: String) throws -> [String] {
        let o = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as! [String: Any]
        return ((o["windows"] as! [[String: Any]])[0]["trial_list"] as! [[String: Any]])
            .map { "\($0["trial"]!) \(($0["params"] as! [String: Double]).sorted { $0.key < $1.key }) \($0["objectives"]!)" }.sorted()
    }

    @Test func killedAtSeededRandomMomentsNothingIsCorruptLostOrHalfStored() throws {
        let experiment = Fixtures.file(OptimizeCLITests.experiment, name: "crash.yaml")
        let ws = Fixtures.scratch("crash"), clean = Fixtures.scratch("crashclean")
        for w in [ws, clean] {
            let imp = try CLITests.run(["data", "import", Self.month, "--pair", "BTC/USDT"], workspace: w)
            #expect(imp.code == 0, "\(imp.stderr)")
        }
        // Each command's uninterrupted duration (in the clean workspace, whose optimisation is
        // the reference the resumed one must equal).
        var durationMs: [String: UInt64] = [:]
        var reference: [String] = []
        for (name, args) in Self.commands(experiment) {
            let start = Date()
            let r = try CLITests.run(args + (name == "optimize" ? ["--json"] : []), workspace: clean)
            #expect(r.code == 0, "\(name): \(r.stderr)")
            durationMs[name] = UInt64(Date().timeIntervalSince(start) * 1000)
            if name == "optimize" { reference = try Self.trialList(r.stdout) }
        }
        var moments = Moments(state: Self.seed)
        var killedWhileRunning = 0
        let db = ws + "/data/novapulse.db"
        for k in 0..<Self.kills {
            let (name, args) = Self.commands(experiment)[k % 3]
            let delay = moments.next(below: durationMs[name]!)
            let (p, _, _) = try CLITests.launch(args, workspace: ws, output: false)
            usleep(useconds_t(delay * 1000))
            if p.isRunning { killedWhileRunning += 1 }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            guard FileManager.default.fileExists(atPath: db) else { continue }
            let a = try Self.audit(db)
            #expect(a["integrity"] as? String == "ok", "kill \(k) (\(name) at \(delay) ms): \(a)")
            #expect((a["incomplete"] as? [String])?.isEmpty == true, "kill \(k) (\(name) at \(delay) ms): completed runs without their rows \(a)")
        }
        // The next command marks the killed runs interrupted and removes a killed import's
        // temporary file; the second pair's bars are either the old ones or the new, whole.
        let list = try CLITests.run(["runs", "list", "--limit", "500", "--json"], workspace: ws)
        #expect(list.code == 0, "\(list.stderr)")
        #expect(try Self.audit(db)["running"] as? Int == 0)
        let data = try CLITests.run(["data", "list"], workspace: ws)
        #expect(data.code == 0, "\(data.stderr)")
        let leftovers = FileManager.default.enumerator(atPath: ws + "/data")?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") } ?? []
        #expect(leftovers.isEmpty, "\(leftovers)")
        let again = try CLITests.run(["data", "import", Self.month, "--pair", "ETH/USDT"], workspace: ws)
        #expect(again.code == 0, "\(again.stderr)")
        let bt = try CLITests.run(["backtest", "--pair", "ETH/USDT", "--strategy", "sma_cross", "--json"], workspace: ws)
        #expect(bt.code == 0, "\(bt.stderr)")
        // The optimisation resumed after its kills equals the uninterrupted one, trial for trial.
        let resumed = try CLITests.run(["optimize", experiment, "--json"], workspace: ws)
        #expect(resumed.code == 0, "\(resumed.stderr)")
        #expect(try Self.trialList(resumed.stdout) == reference)
        let final = try Self.audit(db)
        #expect(final["integrity"] as? String == "ok" && (final["incomplete"] as? [String])?.isEmpty == true, "\(final)")
        print("crash harness: \(Self.kills) kills (seed \(Self.seed)), \(killedWhileRunning) while running; "
              + "uninterrupted ms \(durationMs.sorted { $0.key < $1.key }); store after: \(final)")
    }
}
