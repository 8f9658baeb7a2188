import Foundation
import NIOPosix
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaKraken
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// Wire tapes: a session recorded against the fake Kraken, then replayed with no network
/// through the same adapter code, decides the same, every time.
@Suite(.serialized) struct LiveTapeTests {
    typealias P = LivePaperTests

    struct Run {
        var summary: LiveSummary
        var trades: [LiveLedger.TradeRow]
    }

    static func session(_ wiring: LiveWiring, database: String, bars: Int?) async throws -> Run {
        var (options, _) = try P.options(database, config: try P.config(), bars: bars)
        options.clock = wiring.clock
        let rest = try KrakenRESTClient(transport: wiring.transport, baseURL: "http://127.0.0.1:1", credentials: nil, tier: .starter,
                                        persistedNonce: 0, storeNonce: { _ in }, clock: wiring.clock)
        let ledger = LiveLedger(store: try ResultsStore(path: database))
        let runtime = LiveRuntime(options: options, rest: rest, connector: wiring.connector, wsURL: "ws://127.0.0.1:1/v2", ledger: ledger)
        let summary = try await runtime.run()
        return Run(summary: summary, trades: try ledger.trades().sorted { $0.tradeID < $1.tradeID })
    }

    @Test func aRecordedSessionReplaysToTheSameDecisionsWithNoNetwork() async throws {
        let dir = Fixtures.scratch("tape")
        let (script, _, _) = try P.script { $0.disconnectAfterBars = 25 }
        let fake = FakeKraken(script: script)
        try fake.start()
        let http = HTTPClientTransport(group: P.group)
        var recording = try LiveWiring(http: http, ws: WebSocketKitConnector(group: P.group), recordDirectory: dir + "/tapes", replay: nil,
                                       pairs: [try Pair(parsing: "BTC/USD")])
        // The fake's URLs: the recorder keeps paths only, so the replay needs no host.
        let rest = try KrakenRESTClient(transport: recording.transport, baseURL: fake.restURL, credentials: nil, tier: .starter,
                                        persistedNonce: 0, storeNonce: { _ in }, clock: WallClock())
        let (options, _) = try P.options(dir + "/recorded.db", config: try P.config(), bars: 119)
        let recordedLedger = LiveLedger(store: try ResultsStore(path: options.databasePath))
        let recorder = try #require(recording.recorder)
        let live = try await LiveRuntime(options: options, rest: rest, connector: recording.connector, wsURL: fake.wsURL, ledger: recordedLedger).run()
        await http.shutdown()
        fake.stop()
        try await Task.sleep(nanoseconds: 100_000_000)      // the last close frame reaches the recorder
        recorder.close()
        recording = try LiveWiring(http: http, ws: WebSocketKitConnector(group: P.group), recordDirectory: nil, replay: nil, pairs: [])
        #expect(live.reconnects == 1 && live.liveBars == 119)
        let recorded = try recordedLedger.trades().sorted { $0.tradeID < $1.tradeID }
        #expect(!recorded.isEmpty)

        let tape = try Tape(path: recorder.path)
        #expect(!tape.truncated && tape.header.pairs == ["BTC/USD"] && tape.header.exchange == "kraken")
        #expect(tape.events.contains { $0.kind == .rest && $0.path.hasPrefix("/0/public/OHLC?") && $0.status == 200 })
        #expect(tape.events.filter { $0.kind == .connect }.map(\.connection) == [1, 2])
        #expect(tape.events.contains { $0.kind == .close && $0.connection == 1 })
        #expect(tape.events.filter { $0.kind == .frame && $0.text.contains(#""channel":"ohlc""#) }.count >= 119)

        // Parity: the tape's bars (REST history, then the bars its frames close, by the feed
        // code) through the backtest's engine, warm-up blocked as live primes, trade as live did.
        let bars = try TapeBars.bars(tape, pair: try Pair(parsing: "BTC/USD"))
        #expect(bars.count == 400 + 119 && zip(bars, bars.dropFirst()).allSatisfy { $1.timestampMs - $0.timestampMs == 60_000 })
        let backtest = try P.reference(Array(bars[..<400]), Array(bars[400...]), config: try P.config())
        #expect(backtest.map(\.tradeID) == recorded.map(\.tradeID))
        #expect(backtest.map(\.entryPrice) == recorded.map(\.entryPrice) && backtest.map(\.exitPrice) == recorded.map(\.exitPrice))
        #expect(TapeBars.csv(Array(bars.prefix(1))).hasPrefix("timestamp,open,high,low,close,volume\n\(bars[0].timestampMs),\(bars[0].open),"))

        // Replayed twice, with the fake gone: the same trades, the same decisions.
        for round in 0..<2 {
            let replay = try LiveWiring(http: http, ws: WebSocketKitConnector(group: P.group), recordDirectory: nil, replay: tape, pairs: [])
            let r = try await Self.session(replay, database: dir + "/replay-\(round).db", bars: nil)
            #expect(r.summary.stopReason == "end of tape", "\(r.summary)")
            #expect(r.summary.liveBars == 119 && r.summary.reconnects == 1 && r.summary.warmupBars == 400, "\(r.summary.liveBars) \(r.summary.reconnects) \(r.summary.connections)")
            #expect(r.trades.map(\.tradeID) == recorded.map(\.tradeID))
            #expect(r.trades.map(\.entryPrice) == recorded.map(\.entryPrice) && r.trades.map(\.exitPrice) == recorded.map(\.exitPrice))
            #expect(r.trades.map(\.entryTime) == recorded.map(\.entryTime) && r.trades.map(\.status) == recorded.map(\.status))
            #expect(r.summary.decisions == live.decisions)
        }
    }

    @Test func aTapeCutOffMidFrameKeepsItsWholeFramesAndAForeignFileIsRefused() throws {
        let dir = Fixtures.scratch("tape-cut")
        let w = try TapeWriter(path: dir + "/t.tape.zst", header: TapeHeader(exchange: "kraken", pairs: ["BTC/USD"], startedMs: 1_000))
        w.record(TapeEvent(atMs: 1_001, kind: .rest, method: "GET", path: "/0/public/Time", status: 200, text: #"{"error":[]}"#))
        w.flush()
        w.record(TapeEvent(atMs: 1_002, kind: .connect, connection: 1, path: "ws://x/v2"))
        w.record(TapeEvent(atMs: 1_003, kind: .frame, connection: 1, text: #"{"channel":"heartbeat"}"#))
        w.flush()
        w.record(TapeEvent(atMs: 1_004, kind: .close, connection: 1, text: "bye"))
        w.close()
        let whole = try Tape(path: w.path)
        #expect(whole.events.map(\.atMs) == [1_001, 1_002, 1_003, 1_004] && !whole.truncated)
        #expect(whole.events[2] == TapeEvent(atMs: 1_003, kind: .frame, connection: 1, text: #"{"channel":"heartbeat"}"#))
        // A crash mid-write: the last frame is cut.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: w.path))
        bytes.removeLast(5)
        try bytes.write(to: URL(fileURLWithPath: w.path))
        let cut = try Tape(path: w.path)
        #expect(cut.truncated && cut.events.map(\.atMs) == [1_001, 1_002, 1_003])
        try Data("timestamp,open\n".utf8).write(to: URL(fileURLWithPath: dir + "/bars.csv"))
        #expect(throws: Tape.Failure.self) { try Tape(path: dir + "/bars.csv") }
    }
}
