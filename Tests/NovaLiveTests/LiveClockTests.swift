import Foundation
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// A local clock that disagrees with the exchange's (issue 30): bars close on Kraken's time.
@Suite struct LiveClockTests {
    @Test func barsCloseOnTheExchangesTimeWhenTheLocalClockIsMonthsAhead() async throws {
        let lag: Int64 = 90 * 86_400_000
        let (script0, _, stream) = try LivePaperTests.script(intervalMs: 20)
        var script = script0
        script.history = script.history.map { Bar(timestampMs: $0.timestampMs - lag, open: $0.open, high: $0.high, low: $0.low, close: $0.close, volume: $0.volume) }
        script.stream = stream.map { Bar(timestampMs: $0.timestampMs - lag, open: $0.open, high: $0.high, low: $0.low, close: $0.close, volume: $0.volume) }
        script.serverTimeOffsetMs = -lag
        let r = try await LivePaperTests.run(script, config: try LivePaperTests.config(), bars: 50, seconds: 30)
        #expect(r.lines.contains { $0.contains("the local clock is 7776000 s ahead of Kraken's (start): bars close on Kraken's time") }, "\(r.lines)")
        // The streamed bars, one after another: no flat minutes invented up to the local time.
        let live = try r.ledger.journal().filter { $0.kind == "bar" }.map(\.ts)
        #expect(r.summary.liveBars == 50 && r.summary.stopReason == "50 live bars")
        #expect(live == script.stream.prefix(50).map(\.timestampMs))
    }
}
