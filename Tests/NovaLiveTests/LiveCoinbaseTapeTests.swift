import Foundation
import NovaCoinbase
import NovaConfig
import NovaCore
import NovaFakeCoinbase
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// A Coinbase session recorded on a wire tape against the fake, then replayed with no network
/// through the same adapter code: the same decisions as the recorded session and as the
/// backtest on the same bars, every time.
@Suite(.serialized) struct LiveCoinbaseTapeTests {
    static func session(_ wiring: LiveWiring, baseURL: String, wsURL: String, database: String, bars: Int?) async throws -> (LiveSummary, [LiveLedger.TradeRow]) {
        var (options, _) = try LivePaperTests.options(database, config: try LiveCoinbasePaperTests.config(), bars: bars)
        options.clock = wiring.clock
        let rest = CoinbaseRESTClient(transport: wiring.transport, baseURL: baseURL, credentials: nil, clock: wiring.clock)
        let ledger = LiveLedger(store: try ResultsStore(path: database))
        let runtime = LiveRuntime(options: options, market: CoinbaseMarketData(rest: rest, wsURL: wsURL), connector: wiring.connector, ledger: ledger)
        let summary = try await runtime.run()
        return (summary, try ledger.trades().sorted { $0.tradeID < $1.tradeID })
    }

    @Test func aRecordedCoinbaseSessionReplaysToTheSameDecisions() async throws {
        let dir = Fixtures.scratch("coinbase-tape")
        let (script, history, stream) = try LiveCoinbasePaperTests.script { $0.disconnectAfterBars = 25 }
        let fake = FakeCoinbase(script: script)
        try fake.start()
        let http = HTTPClientTransport(group: LivePaperTests.group)
        let recording = try LiveWiring(http: http, ws: WebSocketKitConnector(group: LivePaperTests.group), recordDirectory: dir + "/tapes", replay: nil,
                                       pairs: [Pair(base: "BTC", quote: "USD")], exchange: "coinbase")
        let recorder = try #require(recording.recorder)
        let (live, recorded) = try await Self.session(recording, baseURL: fake.restURL, wsURL: fake.wsURL, database: dir + "/recorded.db", bars: 119)
        await http.shutdown()
        fake.stop()
        try await Task.sleep(nanoseconds: 100_000_000)
        recorder.close()
        #expect(live.reconnects == 1 && live.liveBars == 119)
        #expect(!recorded.isEmpty)
        #expect((recorder.path as NSString).lastPathComponent.hasPrefix("coinbase-"))

        let tape = try Tape(path: recorder.path)
        #expect(tape.header.exchange == "coinbase" && tape.header.pairs == ["BTC/USD"])
        #expect(tape.events.filter { $0.kind == .rest && $0.path.contains("/candles?") }.count == 3)
        #expect(tape.events.filter { $0.kind == .frame && $0.text.contains(#""channel":"market_trades""#) }.count >= 119)

        // The backtest on the same bars decides the same.
        let backtest = try LivePaperTests.reference(history, Array(stream.dropLast()), config: try LiveCoinbasePaperTests.config())
        #expect(backtest.map(\.tradeID) == recorded.map(\.tradeID))
        #expect(backtest.map(\.entryPrice) == recorded.map(\.entryPrice) && backtest.map(\.exitPrice) == recorded.map(\.exitPrice))

        // `data import --kind tape`: the tape's bars (REST candles, then the bars its
        // market_trades close, by the feed code) are the session's, and the backtest on them,
        // warm-up as the session primed, trades as it did.
        let session = try TapeBars.read(tape, pair: Pair(base: "BTC", quote: "USD"))
        let k = try #require(session.bars.firstIndex { $0.timestampMs == session.firstLiveMs })
        #expect(session.firstLiveMs == stream[0].timestampMs && session.bars.count - k == 119, "\(session.bars.count) \(k)")
        // The live bars are the session's minutes; their values are the fake's stream unless the
        // suite's load delayed a minute's trades past its close (then the session, and the
        // tape with it, closed that minute flat: the parity below is what must hold).
        let closed = Array(session.bars[k...]), streamed = Array(stream.prefix(119))
        #expect(closed.map(\.timestampMs) == streamed.map(\.timestampMs))
        #expect(zip(closed, streamed).filter { $0 == $1 }.count >= 110, "\(zip(closed, streamed).filter { $0 != $1 })")
        #expect(session.bars[..<k].suffix(400).map(\.timestampMs) == history.suffix(400).map(\.timestampMs))
        let fromTape = try LivePaperTests.reference(Array(session.bars[..<k].suffix(400)), Array(session.bars[k...]), config: try LiveCoinbasePaperTests.config())
        #expect(fromTape.map(\.tradeID) == recorded.map(\.tradeID) && fromTape.map(\.exitPrice) == recorded.map(\.exitPrice))

        // The same from the command line: filed under coinbase (the tape's exchange), with the
        // backtest command that replays the session.
        try FileManager.default.createDirectory(atPath: dir + "/ws", withIntermediateDirectories: true)
        let imported = try LiveCommandTests.finish(["data", "import", recorder.path, "--kind", "tape"], workspace: dir + "/ws", env: [:])
        #expect(imported.0 == 0 && imported.1.contains(" 1m bars of BTC/USD (coinbase)"), "\(imported)")
        #expect(imported.1.contains("novapulse backtest --pair BTC/USD --exchange coinbase --from "), "\(imported.1)")

        // Replayed twice with the fake gone: the same trades.
        for round in 0..<2 {
            let replay = try LiveWiring(http: http, ws: WebSocketKitConnector(group: LivePaperTests.group), recordDirectory: nil, replay: tape, pairs: [])
            let (s, trades) = try await Self.session(replay, baseURL: "http://127.0.0.1:1", wsURL: "ws://127.0.0.1:1/ws",
                                                     database: dir + "/replay-\(round).db", bars: nil)
            #expect(s.stopReason == "end of tape", "\(s)")
            #expect(s.liveBars == 119 && s.warmupBars == 400 && s.reconnects == 1, "\(s.liveBars) \(s.warmupBars) \(s.reconnects)")
            #expect(trades.map(\.tradeID) == recorded.map(\.tradeID))
            #expect(trades.map(\.entryPrice) == recorded.map(\.entryPrice) && trades.map(\.exitPrice) == recorded.map(\.exitPrice))
        }
    }
}
