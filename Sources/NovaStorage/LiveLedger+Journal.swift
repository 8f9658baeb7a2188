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

    /// The whole journal, oldest first.
    public func journal() throws -> [JournalRow] {
        try store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, slot, ts, payload FROM live_journal ORDER BY seq").map {
                JournalRow(kind: $0["kind"], slot: $0["slot"], ts: $0["ts"], payload: $0["payload"])
            }
        }
    }

    /// Starts a new journal (`--fresh`): the old one and its fingerprint go; trades still open
    /// under it are marked cancelled with `note`, in the same transaction.
    public func resetJournal(note: String) throws -> Int {
        try store.writer.write { db in
            try db.execute(sql: "DELETE FROM live_journal")
            try db.execute(sql: "DELETE FROM system_state WHERE key = 'journal_fingerprint'")
            try db.execute(sql: "UPDATE trades SET status = 'cancelled', notes = ?, updated_at = datetime('now') WHERE status = 'open'",
                           arguments: [note])
            return db.changesCount
        }
    }
}
