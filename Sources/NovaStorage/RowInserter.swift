import Foundation
import GRDB
import GRDBSQLite

/// A prepared INSERT fed column by column with sqlite3's own bind calls: no
/// `StatementArguments` of existentials per row. Storing a 26,000-trade run inserts ~130,000
/// rows, and building GRDB's arguments for each was a tenth of the store's time.
/// Use inside a GRDB write (the connection's queue); columns are bound in order from 1.
struct RowInserter {
    private let statement: Statement
    private var column: Int32 = 0

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
    }

    private var handle: OpaquePointer { statement.sqliteStatement }

    mutating func bind(_ v: Int) { column += 1; sqlite3_bind_int64(handle, column, Int64(v)) }
    mutating func bind(_ v: Int64) { column += 1; sqlite3_bind_int64(handle, column, v) }
    mutating func bind(_ v: Bool) { bind(v ? 1 : 0) }
    mutating func bind(_ v: Double) { column += 1; sqlite3_bind_double(handle, column, v) }
    mutating func bind(_ v: String) {
        column += 1
        // With its length (text may hold a NUL), and SQLITE_TRANSIENT: sqlite copies it before
        // the call returns. An empty string's buffer may have no address: bound as "" anyway.
        var text = v
        let (h, c) = (handle, column)
        text.withUTF8 { bytes in
            if let base = bytes.baseAddress {
                base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    _ = sqlite3_bind_text(h, c, $0, Int32(bytes.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                }
            } else {
                _ = sqlite3_bind_text(h, c, "", 0, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            }
        }
    }
    mutating func bind(_ v: Double?) { if let v { bind(v) } else { bindNull() } }
    mutating func bind(_ v: String?) { if let v { bind(v) } else { bindNull() } }
    mutating func bind(_ v: Int?) { if let v { bind(v) } else { bindNull() } }
    mutating func bind(_ v: Int64?) { if let v { bind(v) } else { bindNull() } }
    mutating func bindNull() { column += 1; sqlite3_bind_null(handle, column) }

    /// Runs the insert with the values bound since the last row, then clears them.
    mutating func insertRow() throws {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            column = 0
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))),
                                sql: statement.sql)
        }
    }
}
