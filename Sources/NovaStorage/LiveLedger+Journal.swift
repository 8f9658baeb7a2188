import Foundation
import GRDB

/// The input journal (`live_journal`): what a restart replays to rebuild the engine.
extension LiveLedger {
    public struct JournalRow: Sendable, Equatable {
        public var kind: String
        public var slot: Int
        public var ts: Int64
        public var payload: String
        public init(kind: String, slot: Int, ts: Int64, payload: String) {
            self.kind = kind; self.slot = slot; self.ts = ts; self.payload = payload
        }
    }

    /// Appends rows in one transaction (the warm-up's bars go in together).
    public func appendJournal(_ rows: [JournalRow]) throws {
        guard !rows.isEmpty else { return }
        try store.writer.write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO live_journal (kind, slot, ts, payload) VALUES (?, ?, ?, ?)")
            for r in rows { try statement.execute(arguments: [r.kind, r.slot, r.ts, r.payload]) }
        }
    }

    /// The journal after row `seq` (0: all of it), oldest first.
    public func journal(after seq: Int64 = 0) throws -> [JournalRow] {
        try store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, slot, ts, payload FROM live_journal WHERE seq > ? ORDER BY seq", arguments: [seq]).map {
                JournalRow(kind: $0["kind"], slot: $0["slot"], ts: $0["ts"], payload: $0["payload"])
            }
        }
    }

    /// Rows in the journal.
    public func journalCount() throws -> Int {
        try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM live_journal") ?? 0 }
    }

    /// The newest checkpoint (`live_checkpoint`): the state as of journal row `throughSeq`.
    public struct JournalCheckpoint: Sendable, Equatable {
        public var throughSeq: Int64
        public var fingerprint: String
        /// The layout of `runtime` and `state`: a checkpoint of another format is not used.
        public var format: Int
        /// The runtime's own part (JSON): last bars, books, blocks, counters.
        public var runtime: String
        /// The stack's state, zstd-compressed JSON.
        public var state: Data
        public var writtenAt: String
    }

    /// Replaces the checkpoint with one as of the newest journal row, returned. Written on the
    /// ledger's serial writer after the journal rows the state includes: the row count it
    /// reads is exactly what the state has applied.
    @discardableResult
    public func saveCheckpoint(fingerprint: String, format: Int, runtime: String, state: Data) throws -> Int64 {
        try store.writer.write { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM live_journal") ?? 0
            try db.execute(sql: """
                INSERT OR REPLACE INTO live_checkpoint (id, through_seq, fingerprint, format, runtime, state, written_at)
                VALUES (1, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
                """, arguments: [seq, fingerprint, format, runtime, state])
            return seq
        }
    }

    public func checkpoint() throws -> JournalCheckpoint? {
        try store.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM live_checkpoint WHERE id = 1").map {
                JournalCheckpoint(throughSeq: $0["through_seq"], fingerprint: $0["fingerprint"], format: $0["format"],
                                  runtime: $0["runtime"], state: $0["state"], writtenAt: $0["written_at"])
            }
        }
    }

    /// Starts a new journal (`--fresh`): the old one and its fingerprint go; trades still open
    /// under it are marked cancelled with `note`, in the same transaction.
    public func resetJournal(note: String) throws -> Int {
        try store.writer.write { db in
            try db.execute(sql: "DELETE FROM live_journal")
            try db.execute(sql: "DELETE FROM live_checkpoint")
            try db.execute(sql: "DELETE FROM system_state WHERE key = 'journal_fingerprint'")
            try db.execute(sql: "UPDATE trades SET status = 'cancelled', notes = ?, updated_at = datetime('now') WHERE status = 'open'",
                           arguments: [note])
            return db.changesCount
        }
    }
}
