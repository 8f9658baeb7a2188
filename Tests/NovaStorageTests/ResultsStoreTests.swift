import Foundation
import GRDB
import NovaSignals
import Testing
@testable import NovaStorage

@Suite struct ResultsStoreTests {
    static let seedTables = ["backtest_runs", "copy_trading_providers", "daily_summary", "metrics", "ml_features",
                             "order_book_snapshots", "signal_webhook_events", "signals", "stripe_webhook_events",
                             "system_state", "tenant_api_keys", "tenants", "thought_log", "trades"]

    @Test func migrationsCreateEverySeedTableAndTheResearchTables() throws {
        let store = try ResultsStore()
        #expect(try store.appliedMigrations() == ["v1-novapulse-seed-schema", "v2-research-runs", "v3-execution-quality", "v4-experiments", "v5-signal-chunks",
                                                      "v6-live-journal", "v7-live-checkpoint", "v8-shadow-fills", "v9-run-id-indexes",
                                                      "v10-experiment-claims"].sorted())
        let tables = try store.tableNames()
        for t in Self.seedTables + ["run_trades", "run_equity", "run_signal_chunks", "live_journal", "live_checkpoint", "shadow_fills"] { #expect(tables.contains(t), "missing \(t)") }
        let columns = try store.writer.read { db in try db.columns(in: "backtest_runs").map(\.name) }
        #expect(columns.starts(with: ["id", "run_id", "started_at", "completed_at", "config", "results", "tenant_id"]))
        #expect(columns.contains("status") && columns.contains("data_fingerprint"))
    }

    @Test func fileDatabaseUsesWALAndTheSeedPragmasAndReopens() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID())").path
        let path = dir + "/sub/novapulse.db"
        do {
            let store = try ResultsStore(path: path)
            let pragmas = try store.writer.read { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                 try Int.fetchOne(db, sql: "PRAGMA cache_size"), try Int.fetchOne(db, sql: "PRAGMA temp_store"),
                 try Int.fetchOne(db, sql: "PRAGMA mmap_size"))
            }
            #expect(pragmas.0 == "wal")
            #expect(pragmas.1 == 1)            // synchronous NORMAL
            #expect(pragmas.2 == -16000)
            #expect(pragmas.3 == 2)            // temp_store MEMORY
            #expect(pragmas.4 == 67_108_864)
            try store.beginRun(Self.run("bt-1"))
        }
        let again = try ResultsStore(path: path)   // migrations are idempotent
        #expect(try again.run("bt-1").status == "running")
    }

    /// Issue 32 #3: a full disk is one error naming the database (SQLite's SQLITE_FULL, made
    /// here by capping the file's pages), and nothing of the failed write is stored.
    @Test func aFullDiskIsNamedAndStoresNothing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-full-\(UUID())").path + "/novapulse.db"
        let store = try ResultsStore(path: path)
        try store.beginRun(Self.run("bt-before"))
        try store.writer.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let big = String(repeating: "x", count: 200_000)
        var failure: (any Error)?
        do {
            try store.finishRun(runID: "bt-before", completedAt: "2026-01-01T00:01:00Z", results: big, trades: [], equity: [])
        } catch { failure = error }
        guard case StorageError.diskFull(let p)? = failure else { Issue.record("expected diskFull, got \(String(describing: failure))"); return }
        #expect(p == path && "\(failure!)".contains("no space left on the disk"))
        #expect(try store.run("bt-before").status == "running")    // the failed finish left nothing behind
    }

    static func run(_ id: String, pid: Int? = nil) -> BacktestRunRecord {
        BacktestRunRecord(runID: id, startedAt: "2026-01-01T00:00:00Z", config: "{}", pairs: "BTC/USD", exchange: "kraken",
                          strategy: "keltner", configHash: "h", dataFingerprint: "f", host: "here", pid: pid)
    }

    @Test func runLifecycleWritesEverythingInOneGo() throws {
        let store = try ResultsStore()
        try store.beginRun(Self.run("bt-20260101-000000-aaaaaa"))
        let trade = RunTradeRecord(runID: "bt-20260101-000000-aaaaaa", seq: 1, tradeID: "T-000000000001", pair: "BTC/USD", side: "buy",
                                   strategy: "keltner", status: "closed", entryTime: "2026-01-01T00:01:00Z", entryPrice: 100,
                                   exitTime: "2026-01-01T00:02:00Z", exitPrice: 110, quantity: 1, pnl: 9.79, pnlPct: 0.0975,
                                   fees: 0.21, entryFee: 0.1, exitFee: 0.11, stopLoss: nil, takeProfit: nil, entryReason: "x",
                                   exitReason: "signal", metadata: nil)
        try store.finishRun(runID: "bt-20260101-000000-aaaaaa", completedAt: "2026-01-01T00:03:00Z", results: "{\"trades\":1}",
                            trades: [trade], equity: [(0, 10_000), (60_000, 10_009.79)])
        let run = try store.run("bt-20260101")     // a unique prefix is enough
        #expect(run.status == "completed" && run.results == "{\"trades\":1}")
        #expect(try store.trades(runID: run.runID) == [trade])
        #expect(try store.equity(runID: run.runID).map(\.equity) == [10_000, 10_009.79])
        try store.deleteRun(runID: run.runID)
        #expect(try store.trades(runID: run.runID).isEmpty)   // cascades
        #expect(throws: StorageError.self) { try store.run("bt-20260101") }
    }

    @Test func aFailedFinishLeavesNoHalfWrittenRun() throws {
        let store = try ResultsStore()
        try store.beginRun(Self.run("bt-x"))
        let bad = RunTradeRecord(runID: "bt-x", seq: 1, tradeID: "T", pair: "BTC/USD", side: "long", strategy: "s", status: "closed",
                                 entryTime: "t", entryPrice: 1, exitTime: nil, exitPrice: nil, quantity: 1, pnl: nil, pnlPct: nil,
                                 fees: 0, entryFee: 0, exitFee: 0, stopLoss: nil, takeProfit: nil, entryReason: nil, exitReason: nil, metadata: nil)
        #expect(throws: StorageError.self) {
            try store.finishRun(runID: "bt-x", completedAt: "t", results: "{}", trades: [bad], equity: [(0, 1)])
        }
        #expect(try store.run("bt-x").status == "running")
        #expect(try store.equity(runID: "bt-x").isEmpty)
        try store.markRunFailed(runID: "bt-x", error: "boom", at: "t")
        #expect(try store.run("bt-x").status == "failed" && store.run("bt-x").error == "boom")
    }

    /// The report is written while the rows go in; one that fails (`beforeCommit` throws) stores
    /// nothing: the run stays running, to be marked failed, with no trade or equity of it.
    @Test func aFailureBeforeTheCommitStoresNothing() throws {
        struct ReportFailed: Error {}
        let store = try ResultsStore()
        try store.beginRun(Self.run("bt-r"))
        let trade = RunTradeRecord(runID: "bt-r", seq: 1, tradeID: "T-1", pair: "BTC/USD", side: "buy", strategy: "s", status: "closed",
                                   entryTime: "2026-01-01T00:01:00Z", entryPrice: 100, exitTime: "2026-01-01T00:02:00Z", exitPrice: 110,
                                   quantity: 1, pnl: 10, pnlPct: 0.1, fees: 0, entryFee: 0, exitFee: 0, stopLoss: nil, takeProfit: nil,
                                   entryReason: nil, exitReason: nil, metadata: nil)
        var called = false
        #expect(throws: ReportFailed.self) {
            try store.finishRun(runID: "bt-r", completedAt: "t", results: "{}", trades: [trade], equity: [(0, 1)],
                                thoughts: [ThoughtRecord(timestamp: "t", category: "trade", message: "m", severity: "info", extraJSON: "")],
                                beforeCommit: { called = true; throw ReportFailed() })
        }
        #expect(called)
        #expect(try store.run("bt-r").status == "running")
        #expect(try store.trades(runID: "bt-r").isEmpty && store.equity(runID: "bt-r").isEmpty && store.thoughts(runID: "bt-r").isEmpty)
        try store.finishRun(runID: "bt-r", completedAt: "t", results: "{}", trades: [trade], equity: [(0, 1)], beforeCommit: {})
        #expect(try store.run("bt-r").status == "completed" && store.trades(runID: "bt-r") == [trade])
    }

    @Test func runsOfDeadProcessesBecomeInterrupted() throws {
        let store = try ResultsStore()
        try store.beginRun(Self.run("bt-dead", pid: 111))
        try store.beginRun(Self.run("bt-alive", pid: 222))
        let ids = try store.recoverInterruptedRuns(host: "here", isAlive: { $0 == 222 })
        #expect(ids == ["bt-dead"])
        #expect(try store.run("bt-dead").status == "interrupted")
        #expect(try store.run("bt-alive").status == "running")
    }

    @Test func ambiguousPrefixIsAnError() throws {
        let store = try ResultsStore()
        try store.beginRun(Self.run("bt-a1"))
        try store.beginRun(Self.run("bt-a2"))
        #expect { try store.run("bt-a") } throws: { "\($0)".contains("matches 2 runs") }
        #expect(try store.runs(limit: 10).count == 2)
    }

    @Test func dbPathFromTheEnvironment() {
        #expect(ResultsStore.defaultPath(environment: [:]) == "data/novapulse.db")
        #expect(ResultsStore.defaultPath(environment: ["DB_PATH": "/x/y.db"]) == "/x/y.db")
    }
}

/// A run's signals stored compactly (`SignalChunks`): every field back exactly, across blocks.
@Suite struct SignalChunkTests {
    static func confluence(_ k: Int, ms: Int64) -> ConfluenceSignal {
        let votes = (0..<(k % 4 + 2)).map { v in
            ConfluenceSignal.Vote(strategy: ["keltner", "trend", "ichimoku", "reversal", "supertrend"][v], direction: v % 3 == 2 ? .short : .long,
                                  strength: 0.1 * Double(v) + Double(k % 17) / 97, weight: [0.3, 0.15, 0.15, 0.1, 0.1][v], reason: "rule \(v) \(k % 5)")
        }
        return ConfluenceSignal(timestampMs: ms, direction: k % 2 == 0 ? .long : .short, strength: Double(k % 100) / 99, confidence: 0.5 + Double(k % 7) / 100,
                                confluenceCount: votes.count, signals: votes, obi: k % 5 == 0 ? nil : -1.0 / Double(k % 11 + 2),
                                bookScore: k % 5 == 0 ? nil : 0.25, obiAgrees: k % 2 == 0, isSureFire: k % 13 == 0, entryPrice: 40_000 + Double(k) * 0.01,
                                stopLoss: 39_500.123, takeProfit: 41_000 + Double(k % 3), regime: k % 4 == 0 ? "trend" : "range",
                                volatilityRegime: "mid", volLevel: Double(k % 50) / 49, volExpanding: k % 6 == 0, timeframeAgreement: k % 3 + 1,
                                timeframes: ["1m": "long", "5m": k % 2 == 0 ? "long" : "neutral", "15m": "short"],
                                rejection: k % 7 == 3 ? "confidence 0.51 < 0.55" : nil)
    }

    static func signal(_ k: Int) -> RunSignalRecord {
        let ms = 1_704_067_200_000 + Int64(k) * 60_000
        let decision = k % 7 == 0
        let c = k % 3 == 0 ? nil : confluence(k, ms: ms)
        // Mostly, as the engine records them, the strength and confidence are the confluence's own.
        let same = k % 10 < 6
        return RunSignalRecord(runID: "bt-c", seq: k + 1, timestampMs: ms, pair: "BTC/USD", strategy: "confluence",
                               action: decision ? "enter_long" : "none", strength: same ? c?.strength ?? 1 : Double(k) / 3, actedUpon: k % 14 == 0,
                               reason: k % 5 == 0 ? nil : "confluence long · 3 agree \u{1F4C8}",
                               rejection: decision && k % 14 != 0 ? "sizing: Kelly fraction -0.447 <= 0" : nil,
                               confluence: c, direction: k % 2 == 0 ? "long" : "short", confluenceCount: k % 9,
                               confidence: k % 4 == 0 ? nil : same ? c?.confidence : 0.1 * Double(k % 10))
    }

    /// A block of the first format (separated text, the confluence as JSON), as runs stored
    /// before the typed streams have it, reads back.
    @Test func blocksOfTheFirstFormatStillRead() throws {
        let records = (0..<50).map(Self.signal).map(\.stored)
        var text = ""
        for r in records {
            let fields = [String(r.seq), r.timestamp, r.pair, r.strategy, r.action, "\(r.strength)", r.actedUpon ? "1" : "0",
                          r.reason ?? "\u{0}", r.rejection ?? "\u{0}", r.metadata ?? "\u{0}", r.direction, String(r.confluenceCount),
                          r.confidence.map { "\($0)" } ?? "\u{0}"]
            text += fields.joined(separator: "\u{1F}") + "\u{1E}"
        }
        let back = try SignalChunks.decode(try ZstdFrame.compress(Data(text.utf8)), format: "np-signals-v1", runID: "bt-c")
        #expect(back == records)
        #expect(back.map(\.metadata) == records.map(\.metadata))
    }

    /// Blocks of the second format written before the double fields had a stream each
    /// (layout NPT1) still read, exactly; the layout written now (NPT2) reads the same
    /// records; a cut or altered block is refused as damaged, never read as other records.
    @Test func blocksWithInterleavedDoublesStillReadAndDamageIsNamed() throws {
        let records = (0..<3_000).map(Self.signal)
        let old = try SignalChunks.block(records[...], index: 0, layoutV1: true)
        let new = try SignalChunks.block(records[...], index: 0)
        #expect(try ZstdFrame.decompress(old.data).prefix(4) == Data("NPT1".utf8))
        #expect(try ZstdFrame.decompress(new.data).prefix(4) == Data("NPT2".utf8))
        for block in [old, new] {
            let back = try SignalChunks.decode(block.data, format: SignalChunks.format, runID: "bt-c")
            #expect(back == records.map(\.stored))
        }
        var raw = try ZstdFrame.decompress(new.data)
        raw.removeLast(3)
        var wrongFields = try ZstdFrame.decompress(new.data)
        wrongFields[4] = 11          // the field count
        for bad in [raw, wrongFields, Data("NPT2".utf8)] {
            #expect(throws: StorageError.self) { try SignalChunks.decode(try ZstdFrame.compress(bad), format: SignalChunks.format, runID: "bt-c") }
        }
    }

    @Test func roundTripAcrossBlocksAndTheTimeBound() throws {
        let store = try ResultsStore()
        try store.beginRun(ResultsStoreTests.run("bt-c"))
        let signals = (0..<45_000).map(Self.signal)
        try store.finishRun(runID: "bt-c", completedAt: "t", results: "{}", trades: [], equity: [(0, 1)], signals: signals)
        // Back exactly as stored: a decision not acted upon keeps its votes compact.
        let back = try store.signals(runID: "bt-c")
        #expect(back == signals.map(\.stored))
        #expect(back.map(\.metadata) == signals.map { $0.confluence?.json(compact: !$0.actedUpon) })
        #expect(back.contains { $0.actedUpon && $0.confluence?.signals.first?.reason != nil })
        let chunks = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM run_signal_chunks WHERE run_id = 'bt-c'") }
        #expect(chunks == 3)
        // Only the blocks that begin by the time asked are read: the first (signals 0..<20,000).
        let early = try store.signals(runID: "bt-c", through: signals[100].timestamp)
        #expect(early.count == 20_000 && early == signals.prefix(20_000).map(\.stored))
        // The seed's signals table holds the decisions acted upon only; the refused ones are in the blocks.
        let seed = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM signals") }
        #expect(seed == signals.filter { $0.action != "none" && $0.actedUpon }.count && seed! > 0)
        #expect(back.filter { $0.action != "none" && !$0.actedUpon }.count == signals.filter { $0.action != "none" && !$0.actedUpon }.count)
        let bytes = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT sum(length(data)) FROM run_signal_chunks") }!
        #expect(bytes < 45_000 * 40, "\(bytes)")       // against ~600 as JSON rows
        try store.deleteRun(runID: "bt-c")
        #expect(try store.signals(runID: "bt-c").isEmpty)
        #expect(try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM run_signal_chunks") } == 0)
    }
}

extension ResultsStoreTests {
    /// `runs delete` and `runs show`'s thoughts find a run's seed rows through the v9 indexes,
    /// and a row whose metadata is not JSON (the seed's column is free text) neither breaks an
    /// insert nor the lookup.
    @Test func aRunsSeedRowsAreFoundByIndexAndFreeTextMetadataIsAllowed() throws {
        let store = try ResultsStore()
        try store.writer.write { db in
            try db.execute(sql: "INSERT INTO signals (timestamp, pair, strategy, direction, strength, metadata) VALUES ('t', 'BTC/USD', 'x', 'long', 1, 'not json')")
            try db.execute(sql: "INSERT INTO thought_log (timestamp, category, message, metadata) VALUES ('t', 'c', 'm', 'not json {')")
        }
        try store.beginRun(Self.run("bt-c"))
        try store.finishRun(runID: "bt-c", completedAt: "t", results: "{}", trades: [], equity: [(0, 1)], signals: (0..<200).map(SignalChunkTests.signal),
                            thoughts: [ThoughtRecord(timestamp: "t", category: "halt", message: "m", severity: "info")])
        #expect(try store.thoughts(runID: "bt-c").map(\.message) == ["m"])
        for table in ["signals", "thought_log"] {
            let plan = try store.writer.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN DELETE FROM \(table) WHERE \(Migrations.runIDExpression) = 'bt-c'").map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("USING INDEX \(table)_run_id") }, "\(plan)")
        }
        try store.deleteRun(runID: "bt-c")
        let left = try store.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM signals"), try Int.fetchOne(db, sql: "SELECT count(*) FROM thought_log"))
        }
        #expect(left.0 == 1 && left.1 == 1)     // the free-text rows, not the run's
    }
}

/// Trial claims (issue 32 #9): a trial is run by one process at a time, a dead holder's claim
/// is taken over, and storing a trial ends its claim.
@Suite struct TrialClaimTests {
    @Test func aClaimIsHeldWhileItsProcessLivesAndEndsWhenTheTrialIsStored() throws {
        let store = try ResultsStore()
        try store.openExperiment(id: "ex-1", name: "x", spec: "{}", at: "t")
        let key = TrialKey(experimentID: "ex-1", window: 0, phase: "search", trial: 3)
        let a = TrialClaimHolder(host: "h", pid: 100, claimedAtMs: 1), b = TrialClaimHolder(host: "h", pid: 200, claimedAtMs: 2)
        #expect(try store.claimTrial(key, by: a) { _ in true } == .taken)
        #expect(try store.claimTrial(key, by: a) { _ in true } == .taken)          // its own claim again
        #expect(try store.claimTrial(key, by: b) { $0.pid == 100 } == .held(a))
        // Another trial is free.
        #expect(try store.claimTrial(TrialKey(experimentID: "ex-1", window: 0, phase: "search", trial: 4), by: b) { _ in true } == .taken)
        // The holder died: the claim is taken over, and the first process now finds it held.
        #expect(try store.claimTrial(key, by: b) { _ in false } == .taken)
        #expect(try store.claimTrial(key, by: a) { $0.pid == 200 } == .held(b))
        // Released, it is free for anyone.
        try store.releaseClaim(key, by: b)
        #expect(try store.claimTrial(key, by: a) { _ in true } == .taken)
        // Stored: no claim is left and nobody takes it again.
        let trial = TrialRecord(experimentID: "ex-1", window: 0, phase: "search", trial: 3, runID: "ex-1-w0-t3", params: "{}", objectives: "[1]",
                                feasible: true, stats: "{}", host: "h", completedAt: "t")
        #expect(try store.storeTrial(trial, run: ResultsStoreTests.run("ex-1-w0-t3"), trades: [], equity: [(0, 1)]))
        #expect(try store.claimTrial(key, by: b) { _ in true } == .stored)
        let claims = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM experiment_claims WHERE trial = 3") }
        #expect(claims == 0)
    }
}

@Suite struct EquityCodecTests {
    /// The compressed curve comes back bit for bit (a flat stretch, gaps, negative equity,
    /// -0.0), is a fraction of the raw size, and a curve stored raw before it still reads.
    @Test func roundTripAndOldRows() throws {
        var curve: [(timestampMs: Int64, equity: Double)] = []
        var t: Int64 = 1_700_000_000_000, e = 10_000.0
        for k in 0..<100_000 {
            t += k % 997 == 0 ? 3_600_000 : 60_000
            if k % 10 < 3 { e += Double(k % 13) * 0.37 - 2 }          // moves now and then, flat in between
            curve.append((t, k == 500 ? -0.0 : (k == 501 ? -12.5 : e)))
        }
        let store = try ResultsStore()
        try store.beginRun(ResultsStoreTests.run("bt-e"))
        try store.finishRun(runID: "bt-e", completedAt: "t", results: "{}", trades: [], equity: curve)
        let back = try store.equity(runID: "bt-e")
        #expect(back.count == curve.count)
        #expect(zip(back, curve).allSatisfy { $0.timestampMs == $1.timestampMs && $0.equity.bitPattern == $1.equity.bitPattern })
        let stored = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT length(ts_ms) + length(equity) FROM run_equity") }!
        #expect(stored < curve.count * 16 / 10)
        // A raw row, as runs stored before the codec have them.
        try store.beginRun(ResultsStoreTests.run("bt-old"))
        let raw = Array(curve.prefix(10))
        try store.writer.write { db in
            try db.execute(sql: "INSERT INTO run_equity (run_id, points, ts_ms, equity) VALUES (?, ?, ?, ?)", arguments: [
                "bt-old", raw.count, raw.map { $0.timestampMs.littleEndian }.withUnsafeBytes { Data($0) },
                raw.map { $0.equity.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }])
        }
        #expect(try store.equity(runID: "bt-old").map(\.equity) == raw.map(\.equity))
    }
}

@Suite struct DatabaseURLTests {
    @Test func passwordsAreMaskedWhateverTheRest() {
        #expect(DatabaseURL.masked("postgresql://u:secret@127.0.0.1:5432/db") == "postgresql://u:***@127.0.0.1:5432/db")
        #expect(DatabaseURL.masked("postgresql://u:s3cr:et@host:notaport/db") == "postgresql://u:***@host:notaport/db")
        #expect(DatabaseURL.masked("postgresql://u:p@ss@host/db") == "postgresql://u:***@host/db")
        #expect(DatabaseURL.masked("postgresql://u@host/db") == "postgresql://u@host/db")
        #expect(DatabaseURL.masked("mysql://root:hunter2@h/db") == "mysql://root:***@h/db")
        #expect(DatabaseURL.masked("not a url") == "not a url")
    }
}
