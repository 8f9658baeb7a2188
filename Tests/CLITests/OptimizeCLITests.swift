import Foundation
import Testing
import NovaTestSupport

/// `novapulse optimize` from the command line: resume after a kill, two processes sharing one
/// experiment, sharding, and PostgreSQL.
@Suite struct OptimizeCLITests {
    static func count(_ db: String) -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys\ntry:\n print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM experiment_trials').fetchone()[0])\nexcept Exception:\n print(0)", db]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try? p.run()
        p.waitUntilExit()
        return Int(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    static let experiment = """
    name: resume
    data: {pair: BTC/USDT}
    base: {backtest: {strategy: keltner_channel}}
    space:
      strategies.keltner_channel.multiplier: {range: [1.5, 3.0], step: 0.5}
      strategies.keltner_channel.ema_period: {choices: [10, 20, 30, 40, 50, 60]}
    objective: {metric: sharpe, goal: maximize}
    sampler: grid
    """

    /// SIGKILL in the middle of an optimisation, then the same command again: it runs only
    /// what was not stored, and the result is trial for trial that of an uninterrupted run.
    @Test func killedOptimizeResumesWithoutLosingOrRepeatingATrial() throws {
        let file = Fixtures.file(Self.experiment, name: "resume.yaml")
        let ws = Fixtures.scratch("optkill"), clean = Fixtures.scratch("optclean")
        for w in [ws, clean] {
            let imp = try CLITests.run(["data", "import", Fixtures.shared("binance-btcusdt-1m-2024-06.csv"), "--pair", "BTC/USDT"], workspace: w)
            #expect(imp.code == 0, "\(imp.stderr)")
        }
        let (p, _, _) = try CLITests.launch(["optimize", file, "--workers", "1"], workspace: ws, output: false)
        let deadline = Date().addingTimeInterval(120)
        while Self.count(ws + "/data/novapulse.db") < 3 && Date() < deadline && p.isRunning { usleep(20_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let before = Self.count(ws + "/data/novapulse.db")
        #expect(before >= 3 && before < 24, "killed after \(before) trials")

        let resumed = try CLITests.run(["optimize", file, "--json"], workspace: ws)
        #expect(resumed.code == 0, "\(resumed.stderr)")
        let r = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as! [String: Any]
        #expect(r["ran"] as? Int == 24 - before && r["skipped"] as? Int == before)
        let full = try CLITests.run(["optimize", file, "--json"], workspace: clean)
        let f = try JSONSerialization.jsonObject(with: Data(full.stdout.utf8)) as! [String: Any]
        #expect(f["experiment_id"] as? String == r["experiment_id"] as? String)
        func trials(_ o: [String: Any]) -> [String] {
            ((o["windows"] as! [[String: Any]])[0]["trial_list"] as! [[String: Any]])
                .map { "\($0["trial"]!) \(($0["params"] as! [String: Double]).sorted { $0.key < $1.key }) \($0["objectives"]!)" }.sorted()
        }
        #expect(trials(r) == trials(f))
        #expect(trials(r).count == 24)
        // The trials are runs: the registry lists them by kind and by experiment, not among the
        // backtests (issue 19: `runs list` was flooded by trials).
        let list = try CLITests.run(["runs", "list", "--kind", "trial", "--limit", "100", "--json"], workspace: ws)
        let listed = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]
        #expect(listed.count == 24 && listed.allSatisfy { $0["kind"] as? String == "trial" })
        let id = try #require(r["experiment_id"] as? String)
        let byExperiment = try CLITests.run(["runs", "list", "--experiment", id, "--limit", "100", "--json"], workspace: ws)
        #expect((try JSONSerialization.jsonObject(with: Data(byExperiment.stdout.utf8)) as! [Any]).count == 24)
        let other = try CLITests.run(["runs", "list", "--experiment", "ex-000000000000", "--json"], workspace: ws)
        #expect(other.code == 0 && other.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let plain = try CLITests.run(["runs", "list"], workspace: ws)
        #expect(plain.code == 0 && plain.stdout.contains("No backtest runs. The store holds 24 trial run(s): novapulse runs list --kind trial"), "\(plain.stdout)")
        let bad = try CLITests.run(["runs", "list", "--kind", "trail"], workspace: ws)
        #expect(bad.code == 2 && bad.stderr.contains("--kind trail: give one of backtest, trial, oos, all (did you mean trial?)"), "\(bad.stderr)")
    }

    /// Two identical `optimize` commands at once on one store (issue 32 #9): each trial runs
    /// once, in one of them (claimed before it runs), and both report all 24, equal.
    @Test func twoIdenticalOptimizesShareTheTrials() throws {
        let file = Fixtures.file(Self.experiment, name: "twice.yaml")
        let ws = Fixtures.scratch("opttwice")
        let imp = try CLITests.run(["data", "import", Fixtures.shared("binance-btcusdt-1m-2024-06.csv"), "--pair", "BTC/USDT"], workspace: ws)
        #expect(imp.code == 0, "\(imp.stderr)")
        let launched = try (0..<2).map { _ in try CLITests.launch(["optimize", file, "--workers", "1", "--json"], workspace: ws) }
        // Both pipes read at once: a full stderr pipe would stall its process.
        final class Box: @unchecked Sendable { var out = [Data](repeating: Data(), count: 2), err = [Data](repeating: Data(), count: 2) }
        let box = Box()
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            let (p, out, err) = launched[k / 2]
            if k % 2 == 0 { box.out[k / 2] = out.fileHandleForReading.readDataToEndOfFile() } else { box.err[k / 2] = err.fileHandleForReading.readDataToEndOfFile() }
            _ = p
        }
        var summaries: [[String: Any]] = []
        for (k, l) in launched.enumerated() {
            l.0.waitUntilExit()
            #expect(l.0.terminationStatus == 0, "\(String(decoding: box.err[k], as: UTF8.self).suffix(400))")
            summaries.append(try JSONSerialization.jsonObject(with: box.out[k]) as! [String: Any])
        }
        let ran = summaries.map { $0["ran"] as! Int }, skipped = summaries.map { $0["skipped"] as! Int }
        #expect(ran[0] + ran[1] == 24, "ran \(ran), skipped \(skipped)")
        #expect(ran[0] + skipped[0] == 24 && ran[1] + skipped[1] == 24)
        func trials(_ o: [String: Any]) -> [String] {
            ((o["windows"] as! [[String: Any]])[0]["trial_list"] as! [[String: Any]])
                .map { "\($0["trial"]!) \(($0["params"] as! [String: Double]).sorted { $0.key < $1.key }) \($0["objectives"]!)" }.sorted()
        }
        #expect(trials(summaries[0]).count == 24 && trials(summaries[0]) == trials(summaries[1]))
        #expect(Self.count(ws + "/data/novapulse.db") == 24)
    }

    #if !Postgres
    /// Built without the PostgreSQL trait: DATABASE_URL is refused with the way to get it.
    @Test func databaseURLNeedsThePostgresTrait() throws {
        let file = Fixtures.file(Self.experiment, name: "nopg.yaml")
        let ws = Fixtures.scratch("nopg")
        let (p, _, err) = try CLITests.launch(["optimize", file], workspace: ws, environment: ["DATABASE_URL": "postgresql://u@127.0.0.1:1/db"])
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 2 && e.contains("--traits Postgres"), "\(e)")
    }
    #endif

    @Test func tpeCannotBeSharded() throws {
        let file = Fixtures.file(Self.experiment.replacingOccurrences(of: "sampler: grid", with: "sampler: tpe\ntrials: 4"), name: "tpe.yaml")
        let r = try CLITests.run(["optimize", file, "--shard", "1/2"])
        #expect(r.code == 2 && r.stderr.contains("grid or random sampler"), "\(r.stderr)")
        let bad = try CLITests.run(["optimize", file, "--shard", "3/2"])
        #expect(bad.code == 2 && bad.stderr.contains("--shard 3/2: give I/N with 1 <= I <= N"))
    }
}

#if Postgres
/// Past one machine: N shard processes writing to one real PostgreSQL give, trial for trial,
/// what one unsharded run gives.
@Suite(.enabled(if: PostgresServer.available || ProcessInfo.processInfo.environment["CI"] != nil,
                "PostgreSQL is not installed here (scripts/bootstrap.sh installs it)"))
struct PostgresShardTests {
    static let experiment = """
    name: pg-shards
    data: {pair: BTC/USD}
    base: {backtest: {strategy: sma_cross, sizing: all-in}}
    space:
      strategies.sma_cross.fast: {choices: [3, 5, 8]}
      strategies.sma_cross.slow: {range: [20, 50], step: 10}
    objective: {metric: total_return_pct, goal: maximize}
    sampler: grid
    """

    @Test func shardUnionEqualsOneRunOnPostgres() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let sharded = try server.createDatabase("shards"), whole = try server.createDatabase("whole")
        let ws = Fixtures.scratch("pgws")
        let imp = try CLITests.run(["data", "import", Fixtures.path("btcusdt-1m-2024-06-01.csv"), "--pair", "BTC/USD"], workspace: ws)
        #expect(imp.code == 0, "\(imp.stderr)")
        let file = Fixtures.file(Self.experiment, name: "pg.yaml")
        func launch(_ args: [String], url: String) throws -> (Process, Pipe, Pipe) {
            try CLITests.launch(args, workspace: ws, environment: ["DATABASE_URL": url])
        }
        // Three shard processes at once, then one unsharded run into another database.
        let shards = try (1...3).map { try launch(["optimize", file, "--shard", "\($0)/3", "--workers", "1", "--json"], url: sharded) }
        var ran = 0
        for (p, out, err) in shards {
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(String(decoding: e, as: UTF8.self))")
            ran += (try? JSONSerialization.jsonObject(with: o) as? [String: Any])?["ran"] as? Int ?? -100
        }
        #expect(ran == 12)
        let (p, _, err) = try launch(["optimize", file, "--json"], url: whole)
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(String(decoding: e, as: UTF8.self))")
        let sql = "SELECT trial, params, objectives, feasible FROM experiment_trials ORDER BY trial"
        let a = try server.query("shards", sql), b = try server.query("whole", sql)
        #expect(a == b)
        #expect(a.split(separator: "\n").count == 12)
        #expect(try server.query("shards", "SELECT COUNT(*) FROM backtest_runs WHERE kind = 'trial'").trimmingCharacters(in: .whitespacesAndNewlines) == "12")
        #expect(try server.query("shards", "SELECT COUNT(DISTINCT host) FROM experiment_trials").trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        // A bad URL is a clear error.
        let (bad, _, badErr) = try launch(["optimize", file], url: "postgresql://nobody@127.0.0.1:1/none")
        let badText = String(decoding: badErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        bad.waitUntilExit()
        #expect(bad.terminationStatus != 0 && badText.contains("cannot connect to PostgreSQL at postgresql://nobody@127.0.0.1:1/none"), "\(badText)")
    }
}
#endif
