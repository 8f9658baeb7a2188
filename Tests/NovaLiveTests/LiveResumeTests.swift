import Foundation
import GRDB
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaSignals
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// A restart loses nothing: the journal is replayed into a fresh engine, the bars missed while
/// down come from REST history, and the two sessions together trade as one uninterrupted run.
@Suite(.serialized) struct LiveResumeTests {
    typealias P = LivePaperTests

    struct Run {
        var summary: LiveSummary
        var lines: [String]
        var ledger: LiveLedger
    }

    /// One session on `database` against a fake serving `history` over REST and `stream` live.
    static func session(_ history: [Bar], _ stream: [Bar], database: String, config: NovaPulseConfig, bars: Int, fresh: Bool = false) async throws -> Run {
        var script = FakeKraken.Script()
        script.history = history
        script.stream = stream
        script.barIntervalMs = 10
        let fake = FakeKraken(script: script)
        try fake.start()
        defer { fake.stop() }
        var (options, lines) = try P.options(database, config: config, bars: bars)
        options.fresh = fresh
        let (runtime, http) = try P.runtime(fake, options)
        let result: Result<LiveSummary, any Error>
        do { result = .success(try await runtime.run()) } catch { result = .failure(error) }
        await http.shutdown()
        return Run(summary: try result.get(), lines: lines.all, ledger: await runtime.ledger)
    }

    /// The first number of live bars after which the uninterrupted run holds a position.
    static func stopWithAnOpenPosition(_ history: [Bar], _ stream: [Bar], _ config: NovaPulseConfig) throws -> Int {
        let k = try (30..<100).first { try P.reference(history, Array(stream[..<$0]), config: config).last?.isOpen == true }
        return try #require(k, "no bar count in 30..<100 leaves a position open")
    }

    /// `checkpointBars` 0: the whole journal is replayed; 1440: the checkpoint written at the
    /// stop is restored; 7: checkpoints every 7 bars as well.
    @Test(arguments: [0, 1440, 7])
    func aRestartReplaysTheJournalAndTradesAsOneUninterruptedSession(checkpointBars: Int) async throws {
        let (_, history, stream) = try P.script()
        var config = try P.config()
        config.live.checkpointBars = checkpointBars
        let k = try Self.stopWithAnOpenPosition(history, stream, config)
        let gap = 5
        let db = Fixtures.scratch("resume-\(checkpointBars)") + "/live.db"

        let first = try await Self.session(history, stream, database: db, config: config, bars: k)
        #expect(first.summary.liveBars == k)
        #expect(first.summary.checkpoints == (checkpointBars == 0 ? 0 : k / checkpointBars + 1))
        let openAtStop = try first.ledger.trades(status: "open")
        #expect(openAtStop.count == 1)
        let books = try first.ledger.bookSnapshots()
        #expect(books.count == (try first.ledger.trades()).count && books.allSatisfy { $0.tradeID != nil })
        if checkpointBars == 0 {
            // The entry books of the first session, then lost as a kill -9 loses the last
            // writes: the restart writes them again from the journal, once each. (Behind a
            // checkpoint they cannot be lost: it is written after them, on the same queue.)
            let queue = try DatabaseQueue(path: db)
            try await queue.write { db in try db.execute(sql: "DELETE FROM order_book_snapshots") }
        }

        // Down for `gap` bars: REST history now reaches `gap` bars past the last one seen.
        let history2 = history + stream[..<(k + gap)]
        let stream2 = Array(stream[(k + gap)...])
        let second = try await Self.session(history2, stream2, database: db, config: config, bars: gap + stream2.count - 1)
        #expect(second.summary.warmupBars == 400 && second.summary.replayedBars == k, "\(second.summary)")
        #expect(second.summary.restoredPositions == 1 && second.summary.gapBars == gap)
        let resumed = "resumed from the journal: 400 warm-up and \(k) live bars" + (checkpointBars == 0 ? " replayed," : ", from its checkpoint of ")
        #expect(second.lines.contains { $0.hasPrefix(resumed) && $0.contains(openAtStop[0].tradeID) }, "\(second.lines.prefix(4))")
        #expect(second.lines.contains { $0.hasPrefix("caught up: \(gap) bars closed while no session ran") })
        #expect(!second.lines.contains { $0.hasPrefix("warm-up:") })

        // Both sessions' trades are the uninterrupted run's, once each.
        let expected = try P.reference(history, Array(stream.dropLast()), config: config)
        let rows = try second.ledger.trades().sorted { $0.entryTime < $1.entryTime }
        #expect(rows.map(\.tradeID) == expected.map(\.tradeID))
        #expect(rows.map(\.entryPrice) == expected.map(\.entryPrice))
        #expect(rows.map(\.exitPrice) == expected.map(\.exitPrice))
        #expect(rows.map(\.status) == expected.map { $0.isOpen ? "open" : "closed" })
        // Each trade has one entry book; the first session's are back as they were.
        let booksAfter = try second.ledger.bookSnapshots()
        #expect(booksAfter.count == rows.count && Set(booksAfter.compactMap(\.tradeID)) == Set(rows.map(\.tradeID)))
        #expect(booksAfter.prefix(books.count).map { "\($0.tradeID ?? "") \($0.obi) \($0.spread)" } == books.map { "\($0.tradeID ?? "") \($0.obi) \($0.spread)" })
        // The position open at the stop was carried on, not reopened: its row closed later.
        #expect(rows.first { $0.tradeID == openAtStop[0].tradeID }?.status == "closed")
        #expect(expected.filter { !$0.isOpen }.contains { $0.tradeID == openAtStop[0].tradeID })
    }

    @Test func downtimeLongerThanRESTHistoryIsSaidPlainly() async throws {
        let (_, history, stream) = try P.script()
        let config = try P.config()
        let db = Fixtures.scratch("resume-hole") + "/live.db"
        _ = try await Self.session(history, stream, database: db, config: config, bars: 30)
        // REST now starts 3 bars after the last one seen: those 3 are gone.
        let second = try await Self.session(Array(stream[33..<40]), Array(stream[40...]), database: db, config: config, bars: 7 + 10)
        let expected = "BTC/USD: 3 minutes from \(UTCTime.iso(stream[30].timestampMs)) are older than Kraken's REST history"
        #expect(second.lines.contains { $0.hasPrefix(expected) }, "\(second.lines.prefix(5))")
        #expect(second.summary.gapBars == 7 && second.summary.replayedBars == 30)
        #expect(try second.ledger.thoughts().contains { $0.message.hasPrefix(expected) && $0.severity == "warning" })
    }

    @Test func aJournalFromAnotherConfigurationIsRefusedUntilFresh() async throws {
        let (_, history, stream) = try P.script()
        let config = try P.config()
        let k = try Self.stopWithAnOpenPosition(history, stream, config)
        let db = Fixtures.scratch("resume-config") + "/live.db"
        _ = try await Self.session(history, stream, database: db, config: config, bars: k)
        let journaled = try LiveLedger(store: try ResultsStore(path: db)).journal().count
        let firstIDs = Set(try LiveLedger(store: try ResultsStore(path: db)).trades().map(\.tradeID))

        var other = config
        other.strategies.smaCross.slow = 21
        do {
            _ = try await Self.session(history, stream, database: db, config: other, bars: 5)
            Issue.record("a journal of another configuration was resumed")
        } catch let e as LiveError {
            #expect("\(e)".contains("journaled with another configuration or other pairs") && "\(e)".contains("1 open position") && "\(e)".contains("--fresh"))
        }
        let ledger = LiveLedger(store: try ResultsStore(path: db))
        #expect(try ledger.journal().count == journaled)        // the refusal changed nothing
        #expect(try ledger.trades(status: "open").count == 1)

        // Only the endpoints changed: the same journal, resumed.
        var moved = config
        moved.live.statusPort = 9999
        #expect(JournalEntry.fingerprint(moved, pairs: [try Pair(parsing: "BTC/USD")]) == JournalEntry.fingerprint(config, pairs: [try Pair(parsing: "BTC/USD")]))

        let fresh = try await Self.session(history, stream, database: db, config: other, bars: 5, fresh: true)
        #expect(fresh.lines.contains("--fresh: a new journal; 1 open position of the ledger marked cancelled"))
        #expect(fresh.lines.contains { $0.hasPrefix("warm-up: 400 bars") })
        let cancelled = try fresh.ledger.trades(status: "cancelled")
        #expect(cancelled.count == 1 && cancelled[0].notes == "abandoned: --fresh started a new journal")
        // The new journal's trades are numbered from 1 again: prefixed, they overwrite nothing.
        let more = try await Self.session(history, stream, database: db, config: other, bars: 60)
        #expect(more.summary.replayedBars == 5)
        let all = try more.ledger.trades()
        #expect(Set(all.filter { !$0.tradeID.hasPrefix("S2-") }.map(\.tradeID)) == firstIDs)
        #expect(all.contains { $0.tradeID.hasPrefix("S2-T-") })
        #expect(Set(all.map(\.tradeID)).count == all.count)
        #expect(try more.ledger.trades(status: "cancelled").first?.tradeID == cancelled[0].tradeID)
    }

    @Test func latencyQuantilesAreNearestRank() {
        var l = LatencySamples()
        #expect(l.quantileMicros(0.5) == nil)
        for v in [5_000, 1_000, 3_000, 2_000, 4_000] as [UInt64] { l.record(v) }
        #expect(l.quantileMicros(0.5) == 3 && l.quantileMicros(0.99) == 5 && l.quantileMicros(0) == 1 && l.quantileMicros(1) == 5)
    }

    @Test func journalEntriesRoundTripExactly() throws {
        let bar = Bar(timestampMs: 1_717_200_000_000, open: 0.1 + 0.2, high: 67_890.123456789, low: 1e-9, close: 5e300, volume: 0)
        let entries: [JournalEntry] = [
            .warm(slot: 0, bar), .bar(slot: 1, bar),
            .book(slot: 0, OrderBookAnalysis(obi: 1.0 / 3.0, bookScore: -0.25, bidVolume: 5, askVolume: 2.5, spreadBps: 0.1, whale: (.ask, 67_001.5, 12.5))),
            .book(slot: 1, OrderBookAnalysis(obi: 0, bookScore: 0, bidVolume: 1, askVolume: 1, spreadBps: 3, whale: nil)),
            .book(slot: 0, nil), .block("paused by the operator (novapulse live resume lifts it)"), .block(nil),
            .slotBlock(slot: 1, "ETH/USD data is stale (last bar 2024-06-01T00:00:00Z), since"), .slotBlock(slot: 1, nil), .closeAll(atMs: 42),
            .entryBook(.init(pair: "BTC/USD", timestamp: "2024-06-01T00:01:00Z", tradeID: "S2-T3", bidVolume: 5, askVolume: 2.5, obi: 1.0 / 3.0,
                             spread: 0.5, levels: #"{"asks":[[67001.5,2.5]],"bids":[[67001,5]]}"#)),
        ]
        let back = try entries.map { try JournalEntry($0.row) }
        #expect(back == entries)
        if case .bar(_, let b) = back[1] { #expect(b.open == 0.1 + 0.2 && b.high == 67_890.123456789 && b.close == 5e300) }
        if case .book(_, let a?) = back[2] { #expect(a.whale?.side == .ask && a.whale?.size == 12.5 && a.obi == 1.0 / 3.0) }
        for bad in [LiveLedger.JournalRow(kind: "bar", slot: 0, ts: 1, payload: "1,2,3,4"),
                    LiveLedger.JournalRow(kind: "bar", slot: 0, ts: 1, payload: "1,2,x,4,5"),
                    LiveLedger.JournalRow(kind: "book", slot: 0, ts: 0, payload: "1,2,3,4,5,bid,7"),
                    LiveLedger.JournalRow(kind: "trade", slot: 0, ts: 0, payload: ""),
                    LiveLedger.JournalRow(kind: "entry_book", slot: -1, ts: 0, payload: #"{"pair":"BTC/USD"}"#)] {
            #expect(throws: JournalEntry.Malformed.self) { try JournalEntry(bad) }
        }
    }
}
