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
        // Kraken's Time has whole seconds and the call takes a while on a loaded machine: 90 days, give or take 2 s.
        let said = r.lines.first { $0.hasPrefix("the local clock is ") && $0.hasSuffix(" s ahead of Kraken's (start): bars close on Kraken's time") }
        let seconds = said.flatMap { Int64($0.dropFirst("the local clock is ".count).prefix { $0.isNumber }) }
        #expect(seconds.map { abs($0 - lag / 1_000) <= 2 } == true, "\(r.lines)")
        // The streamed bars, one after another: no flat minutes invented up to the local time.
        let live = try r.ledger.journal().filter { $0.kind == "bar" }.map(\.ts)
        #expect(r.summary.liveBars == 50 && r.summary.stopReason == "50 live bars")
        #expect(live == script.stream.prefix(50).map(\.timestampMs))
    }
}
