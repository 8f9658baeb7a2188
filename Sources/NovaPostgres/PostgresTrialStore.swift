import Foundation
import Logging
import NIOCore
import NIOPosix
import NovaStorage
import PostgresNIO

/// The optimizer's shared results store on PostgreSQL (`DATABASE_URL=postgresql://...`):
/// the same tables and columns as SQLite for what an optimisation writes (`backtest_runs`,
/// `run_trades`, `run_equity`, `experiments`, `experiment_trials`), so N shard processes on N
/// machines fill one store. Blocking calls on one connection, serialised by a lock: trials
/// spend their time in the replay, not here.
public final class PostgresTrialStore: TrialStore, @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let connection: PostgresConnection
    let lock = NSLock()
    let logger = Logger(label: "novapulse.postgres")
    /// The URL without its password, for messages.
    public let displayURL: String

    public enum StoreError: Error, CustomStringConvertible {
        case badURL(String, String)
        case connect(String, String)
        case query(String, String)
        public var description: String {
            switch self {
            case .badURL(let u, let why): return "DATABASE_URL \(DatabaseURL.masked(u)): \(why) (expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE)"
            case .connect(let u, let why): return "cannot connect to PostgreSQL at \(u): \(why)"
            case .query(let what, let why): return "PostgreSQL: \(what) failed: \(why)"
            }
        }
    }

    public init(url: String) throws {
        let (config, display) = try Self.parse(url)
        displayURL = display
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            connection = try PostgresConnection.connect(on: group.next(), configuration: config, id: 1, logger: logger).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw StoreError.connect(display, Self.reason(error) + " (is the server running there, and are the host, port and database right?)")
        }
        try migrate()
    }

    /// One line for a connection failure: the client library's own dump runs to many lines.
    /// The debug text is read to classify the failure, never printed (PostgresNIO keeps its
    /// details out of the plain description on purpose: they can hold what was sent).
    static func reason(_ error: any Error) -> String {
        let text = String(reflecting: error)
        if text.localizedCaseInsensitiveContains("refused") { return "connection refused" }
        if text.localizedCaseInsensitiveContains("timed out") || text.localizedCaseInsensitiveContains("timeout") { return "connection timed out" }
        if text.localizedCaseInsensitiveContains("password") || text.localizedCaseInsensitiveContains("authentication") { return "authentication failed" }
        if text.localizedCaseInsensitiveContains("does not exist") { return "the database or user does not exist" }
        if text.localizedCaseInsensitiveContains("resolve") || text.localizedCaseInsensitiveContains("unknown host") { return "the host name does not resolve" }
        return "the connection failed"
    }

    deinit {
        _ = try? connection.close().wait()
        try? group.syncShutdownGracefully()
    }

    static func parse(_ url: String) throws -> (PostgresConnection.Configuration, String) {
        guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme ?? "") else {
            throw StoreError.badURL(url, url.contains("://") ? "not a postgresql:// URL, or its port is not a number" : "not a postgresql:// URL")
        }
        guard let host = c.host, !host.isEmpty else { throw StoreError.badURL(url, "no host") }
        guard let user = c.user, !user.isEmpty else { throw StoreError.badURL(url, "no user") }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        guard !database.isEmpty else { throw StoreError.badURL(url, "no database name") }
        let port = c.port ?? 5432
        // URLComponents takes any number; a socket port past 65535 would wrap (99999 -> 34463).
        guard (1...65535).contains(port) else { throw StoreError.badURL(url, "port \(port) is not a TCP port (1 to 65535)") }
        let display = "postgresql://\(user)@\(host):\(port)/\(database)"
        return (PostgresConnection.Configuration(host: host, port: port, username: user, password: c.password, database: database, tls: .disable), display)
    }

    @discardableResult
    func exec(_ sql: String, _ binds: PostgresBindings = PostgresBindings(), what: String) throws -> PostgresQueryResult {
        do {
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
        } catch {
            throw StoreError.query(what, String(reflecting: error))
        }
    }

    /// Creates the tables if missing; an advisory lock keeps shards starting together from
    /// racing on `CREATE TABLE`.
    func migrate() throws {
        lock.lock(); defer { lock.unlock() }
        try exec("SELECT pg_advisory_lock(7242001)", what: "locking the schema")
        defer { _ = try? exec("SELECT pg_advisory_unlock(7242001)", what: "unlocking the schema") }
        for statement in Self.schema { try exec(statement, what: "creating the schema") }
    }

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS backtest_runs (
            id BIGSERIAL PRIMARY KEY, run_id TEXT UNIQUE NOT NULL, started_at TEXT, completed_at TEXT, config TEXT, results TEXT,
            tenant_id TEXT DEFAULT 'default',
            status TEXT NOT NULL DEFAULT 'completed' CHECK(status IN ('running', 'completed', 'failed', 'interrupted')),
            kind TEXT NOT NULL DEFAULT 'backtest', pairs TEXT, exchange TEXT, strategy TEXT, config_hash TEXT, data_fingerprint TEXT,
            error TEXT, host TEXT, pid INTEGER)
        """,
        """
        CREATE TABLE IF NOT EXISTS run_trades (
            run_id TEXT NOT NULL REFERENCES backtest_runs(run_id) ON DELETE CASCADE, seq INTEGER NOT NULL, trade_id TEXT NOT NULL,
            pair TEXT NOT NULL, side TEXT NOT NULL CHECK(side IN ('buy', 'sell')), strategy TEXT NOT NULL,
            status TEXT NOT NULL CHECK(status IN ('open', 'closed')), entry_time TEXT NOT NULL, entry_price DOUBLE PRECISION NOT NULL,
            exit_time TEXT, exit_price DOUBLE PRECISION, quantity DOUBLE PRECISION NOT NULL, pnl DOUBLE PRECISION, pnl_pct DOUBLE PRECISION,
            fees DOUBLE PRECISION NOT NULL, entry_fee DOUBLE PRECISION NOT NULL, exit_fee DOUBLE PRECISION NOT NULL, stop_loss DOUBLE PRECISION,
            take_profit DOUBLE PRECISION, entry_reason TEXT, exit_reason TEXT, metadata TEXT, PRIMARY KEY (run_id, seq))
        """,
        """
        CREATE TABLE IF NOT EXISTS run_equity (
            run_id TEXT PRIMARY KEY REFERENCES backtest_runs(run_id) ON DELETE CASCADE, points INTEGER NOT NULL, ts_ms BYTEA NOT NULL,
            equity BYTEA NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS experiments (
            experiment_id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS experiment_trials (
            experiment_id TEXT NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE, "window" INTEGER NOT NULL,
            phase TEXT NOT NULL CHECK(phase IN ('search', 'test')), trial INTEGER NOT NULL, run_id TEXT NOT NULL, params TEXT NOT NULL,
            objectives TEXT NOT NULL, feasible BOOLEAN NOT NULL, stats TEXT NOT NULL, host TEXT, completed_at TEXT NOT NULL,
            PRIMARY KEY (experiment_id, "window", phase, trial))
        """,
        """
        CREATE TABLE IF NOT EXISTS experiment_claims (
            experiment_id TEXT NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE, "window" INTEGER NOT NULL,
            phase TEXT NOT NULL, trial INTEGER NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, claimed_at_ms BIGINT NOT NULL,
            PRIMARY KEY (experiment_id, "window", phase, trial))
        """,
    ]

    private func keyBindings(_ key: TrialKey) -> PostgresBindings {
        var b = PostgresBindings()
        b.append(key.experimentID); b.append(key.window); b.append(key.phase); b.append(key.trial)
        return b
    }

    /// In one transaction: stored -> `.stored`; no claim -> inserted (a racing insert makes
    /// ours a no-op, and the row is then read under `FOR UPDATE`); a live holder -> `.held`;
    /// a dead one -> replaced.
    public func claimTrial(_ key: TrialKey, by me: TrialClaimHolder, holderIsAlive: (TrialClaimHolder) -> Bool) throws -> TrialClaimOutcome {
        lock.lock(); defer { lock.unlock() }
        try exec("BEGIN", what: "starting a transaction")
        do {
            let stored = try exec("""
                SELECT 1 FROM experiment_trials WHERE experiment_id = $1 AND "window" = $2 AND phase = $3 AND trial = $4
                """, keyBindings(key), what: "reading trial \(key.trial)")
            if !stored.rows.isEmpty { try exec("ROLLBACK", what: "rolling back"); return .stored }
            var b = keyBindings(key)
            b.append(me.host); b.append(me.pid); b.append(me.claimedAtMs)
            let inserted = try exec("""
                INSERT INTO experiment_claims (experiment_id, "window", phase, trial, host, pid, claimed_at_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING trial
                """, b, what: "claiming trial \(key.trial)")
            if !inserted.rows.isEmpty { try exec("COMMIT", what: "committing a claim"); return .taken }
            let held = try exec("""
                SELECT host, pid, claimed_at_ms FROM experiment_claims
                WHERE experiment_id = $1 AND "window" = $2 AND phase = $3 AND trial = $4 FOR UPDATE
                """, keyBindings(key), what: "reading the claim of trial \(key.trial)")
            if let row = held.rows.first {
                let (host, pid, at) = try row.decode((String, Int, Int64).self, context: .default)
                let holder = TrialClaimHolder(host: host, pid: pid, claimedAtMs: at)
                if !holder.isSameProcess(me) && holderIsAlive(holder) { try exec("ROLLBACK", what: "rolling back"); return .held(holder) }
            }
            try exec("""
                UPDATE experiment_claims SET host = $5, pid = $6, claimed_at_ms = $7
                WHERE experiment_id = $1 AND "window" = $2 AND phase = $3 AND trial = $4
                """, b, what: "taking over the claim of trial \(key.trial)")
            try exec("COMMIT", what: "committing a claim")
            return .taken
        } catch {
            _ = try? exec("ROLLBACK", what: "rolling back")
            throw error
        }
    }

    public func releaseClaim(_ key: TrialKey, by me: TrialClaimHolder) throws {
        lock.lock(); defer { lock.unlock() }
        var b = keyBindings(key)
        b.append(me.host); b.append(me.pid)
        try exec("""
            DELETE FROM experiment_claims WHERE experiment_id = $1 AND "window" = $2 AND phase = $3 AND trial = $4 AND host = $5 AND pid = $6
            """, b, what: "releasing the claim of trial \(key.trial)")
    }

    public func openExperiment(id: String, name: String, spec: String, at: String) throws {
        lock.lock(); defer { lock.unlock() }
        var b = PostgresBindings()
        b.append(id); b.append(name); b.append(spec); b.append(at); b.append(at)
        try exec("""
            INSERT INTO experiments (experiment_id, name, spec, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (experiment_id) DO UPDATE SET updated_at = EXCLUDED.updated_at
            """, b, what: "opening the experiment")
    }

    public func completedTrials(experimentID: String) throws -> [TrialRecord] {
        lock.lock(); defer { lock.unlock() }
        var b = PostgresBindings()
        b.append(experimentID)
        let result = try exec("""
            SELECT experiment_id, "window", phase, trial, run_id, params, objectives, feasible, stats, host, completed_at
            FROM experiment_trials WHERE experiment_id = $1 ORDER BY "window", phase, trial
            """, b, what: "reading the trials")
        return try result.rows.map { row in
            let (e, w, p, t, r, params, objectives, feasible, stats, host, at) = try row.decode(
                (String, Int, String, Int, String, String, String, Bool, String, String?, String).self, context: .default)
            return TrialRecord(experimentID: e, window: w, phase: p, trial: t, runID: r, params: params, objectives: objectives,
                               feasible: feasible, stats: stats, host: host, completedAt: at)
        }
    }

    public func storeTrial(_ trial: TrialRecord, run: BacktestRunRecord, trades: [RunTradeRecord],
                           equity: [(timestampMs: Int64, equity: Double)]) throws -> Bool {
        lock.lock(); defer { lock.unlock() }
        try exec("BEGIN", what: "starting a transaction")
        do {
            var b = PostgresBindings()
            b.append(trial.experimentID); b.append(trial.window); b.append(trial.phase); b.append(trial.trial); b.append(trial.runID)
            b.append(trial.params); b.append(trial.objectives); b.append(trial.feasible); b.append(trial.stats); b.append(trial.host)
            b.append(trial.completedAt)
            let claimed = try exec("""
                INSERT INTO experiment_trials (experiment_id, "window", phase, trial, run_id, params, objectives, feasible, stats, host, completed_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING trial
                """, b, what: "storing trial \(trial.trial)")
            guard !claimed.rows.isEmpty else {
                try exec("ROLLBACK", what: "rolling back")
                return false
            }
            var r = PostgresBindings()
            for v in [run.runID, run.startedAt, run.completedAt ?? "", run.config, run.results ?? "", run.status, run.kind, run.pairs,
                      run.exchange, run.strategy, run.configHash, run.dataFingerprint] { r.append(v) }
            r.append(run.host); r.append(run.pid)
            try exec("""
                INSERT INTO backtest_runs (run_id, started_at, completed_at, config, results, status, kind, pairs, exchange, strategy,
                    config_hash, data_fingerprint, host, pid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                """, r, what: "storing run \(run.runID)")
            // Trades in batches of 500 rows (22 parameters each, under PostgreSQL's 65,535).
            var start = 0
            while start < trades.count {
                let batch = trades[start..<min(trades.count, start + 500)]
                var t = PostgresBindings()
                var rows: [String] = []
                for (k, x) in batch.enumerated() {
                    let base = k * 22
                    rows.append("(" + (1...22).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
                    t.append(x.runID); t.append(x.seq); t.append(x.tradeID); t.append(x.pair); t.append(x.side); t.append(x.strategy)
                    t.append(x.status); t.append(x.entryTime); t.append(x.entryPrice); t.append(x.exitTime); t.append(x.exitPrice)
                    t.append(x.quantity); t.append(x.pnl); t.append(x.pnlPct); t.append(x.fees); t.append(x.entryFee); t.append(x.exitFee)
                    t.append(x.stopLoss); t.append(x.takeProfit); t.append(x.entryReason); t.append(x.exitReason); t.append(x.metadata)
                }
                try exec("""
                    INSERT INTO run_trades (run_id, seq, trade_id, pair, side, strategy, status, entry_time, entry_price, exit_time, exit_price,
                        quantity, pnl, pnl_pct, fees, entry_fee, exit_fee, stop_loss, take_profit, entry_reason, exit_reason, metadata)
                    VALUES \(rows.joined(separator: ", "))
                    """, t, what: "storing the trades of \(run.runID)")
                start += 500
            }
            var e = PostgresBindings()
            e.append(run.runID); e.append(equity.count)
            e.append(ByteBuffer(bytes: equity.map { $0.timestampMs.littleEndian }.withUnsafeBytes { Array($0) }))
            e.append(ByteBuffer(bytes: equity.map { $0.equity.bitPattern.littleEndian }.withUnsafeBytes { Array($0) }))
            try exec("INSERT INTO run_equity (run_id, points, ts_ms, equity) VALUES ($1, $2, $3, $4)", e, what: "storing the equity of \(run.runID)")
            try exec("""
                DELETE FROM experiment_claims WHERE experiment_id = $1 AND "window" = $2 AND phase = $3 AND trial = $4
                """, keyBindings(TrialKey(experimentID: trial.experimentID, window: trial.window, phase: trial.phase, trial: trial.trial)),
                what: "removing the claim of trial \(trial.trial)")
            try exec("COMMIT", what: "committing trial \(trial.trial)")
            return true
        } catch {
            _ = try? exec("ROLLBACK", what: "rolling back")
            throw error
        }
    }
}
