import Foundation
import GRDB
import Testing
@testable import NovaStorage

/// The column-by-column insert stores what GRDB's own insert stores, and reports a failing
/// row as a DatabaseError (not a crash, not a silent skip).
@Suite struct RowInserterTests {
    @Test func valuesRoundTripAsGRDBWouldStoreThem() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (a INTEGER, b REAL, c TEXT, d TEXT, e INTEGER, f REAL, g INTEGER NOT NULL)")
            var insert = try RowInserter(db, sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)")
            insert.bind(Int64(-9_007_199_254_740_993)); insert.bind(0.1 + 0.2); insert.bind("a\u{0}b é"); insert.bind(""); insert.bind(true)
            insert.bind(Double?.none); insert.bind(7)
            try insert.insertRow()
            // Values from one row do not leak into the next.
            insert.bind(Int?.none); insert.bind(1.5); insert.bind(String?.none); insert.bind("x"); insert.bind(false)
            insert.bind(Double?.some(2)); insert.bind(8)
            try insert.insertRow()
            let rows = try Row.fetchAll(db, sql: "SELECT a, b, c, d, e, f, g, typeof(d) AS td, length(CAST(c AS BLOB)) AS cbytes FROM t ORDER BY g")
            #expect(rows[0]["a"] as Int64? == -9_007_199_254_740_993)
            #expect(rows[0]["b"] as Double? == 0.1 + 0.2)
            // All six bytes stored, the NUL included (a C string would have stopped at it).
            #expect(rows[0]["cbytes"] as Int? == 6)
            #expect(rows[0]["d"] as String? == "")
            #expect(rows[0]["td"] as String? == "text")
            #expect(rows[0]["e"] as Bool? == true)
            #expect(rows[0]["f"] as Double? == nil)
            #expect(rows[1]["a"] as Int64? == nil)
            #expect(rows[1]["c"] as String? == nil)
            #expect(rows[1]["e"] as Bool? == false)
            #expect(rows[1]["f"] as Double? == 2)
        }
    }

    @Test func aFailingRowThrowsAndTheNextOneStillGoesIn() throws {
        let db = try DatabaseQueue()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (a INTEGER NOT NULL)")
            var insert = try RowInserter(db, sql: "INSERT INTO t VALUES (?)")
            insert.bindNull()
            #expect(throws: DatabaseError.self) { try insert.insertRow() }
            insert.bind(3)
            try insert.insertRow()
            #expect(try Int.fetchAll(db, sql: "SELECT a FROM t") == [3])
        }
    }
}
