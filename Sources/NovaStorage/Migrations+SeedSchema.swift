import GRDB

/// The NovaPulse seed's own tables (migration v1), kept as the seed writes them.
extension Migrations {
    /// Every table of the NovaPulse seed (novapulse-data-formats.md), as the seed writes it.
    static func createSeedSchema(_ db: Database) throws {
        try db.execute(sql: """
        CREATE TABLE trades (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            trade_id TEXT UNIQUE NOT NULL,
            pair TEXT NOT NULL,
            side TEXT NOT NULL CHECK(side IN ('buy', 'sell')),
            entry_price REAL NOT NULL,
            exit_price REAL,
            quantity REAL NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK(status IN ('open', 'closed', 'cancelled', 'error')),
            strategy TEXT NOT NULL,
            confidence REAL,
            stop_loss REAL,
            take_profit REAL,
            trailing_stop REAL,
            pnl REAL DEFAULT 0.0,
            pnl_pct REAL DEFAULT 0.0,
            fees REAL DEFAULT 0.0,
            slippage REAL DEFAULT 0.0,
            entry_time TEXT NOT NULL,
            exit_time TEXT,
            duration_seconds REAL,
            notes TEXT,
            metadata TEXT,
            tenant_id TEXT DEFAULT 'default',
            created_at TEXT DEFAULT (datetime('now')),
            updated_at TEXT DEFAULT (datetime('now'))
        );
        CREATE TABLE thought_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp TEXT NOT NULL,
            category TEXT NOT NULL,
            message TEXT NOT NULL,
            severity TEXT DEFAULT 'info'
                CHECK(severity IN ('debug', 'info', 'warning', 'error', 'critical')),
            metadata TEXT,
            tenant_id TEXT DEFAULT 'default'
        );
        CREATE TABLE metrics (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp TEXT NOT NULL,
            metric_name TEXT NOT NULL,
            metric_value REAL NOT NULL,
            tags TEXT,
            tenant_id TEXT DEFAULT 'default'
        );
        CREATE TABLE ml_features (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp TEXT NOT NULL,
            pair TEXT NOT NULL,
            features TEXT NOT NULL,
            label REAL,
            trade_id TEXT,
            tenant_id TEXT DEFAULT 'default',
            FOREIGN KEY (trade_id) REFERENCES trades(trade_id)
        );
        CREATE TABLE order_book_snapshots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            pair TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            bid_volume REAL,
            ask_volume REAL,
            obi REAL,
            spread REAL,
            whale_detected INTEGER DEFAULT 0,
            snapshot_data TEXT,
            trade_id TEXT,
            tenant_id TEXT DEFAULT 'default'
        );
        CREATE TABLE signals (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp TEXT NOT NULL,
            pair TEXT NOT NULL,
            strategy TEXT NOT NULL,
            direction TEXT NOT NULL CHECK(direction IN ('long', 'short', 'neutral')),
            strength REAL NOT NULL,
            confluence_count INTEGER DEFAULT 0,
            ai_confidence REAL,
            acted_upon INTEGER DEFAULT 0,
            metadata TEXT
        );
        CREATE TABLE daily_summary (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            date TEXT NOT NULL,
            total_trades INTEGER DEFAULT 0,
            winning_trades INTEGER DEFAULT 0,
            losing_trades INTEGER DEFAULT 0,
            total_pnl REAL DEFAULT 0.0,
            max_drawdown REAL DEFAULT 0.0,
            win_rate REAL DEFAULT 0.0,
            metadata TEXT,
            tenant_id TEXT DEFAULT 'default',
            UNIQUE(date, tenant_id)
        );
        CREATE TABLE system_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT DEFAULT (datetime('now'))
        );
        CREATE TABLE tenants (
            tenant_id TEXT PRIMARY KEY,
            name TEXT,
            email TEXT,
            stripe_customer_id TEXT,
            stripe_subscription_id TEXT,
            plan TEXT DEFAULT 'free',
            status TEXT DEFAULT 'active',
            created_at TEXT DEFAULT (datetime('now')),
            updated_at TEXT DEFAULT (datetime('now'))
        );
        CREATE TABLE tenant_api_keys (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            tenant_id TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            label TEXT,
            created_at TEXT DEFAULT (datetime('now'))
        );
        CREATE TABLE stripe_webhook_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT UNIQUE NOT NULL,
            event_type TEXT NOT NULL,
            processed_at TEXT DEFAULT (datetime('now')),
            metadata TEXT
        );
        CREATE TABLE signal_webhook_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT UNIQUE NOT NULL,
            source TEXT,
            processed_at TEXT DEFAULT (datetime('now')),
            metadata TEXT
        );
        CREATE TABLE backtest_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT UNIQUE NOT NULL,
            started_at TEXT,
            completed_at TEXT,
            config TEXT,
            results TEXT,
            tenant_id TEXT DEFAULT 'default'
        );
        CREATE TABLE copy_trading_providers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            provider_id TEXT UNIQUE NOT NULL,
            name TEXT,
            webhook_url TEXT,
            secret TEXT,
            enabled INTEGER DEFAULT 1,
            created_at TEXT DEFAULT (datetime('now'))
        );
        """)
    }
}
