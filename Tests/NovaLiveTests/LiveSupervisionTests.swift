import Foundation
import NovaCore
import NovaFakeKraken
import NovaTestSupport
import Testing
@testable import NovaLive

/// What the runtime watches on its own: a ledger that cannot be written pauses entries, and
/// the terminal gets a status line.
@Suite(.serialized) struct LiveSupervisionTests {
    typealias P = LivePaperTests

    static func run(failWrites: Int, statusLineS: Double = 60) async throws -> (LiveSummary, [String]) {
        let fake = FakeKraken(script: try P.script().0)
        try fake.start()
        defer { fake.stop() }
        var config = try P.config()
        config.live.statusLineS = statusLineS
        let (options, lines) = try P.options(Fixtures.scratch("supervise") + "/live.db", config: config, bars: 119, tickMs: 20)
        let (runtime, http) = try P.runtime(fake, options)
        await runtime.writer.failWrites(failWrites)
        let summary = try await runtime.run()
        await http.shutdown()
        return (summary, lines.all)
    }

    @Test func aLedgerThatCannotBeWrittenPausesEntriesUntilAWriteSucceeds() async throws {
        let (script, history, stream) = try P.script()
        _ = script
        #expect(!(try P.reference(history, Array(stream.dropLast()), config: try P.config())).isEmpty)
        let (broken, lines) = try await Self.run(failWrites: 1_000_000)
        #expect(lines.contains { $0.hasPrefix("ledger write failed (") })      // said once
        #expect(lines.filter { $0.hasPrefix("ledger write failed (") }.count == 1)
        #expect(lines.contains("the ledger cannot be written (3 failed writes in a row): no new entries until a write succeeds"))
        #expect(lines.contains { $0.contains("refused: the ledger cannot be written") })
        #expect(broken.tradesOpened == 0 && broken.ledgerWriteFailures > 100 && broken.liveBars == 119)

        // A few failures, then the disk is back: entries open again and trades follow.
        let (recovered, lines2) = try await Self.run(failWrites: 4)
        #expect(lines2.contains("the ledger cannot be written (3 failed writes in a row): no new entries until a write succeeds"))
        #expect(lines2.contains("ledger writes succeed again: entries open"))
        #expect(recovered.tradesOpened > 0 && recovered.ledgerWriteFailures == 4)
    }

    @Test func theTerminalGetsAStatusLine() async throws {
        let (_, lines) = try await Self.run(failWrites: 0, statusLineS: 0.2)
        let status = lines.filter { $0.hasPrefix("status ") }
        #expect(status.count >= 2, "\(lines.suffix(5))")
        // A line can come before the first connection on a loaded machine ("WebSocket down").
        #expect(status.allSatisfy { $0.contains(": WebSocket ") && $0.contains(", last bars BTC/USD ") && $0.contains("; equity ") }, "\(status)")
        #expect(status.contains { $0.contains(": WebSocket connected, last bars BTC/USD ") }, "\(status)")
        #expect(status.contains { $0.hasSuffix("; entries open") })
    }
}
