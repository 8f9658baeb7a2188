import GRDB

/// The schema's history. Each migration is named, runs in its own transaction, and is never
/// edited once merged: a change is a new migration appended here. Written in SQL against
/// table and column names, not Swift types, so old migrations keep meaning what they meant.
enum Migrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-novapulse-seed-schema", migrate: createSeedSchema)
        migrator.registerMigration("v2-research-runs", migrate: createResearchTables)
        migrator.registerMigration("v3-execution-quality", migrate: createExecutionTable)
        migrator.registerMigration("v4-experiments", migrate: createExperimentTables)
        migrator.registerMigration("v5-signal-chunks", migrate: createSignalChunks)
        migrator.registerMigration("v6-live-journal", migrate: createLiveJournal)
        migrator.registerMigration("v7-live-checkpoint", migrate: createLiveCheckpoint)
        migrator.registerMigration("v8-shadow-fills", migrate: createShadowFills)
        migrator.registerMigration("v9-run-id-indexes", migrate: createRunIDIndexes)
        migrator.registerMigration("v10-experiment-claims", migrate: createExperimentClaims)
        return migrator
    }

    /// What research needs beyond the seed: a run's status and identity on `backtest_runs`,
    /// and its round trips and equity curve by `run_id`.
    static func createResearchTables(_ db: Database) throws {
        try db.execute(sql: """
        ALTER TABLE backtest_runs ADD COLUMN status TEXT NOT NULL DEFAULT 'completed'
            CHECK(status IN ('running', 'completed', 'failed', 'interrupted'));
        ALTER TABLE backtest_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'backtest';
        ALTER TABLE backtest_runs ADD COLUMN pairs TEXT;
        ALTER TABLE backtest_runs ADD COLUMN exchange TEXT;
        ALTER TABLE backtest_runs ADD COLUMN strategy TEXT;
        ALTER TABLE backtest_runs ADD COLUMN config_hash TEXT;
        ALTER TABLE backtest_runs ADD COLUMN data_fingerprint TEXT;
        ALTER TABLE backtest_runs ADD COLUMN error TEXT;
        ALTER TABLE backtest_runs ADD COLUMN host TEXT;
        ALTER TABLE backtest_runs ADD COLUMN pid INTEGER;
        CREATE INDEX backtest_runs_started ON backtest_runs(started_at);

        CREATE TABLE run_trades (
            run_id TEXT NOT NULL REFERENCES backtest_runs(run_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            trade_id TEXT NOT NULL,
            pair TEXT NOT NULL,
            side TEXT NOT NULL CHECK(side IN ('buy', 'sell')),
            strategy TEXT NOT NULL,
            status TEXT NOT NULL CHECK(status IN ('open', 'closed')),
            entry_time TEXT NOT NULL,
            entry_price REAL NOT NULL,
            exit_time TEXT,
            exit_price REAL,
            quantity REAL NOT NULL,
            pnl REAL,
            pnl_pct REAL,
            fees REAL NOT NULL,
            entry_fee REAL NOT NULL,
            exit_fee REAL NOT NULL,
            stop_loss REAL,
            take_profit REAL,
            entry_reason TEXT,
            exit_reason TEXT,
            metadata TEXT,
            PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;

        -- Every non-neutral strategy decision of a run and what became of it (metadata: the
        -- confluence fields as JSON). The seed's `signals` table gets the same rows, its
        -- metadata naming the run.
        CREATE TABLE run_signals (
            run_id TEXT NOT NULL REFERENCES backtest_runs(run_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            timestamp TEXT NOT NULL,
            pair TEXT NOT NULL,
            strategy TEXT NOT NULL,
            action TEXT NOT NULL,
            strength REAL NOT NULL,
            acted_upon INTEGER NOT NULL,
            reason TEXT,
            rejection TEXT,
            metadata TEXT,
            PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;

        -- A run's equity curve, one row per run: `ts_ms` and `equity` are little-endian
        -- arrays (Int64 ms and Float64) of `points` values each. A million-bar run writes
        -- one 16 MB row instead of a million rows, so storing it costs milliseconds.
        CREATE INDEX signals_timestamp ON signals(timestamp);

        CREATE TABLE run_equity (
            run_id TEXT PRIMARY KEY REFERENCES backtest_runs(run_id) ON DELETE CASCADE,
            points INTEGER NOT NULL,
            ts_ms BLOB NOT NULL,
            equity BLOB NOT NULL
        );
        """)
    }

    /// Execution quality per fill leg of each trade (crpbot's `risk_book_snapshots` idea):
    /// what the decision expected and what the venue gave.
    static func createExecutionTable(_ db: Database) throws {
        try db.execute(sql: """
        CREATE TABLE run_execution (
            run_id TEXT NOT NULL REFERENCES backtest_runs(run_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            trade_id TEXT NOT NULL,
            leg TEXT NOT NULL CHECK(leg IN ('entry', 'exit')),
            pair TEXT NOT NULL,
            decision_time TEXT,
            fill_time TEXT NOT NULL,
            decision_price REAL,
            fill_price REAL NOT NULL,
            quantity REAL NOT NULL,
            fills INTEGER NOT NULL,
            order_type TEXT,
            slippage_bps REAL,
            spread_bps REAL,
            expected_slippage_bps REAL,
            latency_ms INTEGER,
            r_multiple REAL,
            PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;
        """)
    }

    /// `novapulse optimize`: an experiment and its trials. Each trial is also a `backtest_runs`
    /// row (kind `trial` or `oos`) named by `run_id`; a trial row exists only once its run is
    /// stored, in the same transaction, so a resumed experiment knows exactly what is done.
    static func createExperimentTables(_ db: Database) throws {
        try db.execute(sql: """
        CREATE TABLE experiments (
            experiment_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            spec TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE experiment_trials (
            experiment_id TEXT NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
            window INTEGER NOT NULL,
            phase TEXT NOT NULL CHECK(phase IN ('search', 'test')),
            trial INTEGER NOT NULL,
            run_id TEXT NOT NULL,
            params TEXT NOT NULL,
            objectives TEXT NOT NULL,
            feasible INTEGER NOT NULL,
            stats TEXT NOT NULL,
            host TEXT,
            completed_at TEXT NOT NULL,
            PRIMARY KEY (experiment_id, window, phase, trial)
        ) WITHOUT ROWID;
        """)
    }

    /// A run's recorded evaluations and decisions as compressed blocks (`SignalChunks`), one row
    /// per block of 20,000 with its time range; `run_signals` stays for runs stored before it.
    static func createSignalChunks(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE run_signal_chunks (
                run_id TEXT NOT NULL REFERENCES backtest_runs(run_id) ON DELETE CASCADE,
                chunk INTEGER NOT NULL,
                first_ts TEXT NOT NULL,
                last_ts TEXT NOT NULL,
                count INTEGER NOT NULL,
                format TEXT NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (run_id, chunk)
            ) WITHOUT ROWID
            """)
    }

    /// `runs delete` finds a run's rows in the seed's `signals` and `thought_log` by the run id
    /// in their metadata: without an index that read the whole of both tables (7.5 s on a
    /// 4.7 GB store). Rows without a run id, or whose metadata is not JSON (the seed's column is
    /// free text), index as NULL: `json_extract` alone would refuse such a row.
    static func createRunIDIndexes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX signals_run_id ON signals(\(runIDExpression));
            CREATE INDEX thought_log_run_id ON thought_log(\(runIDExpression));
            """)
    }

    /// The indexed expression: a query uses the index only when it says exactly this.
    static let runIDExpression = "CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.run_id') END"

    /// Which process is running which trial of an experiment (`TrialStore.claimTrial`): a
    /// second `optimize` on the same experiment skips what the first has taken.
    static func createExperimentClaims(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE experiment_claims (
                experiment_id TEXT NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
                window INTEGER NOT NULL,
                phase TEXT NOT NULL,
                trial INTEGER NOT NULL,
                host TEXT NOT NULL,
                pid INTEGER NOT NULL,
                claimed_at_ms INTEGER NOT NULL,
                PRIMARY KEY (experiment_id, window, phase, trial)
            ) WITHOUT ROWID
            """)
    }
}
