import GRDB

/// The live ledger's tables beside the seed's: the journal, the checkpoint, shadow fills (v6-v8).
extension Migrations {
    /// The live runtime's input journal: every input that changed the engine (warm-up and live
    /// bars, the book in effect at a bar, entry blocks, close-all), in order, so a restart
    /// rebuilds the very state the last session had by replaying it.
    static func createLiveJournal(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE live_journal (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                slot INTEGER NOT NULL,
                ts INTEGER NOT NULL,
                payload TEXT NOT NULL
            )
            """)
    }

    /// The live runtime's checkpoint: the engine's whole state as of journal row `through_seq`
    /// (compressed JSON), so a restart replays only the rows after it. One row: the newest.
    static func createLiveCheckpoint(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE live_checkpoint (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                through_seq INTEGER NOT NULL,
                fingerprint TEXT NOT NULL,
                format INTEGER NOT NULL,
                runtime TEXT NOT NULL,
                state BLOB NOT NULL,
                written_at TEXT NOT NULL
            )
            """)
    }

    /// `--mode shadow`: each real order beside what the simulator did with it. The columns hold
    /// the exchange's and the configured simulator's outcome (for SQL); `detail` the whole
    /// comparison as JSON, every simulator setting tried included (`novapulse live report`).
    static func createShadowFills(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE shadow_fills (
                client_order_id TEXT PRIMARY KEY,
                pair TEXT NOT NULL,
                side TEXT NOT NULL,
                kind TEXT NOT NULL,
                purpose TEXT NOT NULL,
                decision_price REAL NOT NULL,
                decided_at TEXT NOT NULL,
                real_state TEXT NOT NULL,
                real_quantity REAL NOT NULL,
                real_avg_price REAL,
                real_fees REAL NOT NULL,
                real_first_fill_at TEXT,
                sim_state TEXT NOT NULL,
                sim_quantity REAL NOT NULL,
                sim_avg_price REAL,
                sim_fees REAL NOT NULL,
                sim_first_fill_at TEXT,
                settled INTEGER NOT NULL,
                detail TEXT NOT NULL,
                tenant_id TEXT NOT NULL DEFAULT 'default'
            )
            """)
    }
}
