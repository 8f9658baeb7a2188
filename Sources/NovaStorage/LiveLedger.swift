import Foundation
import GRDB

/// The live runtime's state in the seed's tables (novapulse-data-formats.md): `trades` is the
/// ledger of open and closed trades, `signals` the decisions, `thought_log` what the runtime
/// did and why, `metrics` bankroll and drawdown over time, `daily_summary`, `order_book_snapshots`
/// at each entry, and `system_state` the key-value state a restart resumes from (the nonce,
/// the paused flag, the last reconciliation). Paper and live keep separate databases.
///
/// Every write is its own transaction, committed before the runtime goes on: a crash loses at
/// most the event being handled, never what was written before it.
public final class LiveLedger: @unchecked Sendable {
    public let store: ResultsStore
    public let tenant = "default"

    public init(store: ResultsStore) { self.store = store }

    /// One row of `trades`, the seed's columns.
    public struct TradeRow: Sendable, Equatable {
        public var tradeID: String
        public var pair: String
        public var side: String
        public var entryPrice: Double
        public var exitPrice: Double?
        public var quantity: Double
        public var status: String
        public var strategy: String
        public var confidence: Double?
        public var stopLoss: Double?
        public var takeProfit: Double?
        public var pnl: Double
        public var pnlPct: Double
        public var fees: Double
        public var entryTime: String
        public var exitTime: String?
        public var durationSeconds: Double?
        public var notes: String?
        public var metadata: String?

        public init(tradeID: String, pair: String, side: String, entryPrice: Double, exitPrice: Double?, quantity: Double, status: String,
                    strategy: String, confidence: Double?, stopLoss: Double?, takeProfit: Double?, pnl: Double, pnlPct: Double, fees: Double,
                    entryTime: String, exitTime: String?, durationSeconds: Double?, notes: String?, metadata: String?) {
            self.tradeID = tradeID; self.pair = pair; self.side = side; self.entryPrice = entryPrice; self.exitPrice = exitPrice
            self.quantity = quantity; self.status = status; self.strategy = strategy; self.confidence = confidence; self.stopLoss = stopLoss
            self.takeProfit = takeProfit; self.pnl = pnl; self.pnlPct = pnlPct; self.fees = fees; self.entryTime = entryTime
            self.exitTime = exitTime; self.durationSeconds = durationSeconds; self.notes = notes; self.metadata = metadata
        }
    }

    /// Inserts the trade or updates it (by `trade_id`): an open trade is written when it opens
    /// and again as it changes and closes.
    public func upsertTrade(_ t: TradeRow) throws {
        try store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO trades (trade_id, pair, side, entry_price, exit_price, quantity, status, strategy, confidence, stop_loss,
                    take_profit, pnl, pnl_pct, fees, entry_time, exit_time, duration_seconds, notes, metadata, tenant_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(trade_id) DO UPDATE SET exit_price = excluded.exit_price, quantity = excluded.quantity,
                    status = excluded.status, stop_loss = excluded.stop_loss, take_profit = excluded.take_profit, pnl = excluded.pnl,
                    pnl_pct = excluded.pnl_pct, fees = excluded.fees, exit_time = excluded.exit_time,
                    duration_seconds = excluded.duration_seconds, notes = excluded.notes, metadata = excluded.metadata,
                    updated_at = datetime('now')
                """, arguments: [t.tradeID, t.pair, t.side, t.entryPrice, t.exitPrice, t.quantity, t.status, t.strategy, t.confidence,
                                 t.stopLoss, t.takeProfit, t.pnl, t.pnlPct, t.fees, t.entryTime, t.exitTime, t.durationSeconds, t.notes,
                                 t.metadata, tenant])
        }
    }

    public func trades(status: String? = nil, limit: Int = 1_000) throws -> [TradeRow] {
        try store.writer.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM trades \(status == nil ? "" : "WHERE status = ?") ORDER BY id DESC LIMIT ?",
                                        arguments: status.map { [$0, limit] } ?? [limit])
            return rows.map { r in
                TradeRow(tradeID: r["trade_id"], pair: r["pair"], side: r["side"], entryPrice: r["entry_price"], exitPrice: r["exit_price"],
                         quantity: r["quantity"], status: r["status"], strategy: r["strategy"], confidence: r["confidence"],
                         stopLoss: r["stop_loss"], takeProfit: r["take_profit"], pnl: r["pnl"] ?? 0, pnlPct: r["pnl_pct"] ?? 0,
                         fees: r["fees"] ?? 0, entryTime: r["entry_time"], exitTime: r["exit_time"], durationSeconds: r["duration_seconds"],
                         notes: r["notes"], metadata: r["metadata"])
            }
        }
    }

    public func appendSignal(timestamp: String, pair: String, strategy: String, direction: String, strength: Double,
                             confluenceCount: Int, confidence: Double?, actedUpon: Bool, metadata: String?) throws {
        try store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO signals (timestamp, pair, strategy, direction, strength, confluence_count, ai_confidence, acted_upon, metadata)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [timestamp, pair, strategy, direction, strength, confluenceCount, confidence, actedUpon ? 1 : 0, metadata])
        }
    }

    public func appendThought(timestamp: String, category: String, message: String, severity: String, metadata: String? = nil) throws {
        try store.writer.write { db in
            try db.execute(sql: "INSERT INTO thought_log (timestamp, category, message, severity, metadata, tenant_id) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [timestamp, category, message, severity, metadata, tenant])
        }
    }

    public func thoughts(limit: Int = 100) throws -> [(timestamp: String, category: String, message: String, severity: String)] {
        try store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT timestamp, category, message, severity FROM thought_log ORDER BY id DESC LIMIT ?", arguments: [limit])
                .map { ($0["timestamp"], $0["category"], $0["message"], $0["severity"]) }
        }
    }

    public func appendMetrics(timestamp: String, _ values: [(String, Double)], tags: String? = nil) throws {
        try store.writer.write { db in
            for (name, v) in values where v.isFinite {
                try db.execute(sql: "INSERT INTO metrics (timestamp, metric_name, metric_value, tags, tenant_id) VALUES (?, ?, ?, ?, ?)",
                               arguments: [timestamp, name, v, tags, tenant])
            }
        }
    }

    public func upsertDailySummary(date: String, total: Int, wins: Int, losses: Int, pnl: Double, maxDrawdown: Double) throws {
        try store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO daily_summary (date, total_trades, winning_trades, losing_trades, total_pnl, max_drawdown, win_rate, tenant_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(date, tenant_id) DO UPDATE SET total_trades = excluded.total_trades, winning_trades = excluded.winning_trades,
                    losing_trades = excluded.losing_trades, total_pnl = excluded.total_pnl, max_drawdown = excluded.max_drawdown,
                    win_rate = excluded.win_rate
                """, arguments: [date, total, wins, losses, pnl, maxDrawdown, total > 0 ? Double(wins) / Double(total) : 0, tenant])
        }
    }

    /// A trade's snapshot is written once: a restart that opens the same trade again (its
    /// input was not journaled before a crash) keeps the first one.
    public func insertBookSnapshot(pair: String, timestamp: String, bidVolume: Double, askVolume: Double, obi: Double, spread: Double,
                                   snapshotJSON: String, tradeID: String?) throws {
        try store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO order_book_snapshots (pair, timestamp, bid_volume, ask_volume, obi, spread, snapshot_data, trade_id, tenant_id)
                SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
                WHERE ? IS NULL OR NOT EXISTS (SELECT 1 FROM order_book_snapshots WHERE trade_id = ?)
                """, arguments: [pair, timestamp, bidVolume, askVolume, obi, spread, snapshotJSON, tradeID, tenant, tradeID, tradeID])
        }
    }

    /// `(trade_id, obi, spread)` of the stored book snapshots, oldest first.
    public func bookSnapshots() throws -> [(tradeID: String?, obi: Double, spread: Double)] {
        try store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT trade_id, obi, spread FROM order_book_snapshots ORDER BY id").map { ($0["trade_id"], $0["obi"], $0["spread"]) }
        }
    }

    public func state(_ key: String) throws -> String? {
        try store.writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM system_state WHERE key = ?", arguments: [key]) }
    }

    public func setState(_ key: String, _ value: String) throws {
        try store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO system_state (key, value) VALUES (?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = datetime('now')
                """, arguments: [key, value])
        }
    }
}
