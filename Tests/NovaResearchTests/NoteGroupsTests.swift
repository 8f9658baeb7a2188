import Foundation
import Testing
@testable import NovaResearch

/// Issue 33 #3: repeated notes are one fact, with a count and their span; the rest keep
/// their order.
@Suite struct NoteGroupsTests {
    @Test func repeatsDifferingOnlyInNumbersFoldIntoOneLine() {
        var notes = ["small sample: 3 closed trades (under 30)"]
        for k in 0..<100 {
            notes.append("2023-03-0\(1 + k / 60)T\(10 + k % 10):0\(k % 6):00Z BTC/USD: exit gave up (permanent error: below minimum): position left open")
        }
        notes.append("2023-03-05T00:00:00Z BTC/USD: exit order cancelled by the venue: one-cancels-other")
        notes.append("halted 95.0% of the window")
        let g = NoteGroups.group(notes)
        #expect(g.count == 4)
        #expect(g[0] == "small sample: 3 closed trades (under 30)")
        #expect(g[1].hasPrefix("100 times, first: 2023-03-01T10:00:00Z BTC/USD: exit gave up (permanent error: below minimum): position left open; last: 2023-03-02T19:03:00Z"), "\(g[1])")
        #expect(g[2].hasPrefix("2023-03-05T00:00:00Z BTC/USD: exit order cancelled") && g[3] == "halted 95.0% of the window")
    }

    @Test func differentWordsAreDifferentFacts() {
        let g = NoteGroups.group(["a BTC/USD: stop 1.5", "a ETH/USD: stop 2.5", "a BTC/USD: stop 3"])
        #expect(g == ["2 times, first: a BTC/USD: stop 1.5; last: a BTC/USD: stop 3", "a ETH/USD: stop 2.5"])
        #expect(NoteGroups.group(["x 1", "x 2"]) == ["2 times, first: x 1; last: x 2"])
    }
}

/// Issue 32 #3: a report that cannot be written is one line with the system's reason.
@Suite struct WriteFailureTests {
    @Test func aFullDiskReadsAsOne() {
        let full = WriteFailure(path: "reports/bt-1", error: CocoaError(.fileWriteOutOfSpace))
        #expect("\(full)" == "cannot write reports/bt-1: no space left on device (free some space, or set NOVAPULSE_REPORTS_DIR elsewhere)")
        let posix = WriteFailure(path: "x", error: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS)))
        #expect("\(posix)" == "cannot write x: read-only file system")
    }
}
