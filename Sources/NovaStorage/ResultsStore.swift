import Foundation
import GRDB
import NovaCore

/// Owns the results database and offers intention-named operations on it.
///
/// The embedded default is a SQLite file in WAL mode with the seed's PRAGMAs
/// (`DatabasePool`: one writer, concurrent readers); tests use an in-memory `DatabaseQueue`.
/// A run is written in two steps so that a crash can never leave a corrupt success: `beginRun`
/// inserts it as `running`; `finishRun` writes its trades, equity and results and marks it
/// `completed` in one transaction; `markRunFailed` records an error. A run left `running` by a
/// process that no longer exists is shown as `interrupted` (see `recoverInterruptedRuns`).
public final class ResultsStore: @unchecked Sendable {
    public let writer: any DatabaseWriter
    public let path: String

    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
    public init(path: String) throws {
        self.path = path
        // A lock file this attempt creates beside a path that does not open is removed with it.
        let lockExisted = FileManager.default.fileExists(atPath: path + ".lock")
        func dropLock() { if !lockExisted { try? FileManager.default.removeItem(atPath: path + ".lock") } }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw StorageError.cannotOpen(path: path, reason: "a directory, not a database file")
        }
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var config = Configuration()
            config.prepareDatabase { db in
                // The seed's PRAGMAs (journal_mode=WAL is set by DatabasePool itself).
                try db.execute(sql: """
                    PRAGMA synchronous=NORMAL;
                    PRAGMA cache_size=-16000;
                    PRAGMA temp_store=MEMORY;
                    PRAGMA mmap_size=67108864;
                    """)
            }
            // Writers wait their turn: a backtest stores a run in one transaction of a few seconds,
            // and a second process must queue behind it, not fail with "database is locked".
            config.busyMode = .timeout(300)
            // Opening (which switches a new file to WAL) and migrating are serialised across
            // processes by an advisory lock beside the database: two processes that start on a
            // fresh file at once must not both run a migration ("duplicate column name").
            writer = try Self.withFileLock(path + ".lock") {
                let pool = try DatabasePool(path: path, configuration: config)
                try Migrations.migrator().migrate(pool)
                return pool
            }
        } catch let error as DatabaseError {
            dropLock()
            if error.resultCode == .SQLITE_FULL { throw StorageError.diskFull(path: path) }
            throw StorageError.cannotOpen(path: path, reason: error.message ?? "\(error)")
        } catch {
            dropLock()
            throw StorageError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Runs `body` holding an exclusive `flock` on `lockPath` (created if needed); the lock
    /// goes with the process if it dies, so a crash never leaves it held.
    static func withFileLock<T>(_ lockPath: String, _ body: () throws -> T) throws -> T {
        let fd = open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { return try body() }    // a read-only folder: nothing to migrate there either
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// An in-memory database for tests.
    public init(inMemory: Void = ()) throws {
        path = ":memory:"
        writer = try DatabaseQueue()
        try Migrations.migrator().migrate(writer)
    }

    /// The default location: `DB_PATH` if set (as in the seed), else `data/novapulse.db`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let p = environment["DB_PATH"], !p.isEmpty { return p }
        let dataDir = environment["NOVAPULSE_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
        return (dataDir as NSString).appendingPathComponent("novapulse.db")
    }

    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Migrations.migrator().appliedIdentifiers(db) }.sorted()
    }

    public func tableNames() throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name")
        }
    }

    // MARK: Runs

    public func beginRun(_ run: BacktestRunRecord) throws {
        try wrap { try writer.write { db in try run.insert(db) } }
    }

    /// One block of decisions into `run_signal_chunks`: stored as the run goes or at its end.
    static let insertSignalChunkSQL = "INSERT INTO run_signal_chunks (run_id, chunk, first_ts, last_ts, count, format, data) VALUES (?, ?, ?, ?, ?, ?, ?)"

    /// Stores one block of a running run's decisions as soon as it is encoded, so a long run
    /// holds no more than the blocks still being encoded (`finishRun` then gets none). A run
    /// killed or failed after this keeps the blocks stored so far (`runs why` reads them; `runs
    /// delete` removes them with the run).
    public func appendSignalBlock(runID: String, _ block: SignalBlock) throws {
        try wrap {
            try writer.write { db in
                try db.execute(sql: Self.insertSignalChunkSQL, arguments: [runID, block.index, block.firstTimestamp, block.lastTimestamp, block.count, SignalChunks.format, block.data])
            }
        }
    }

    /// Stores a finished run's trades, equity curve and results, and marks it completed, in one
    /// transaction: either all of it is there or none. `beforeCommit` runs last inside the
    /// transaction; if it throws, nothing is stored.
    public func finishRun(runID: String, completedAt: String, results: String, trades: [RunTradeRecord],
                          equity: [(timestampMs: Int64, equity: Double)], signals: [RunSignalRecord] = [],
                          thoughts: [ThoughtRecord] = [], execution: [RunExecutionRecord] = [],
                          signalBlocks: [SignalBlock]? = nil, decisions: [RunSignalRecord]? = nil,
                          beforeCommit: (() throws -> Void)? = nil) throws {
        // Blocks encoded while the run went (`signalBlocks`, with its `decisions` for the seed
        // table), or encoded here from `signals`.
        let blocks = try signalBlocks ?? SignalChunks.encode(signals)
        try wrap {
            try writer.write { db in
                // Prepared inserts bound column by column (RowInserter): a 26,000-trade run
                // stores ~130,000 rows here, and building GRDB's arguments for each was a tenth of it.
                var executionInsert = try RowInserter(db, sql: """
                    INSERT INTO run_execution (run_id, seq, trade_id, leg, pair, decision_time, fill_time, decision_price, fill_price,
                        quantity, fills, order_type, slippage_bps, spread_bps, expected_slippage_bps, latency_ms, r_multiple)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for e in execution {
                    executionInsert.bind(e.runID); executionInsert.bind(e.seq); executionInsert.bind(e.tradeID); executionInsert.bind(e.leg)
                    executionInsert.bind(e.pair); executionInsert.bind(e.decisionTime); executionInsert.bind(e.fillTime)
                    executionInsert.bind(e.decisionPrice); executionInsert.bind(e.fillPrice); executionInsert.bind(e.quantity)
                    executionInsert.bind(e.fills); executionInsert.bind(e.orderType); executionInsert.bind(e.slippageBps)
                    executionInsert.bind(e.spreadBps); executionInsert.bind(e.expectedSlippageBps); executionInsert.bind(e.latencyMs)
                    executionInsert.bind(e.rMultiple)
                    try executionInsert.insertRow()
                }
                var thoughtInsert = try RowInserter(db, sql: """
                    INSERT INTO thought_log (timestamp, category, message, severity, metadata) VALUES (?, ?, ?, ?, ?)
                    """)
                for t in thoughts {
                    thoughtInsert.bind(t.timestamp); thoughtInsert.bind(t.category); thoughtInsert.bind(t.message); thoughtInsert.bind(t.severity)
                    thoughtInsert.bind("{\"run_id\":\"\(runID)\"\(t.extraJSON)}")
                    try thoughtInsert.insertRow()
                }
                var tradeInsert = try RowInserter(db, sql: """
                    INSERT INTO run_trades (run_id, seq, trade_id, pair, side, strategy, status, entry_time, entry_price, exit_time,
                        exit_price, quantity, pnl, pnl_pct, fees, entry_fee, exit_fee, stop_loss, take_profit, entry_reason,
                        exit_reason, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for t in trades {
                    tradeInsert.bind(t.runID); tradeInsert.bind(t.seq); tradeInsert.bind(t.tradeID); tradeInsert.bind(t.pair)
                    tradeInsert.bind(t.side); tradeInsert.bind(t.strategy); tradeInsert.bind(t.status); tradeInsert.bind(t.entryTime)
                    tradeInsert.bind(t.entryPrice); tradeInsert.bind(t.exitTime); tradeInsert.bind(t.exitPrice); tradeInsert.bind(t.quantity)
                    tradeInsert.bind(t.pnl); tradeInsert.bind(t.pnlPct); tradeInsert.bind(t.fees); tradeInsert.bind(t.entryFee)
                    tradeInsert.bind(t.exitFee); tradeInsert.bind(t.stopLoss); tradeInsert.bind(t.takeProfit); tradeInsert.bind(t.entryReason)
                    tradeInsert.bind(t.exitReason); tradeInsert.bind(t.metadata)
                    try tradeInsert.insertRow()
                }
                // Every evaluation and decision, compactly (SignalChunks).
                let chunkInsert = try db.makeStatement(sql: Self.insertSignalChunkSQL)
                for c in blocks {
                    try chunkInsert.execute(arguments: [runID, c.index, c.firstTimestamp, c.lastTimestamp, c.count, SignalChunks.format, c.data])
                }
                // The seed's own signals table (its metadata names the run): the decisions acted
                // upon, one per order the stack sent. A refused decision is in the run's blocks
                // above (`runs why`, `runs export RUN --signals`): writing the ~124,000 refusals of
                // a year of the full stack here too was half the store's growth per run (29 MB),
                // and inserting them into the shared timestamp index made each run's store write
                // slower as the store grew (1.7 s on a new store, 5.7 s on a 4.7 GB one).
                var seedInsert = try RowInserter(db, sql: """
                    INSERT INTO signals (timestamp, pair, strategy, direction, strength, confluence_count, ai_confidence, acted_upon, metadata)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for s in decisions ?? signals where s.action != "none" && s.actedUpon {
                    var meta = "{\"run_id\":\"\(s.runID)\",\"seq\":\(s.seq)"
                    if let r = s.rejection { meta += ",\"rejection\":" + JSONText.string(r) }
                    meta += "}"
                    seedInsert.bind(s.timestamp); seedInsert.bind(s.pair); seedInsert.bind(s.strategy); seedInsert.bind(s.direction)
                    seedInsert.bind(s.strength); seedInsert.bind(s.confluenceCount); seedInsert.bind(s.confidence); seedInsert.bind(s.actedUpon)
                    seedInsert.bind(meta)
                    try seedInsert.insertRow()
                }
                try Self.insertEquity(db, runID: runID, equity)
                // What must hold before the run is called completed (its report written while
                // these rows went in): an error here rolls all of them back.
                try beforeCommit?()
                try db.execute(sql: "UPDATE backtest_runs SET status = 'completed', completed_at = ?, results = ? WHERE run_id = ?",
                               arguments: [completedAt, results, runID])
            }
        }
    }

    /// The equity curve as one row: two little-endian arrays (Int64 ms, Float64 equity).
    /// The curve as two zstd frames: timestamps as deltas (almost all one bar long) and values
    /// XOR'd with the one before (a flat stretch is zeros). 21 MB raw for 1.3 M bars; see
    /// `EquityCodec`. Curves stored before it (raw arrays) are still read.
    static func insertEquity(_ db: Database, runID: String, _ equity: [(timestampMs: Int64, equity: Double)]) throws {
        let (ts, values) = try EquityCodec.encode(equity)
        try db.execute(sql: "INSERT INTO run_equity (run_id, points, ts_ms, equity) VALUES (?, ?, ?, ?)",
                       arguments: [runID, equity.count, ts, values])
    }

    public func markRunFailed(runID: String, error: String, at time: String) throws {
        try wrap {
            try writer.write { db in
                try db.execute(sql: "UPDATE backtest_runs SET status = 'failed', error = ?, completed_at = ? WHERE run_id = ?",
                               arguments: [error, time, runID])
            }
        }
    }

    /// Marks `running` runs of this host whose process is gone as `interrupted`. Returns their ids.
    @discardableResult
    public func recoverInterruptedRuns(host: String, isAlive: (Int) -> Bool) throws -> [String] {
        try wrap {
            try writer.write { db in
                let rows = try Row.fetchAll(db, sql: "SELECT run_id, pid FROM backtest_runs WHERE status = 'running' AND host = ?", arguments: [host])
                var ids: [String] = []
                for row in rows {
                    let pid: Int? = row["pid"]
                    if let pid, isAlive(pid) { continue }
                    let id: String = row["run_id"]
                    try db.execute(sql: "UPDATE backtest_runs SET status = 'interrupted', error = 'the process stopped before the run finished' WHERE run_id = ?", arguments: [id])
                    ids.append(id)
                }
                return ids
            }
        }
    }

    /// Runs newest first. `kinds`: only these (`backtest`, `trial`, `oos`), nil for all;
    /// `experiment`: only the runs of that optimisation (its trials' ids begin with its id).
    public func runs(pair: String? = nil, sinceISO: String? = nil, limit: Int = 50, kinds: [String]? = nil,
                     experiment: String? = nil) throws -> [BacktestRunRecord] {
        try wrap {
            try writer.read { db in
                var request = BacktestRunRecord.order(BacktestRunRecord.Columns.startedAt.desc)
                if let pair { request = request.filter(BacktestRunRecord.Columns.pairs.like("%\(pair)%")) }
                if let sinceISO { request = request.filter(BacktestRunRecord.Columns.startedAt >= sinceISO) }
                if let kinds { request = request.filter(kinds.contains(Column("kind"))) }
                if let experiment {
                    let prefix = experiment + "-"
                    request = request.filter(sql: "substr(run_id, 1, ?) = ?", arguments: [prefix.unicodeScalars.count, prefix])
                }
                return try request.limit(limit).fetchAll(db)
            }
        }
    }

    /// How many runs of each kind the store holds.
    public func runCountsByKind() throws -> [String: Int] {
        try wrap {
            try writer.read { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS n FROM backtest_runs GROUP BY kind")
                    .map { ($0["kind"] as String, $0["n"] as Int) })
            }
        }
    }

    /// The run whose id is `idOrPrefix` or uniquely starts with it.
    ///
    /// The prefix is matched exactly and case-sensitively (not with LIKE, whose `%`, `_` and case
    /// folding once let `runs delete "%"` delete a run); an empty id matches nothing.
    public func run(_ idOrPrefix: String) throws -> BacktestRunRecord {
        guard !idOrPrefix.trimmingCharacters(in: .whitespaces).isEmpty else { throw StorageError.emptyRunID }
        let matches = try wrap {
            try writer.read { db in
                try BacktestRunRecord.filter(sql: "substr(run_id, 1, ?) = ?", arguments: [idOrPrefix.unicodeScalars.count, idOrPrefix])
                    .limit(10).fetchAll(db)
            }
        }
        if let exact = matches.first(where: { $0.runID == idOrPrefix }) { return exact }
        if matches.isEmpty { throw StorageError.runNotFound(idOrPrefix) }
        if matches.count > 1 { throw StorageError.ambiguousRunID(idOrPrefix, matches: matches.map(\.runID)) }
        return matches[0]
    }

    public func trades(runID: String) throws -> [RunTradeRecord] {
        try wrap { try writer.read { db in try RunTradeRecord.filter(Column("run_id") == runID).order(Column("seq")).fetchAll(db) } }
    }

    public func execution(runID: String) throws -> [RunExecutionRecord] {
        try wrap { try writer.read { db in try RunExecutionRecord.filter(Column("run_id") == runID).order(Column("seq")).fetchAll(db) } }
    }

    public func equity(runID: String) throws -> [(timestampMs: Int64, equity: Double)] {
        try wrap {
            try writer.read { db -> [(timestampMs: Int64, equity: Double)] in
                guard let row = try Row.fetchOne(db, sql: "SELECT points, ts_ms, equity FROM run_equity WHERE run_id = ?", arguments: [runID]) else { return [] }
                let n: Int = row["points"]
                var ts: Data = row["ts_ms"], eq: Data = row["equity"]
                if ts.count != n * 8 || eq.count != n * 8, EquityCodec.isCompressed(ts) {
                    (ts, eq) = try EquityCodec.decode(ts, eq, points: n)
                }
                guard ts.count == n * 8, eq.count == n * 8 else { throw StorageError.database("equity curve of \(runID) is damaged") }
                var out: [(timestampMs: Int64, equity: Double)] = []
                out.reserveCapacity(n)
                ts.withUnsafeBytes { t in
                    eq.withUnsafeBytes { e in
                        for i in 0..<n {
                            out.append((Int64(littleEndian: t.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)),
                                        Double(bitPattern: UInt64(littleEndian: e.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))))
                        }
                    }
                }
                return out
            }
        }
    }

    /// The run's `thought_log` entries, oldest first.
    public func thoughts(runID: String) throws -> [ThoughtRecord] {
        try wrap {
            try writer.read { db in
                try Row.fetchAll(db, sql: "SELECT timestamp, category, message, severity FROM thought_log WHERE \(Migrations.runIDExpression) = ? ORDER BY id",
                                 arguments: [runID]).map { ThoughtRecord(timestamp: $0["timestamp"], category: $0["category"], message: $0["message"], severity: $0["severity"]) }
            }
        }
    }

    /// A run's recorded signals in order; with `through`, only the blocks that begin at or
    /// before that ISO time are decoded (what `runs why` needs). Runs stored before the compact
    /// format are read from their rows.
    public func signals(runID: String, through: String? = nil) throws -> [RunSignalRecord] {
        try wrap {
            try writer.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT format, data FROM run_signal_chunks WHERE run_id = ? AND (? IS NULL OR first_ts <= ?) ORDER BY chunk
                    """, arguments: [runID, through, through])
                if rows.isEmpty {
                    return try Row.fetchAll(db, sql: "SELECT * FROM run_signals WHERE run_id = ? ORDER BY seq", arguments: [runID]).map(RunSignalRecord.init(row:))
                }
                return try rows.flatMap { try SignalChunks.decode($0["data"], format: $0["format"], runID: runID) }
            }
        }
    }

    /// The run's recorded evaluations block by block, oldest first (memory holds one block):
    /// for exports of a long run. Runs stored before the blocks give their rows as one block.
    public func forEachSignalBlock(runID: String, _ body: ([RunSignalRecord]) throws -> Void) throws {
        let count = try wrap { try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_signal_chunks WHERE run_id = ?", arguments: [runID]) ?? 0
        } }
        if count == 0 { try body(try signals(runID: runID)); return }
        for k in 0..<count {
            let block = try wrap { try writer.read { db -> [RunSignalRecord] in
                guard let row = try Row.fetchOne(db, sql: "SELECT format, data FROM run_signal_chunks WHERE run_id = ? AND chunk = ?",
                                                 arguments: [runID, k]) else { return [] }
                return try SignalChunks.decode(row["data"], format: row["format"], runID: runID)
            } }
            try body(block)
        }
    }

    public func deleteRun(runID: String) throws {
        try wrap {
            try writer.write { db in
                _ = try BacktestRunRecord.deleteOne(db, key: ["run_id": runID])
                // By the indexed expression (v9): an indexed lookup, not a read of both tables.
                try db.execute(sql: "DELETE FROM signals WHERE \(Migrations.runIDExpression) = ?", arguments: [runID])
                try db.execute(sql: "DELETE FROM thought_log WHERE \(Migrations.runIDExpression) = ?", arguments: [runID])
            }
        }
    }

    /// Sets `key` of a completed run's `results` JSON to `json` (an analysis made after the run,
    /// such as `runs robustness`; the latest replaces the one before).
    public func setResult(runID: String, key: String, json: String) throws {
        try wrap {
            try writer.write { db in
                try db.execute(sql: "UPDATE backtest_runs SET results = json_set(COALESCE(results, '{}'), '$.' || ?, json(?)) WHERE run_id = ?",
                               arguments: [key, json, runID])
            }
        }
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_FULL { throw StorageError.diskFull(path: path) }
            throw StorageError.database("\(error.message ?? "\(error)") in \(path)")
        }
    }
}
