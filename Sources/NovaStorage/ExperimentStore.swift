import Foundation
import GRDB

/// A row of `experiment_trials`.
public struct TrialRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "experiment_trials"
    public var experimentID: String
    /// Walk-forward window (0 without walk-forward).
    public var window: Int
    /// `search` (a point of the space on the train window) or `test` (the window's winner on its test window).
    public var phase: String
    public var trial: Int
    public var runID: String
    /// The trial's parameters, JSON `{"key": value}`.
    public var params: String
    /// The objective values, JSON array in the experiment's objective order.
    public var objectives: String
    public var feasible: Bool
    /// Per-bar return statistics (JSON): moments for the deflated Sharpe, blocks for CSCV.
    public var stats: String
    public var host: String?
    public var completedAt: String

    public init(experimentID: String, window: Int, phase: String, trial: Int, runID: String, params: String, objectives: String,
                feasible: Bool, stats: String, host: String?, completedAt: String) {
        self.experimentID = experimentID; self.window = window; self.phase = phase; self.trial = trial; self.runID = runID
        self.params = params; self.objectives = objectives; self.feasible = feasible; self.stats = stats; self.host = host
        self.completedAt = completedAt
    }

    enum CodingKeys: String, CodingKey {
        case experimentID = "experiment_id", window, phase, trial, runID = "run_id", params, objectives, feasible, stats, host
        case completedAt = "completed_at"
    }
}

/// One trial of an experiment: what a claim and a stored trial are keyed by.
public struct TrialKey: Sendable, Hashable {
    public var experimentID: String
    public var window: Int
    public var phase: String
    public var trial: Int
    public init(experimentID: String, window: Int, phase: String, trial: Int) {
        self.experimentID = experimentID; self.window = window; self.phase = phase; self.trial = trial
    }
}

/// The process that took a trial to run it (`experiment_claims`).
public struct TrialClaimHolder: Sendable, Equatable {
    public var host: String
    public var pid: Int
    public var claimedAtMs: Int64
    public init(host: String, pid: Int, claimedAtMs: Int64) { self.host = host; self.pid = pid; self.claimedAtMs = claimedAtMs }
    public func isSameProcess(_ o: TrialClaimHolder) -> Bool { host == o.host && pid == o.pid }
}

public enum TrialClaimOutcome: Sendable, Equatable {
    /// This process holds the trial now: run it.
    case taken
    /// The trial is stored already.
    case stored
    /// Another live process is running it.
    case held(TrialClaimHolder)
}

/// Where an optimisation keeps its experiments and trials: the SQLite store here, PostgreSQL
/// with `DATABASE_URL` (NovaPostgres), the same tables in both.
///
/// Two processes on the same experiment (a second identical command, shards started twice)
/// share its trials through claims: a trial is claimed before it runs, a claim whose process
/// is gone (`holderIsAlive` says so) is taken over, and storing the trial removes its claim.
public protocol TrialStore: Sendable {
    /// Takes `key` for `me` unless it is stored or held by another process `holderIsAlive`
    /// says is running; in one transaction, so two processes never both take it.
    func claimTrial(_ key: TrialKey, by me: TrialClaimHolder, holderIsAlive: (TrialClaimHolder) -> Bool) throws -> TrialClaimOutcome
    /// Gives a claim back (the trial failed): another process may take it at once.
    func releaseClaim(_ key: TrialKey, by me: TrialClaimHolder) throws
    /// Creates the experiment row if it is new (an existing one is kept: a resume).
    func openExperiment(id: String, name: String, spec: String, at: String) throws
    func completedTrials(experimentID: String) throws -> [TrialRecord]
    /// Stores a finished trial: its run (as `backtest_runs` with trades and equity) and its
    /// trial row, together or not at all, and removes the trial's claim. A trial already
    /// stored (another shard, a resumed run) is left as it is and `false` returned.
    func storeTrial(_ trial: TrialRecord, run: BacktestRunRecord, trades: [RunTradeRecord], equity: [(timestampMs: Int64, equity: Double)]) throws -> Bool
}

extension ResultsStore: TrialStore {
    public func openExperiment(id: String, name: String, spec: String, at: String) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO experiments (experiment_id, name, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(experiment_id) DO UPDATE SET updated_at = excluded.updated_at
                """, arguments: [id, name, spec, at, at])
        }
    }

    public func completedTrials(experimentID: String) throws -> [TrialRecord] {
        try writer.read { db in
            try TrialRecord.filter(Column("experiment_id") == experimentID).order(Column("window"), Column("phase"), Column("trial")).fetchAll(db)
        }
    }

    /// A trial's row in `experiment_trials` or `experiment_claims`, by its key.
    private static let byKey = "experiment_id = ? AND window = ? AND phase = ? AND trial = ?"

    private static func arguments(_ k: TrialKey) -> StatementArguments { [k.experimentID, k.window, k.phase, k.trial] }

    private static func isStored(_ db: Database, _ key: TrialKey) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM experiment_trials WHERE \(byKey)", arguments: arguments(key)) ?? false
    }

    public func storeTrial(_ trial: TrialRecord, run: BacktestRunRecord, trades: [RunTradeRecord], equity: [(timestampMs: Int64, equity: Double)]) throws -> Bool {
        let key = TrialKey(experimentID: trial.experimentID, window: trial.window, phase: trial.phase, trial: trial.trial)
        return try writer.write { db in
            if try Self.isStored(db, key) { return false }
            try run.insert(db)
            for t in trades { try t.insert(db) }
            try Self.insertEquity(db, runID: run.runID, equity)
            try trial.insert(db)
            try db.execute(sql: "DELETE FROM experiment_claims WHERE \(Self.byKey)", arguments: Self.arguments(key))
            return true
        }
    }

    public func claimTrial(_ key: TrialKey, by me: TrialClaimHolder, holderIsAlive: (TrialClaimHolder) -> Bool) throws -> TrialClaimOutcome {
        try writer.write { db in
            if try Self.isStored(db, key) { return .stored }
            if let row = try Row.fetchOne(db, sql: "SELECT host, pid, claimed_at_ms FROM experiment_claims WHERE \(Self.byKey)", arguments: Self.arguments(key)) {
                let holder = TrialClaimHolder(host: row["host"], pid: row["pid"], claimedAtMs: row["claimed_at_ms"])
                if !holder.isSameProcess(me) && holderIsAlive(holder) { return .held(holder) }
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO experiment_claims (experiment_id, window, phase, trial, host, pid, claimed_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: Self.arguments(key) + [me.host, me.pid, me.claimedAtMs])
            return .taken
        }
    }

    public func releaseClaim(_ key: TrialKey, by me: TrialClaimHolder) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM experiment_claims WHERE \(Self.byKey) AND host = ? AND pid = ?",
                           arguments: Self.arguments(key) + [me.host, me.pid])
        }
    }

    public func experiments() throws -> [(id: String, name: String, createdAt: String, trials: Int)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.experiment_id, e.name, e.created_at, (SELECT COUNT(*) FROM experiment_trials t WHERE t.experiment_id = e.experiment_id) AS n
                FROM experiments e ORDER BY e.created_at DESC
                """).map { ($0["experiment_id"], $0["name"], $0["created_at"], $0["n"]) }
        }
    }
}
