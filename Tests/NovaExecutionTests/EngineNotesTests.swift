import Testing
@testable import NovaExecution

/// A run's notes stay bounded however long it is: the first ones whole, the rest counted.
@Suite struct EngineNotesTests {
    @Test func pastTheLimitNotesAreCountedByKind() {
        var notes = EngineNotes()
        for k in 0..<(EngineNotes.limit + 300) {
            let message = k % 3 == 0 ? "exit retry \(k % 4) of 3 after below_minimum" : "signal order rejected (below_minimum): 0.0000\(k) units under 0.0001"
            notes.append(EngineNote(timestampMs: Int64(k) * 60_000, pair: "BTC/USD", message: message))
        }
        #expect(notes.count == EngineNotes.limit && notes.last?.timestampMs == Int64(EngineNotes.limit - 1) * 60_000)
        #expect(notes.droppedCount == 300)
        #expect(notes.dropped == ["exit retry # of # after below_minimum": 100,
                                  "signal order rejected (below_minimum): # units under #": 200])
        #expect(notes.droppedSummary() == ["300 more engine notes past the first 1000, counted by kind:",
                                           "  200 x signal order rejected (below_minimum): # units under #",
                                           "  100 x exit retry # of # after below_minimum"])
        #expect(notes.droppedSummary(kinds: 1).last == "  and 1 other kinds (100 notes)")
    }

    @Test func underTheLimitNothingIsSummed() {
        var notes = EngineNotes()
        notes.append(EngineNote(timestampMs: 0, pair: "BTC/USD", message: "exit gave up (permanent error): position left open"))
        #expect(notes.map(\.message) == ["exit gave up (permanent error): position left open"] && notes.droppedSummary().isEmpty)
    }
}
