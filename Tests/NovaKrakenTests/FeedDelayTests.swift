import NovaCore
import Testing
@testable import NovaKraken
import NovaVenue

/// A feed that runs behind the local clock (issue 30): quiet minutes close on the feed's
/// time, so the trades of a minute's last seconds stay in its bar.
@Suite struct FeedDelayTests {
    static let pair = try! Pair(parsing: "BTC/USD")
    static let minute: Int64 = 1_700_000_040_000      // a minute's start, on Kraken's clock

    /// One `ohlc` update of the minute, last changed at `updateMs`.
    static func update(volume: Double, close: Double, updateMs: Int64) -> String {
        #"{"channel":"ohlc","type":"update","data":[{"symbol":"BTC/USD","open":100,"high":101,"low":99,"close":\#(close),"trades":3,"volume":\#(volume),"vwap":100,"interval_begin":"\#(UTCTime.iso(minute))","interval":1,"timestamp":"\#(UTCTime.iso(updateMs))"}]}"#
    }

    static func feed() -> KrakenFeed {
        var f = KrakenFeed(pairs: [pair], instruments: [:], lastBars: [Bar(timestampMs: minute - 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1)])
        _ = f.connected(nowMs: minute)
        return f
    }

    static func bars(_ actions: [KrakenFeed.Action]) -> [Bar] {
        actions.compactMap { if case .bar(_, let b) = $0 { return b } else { return nil } }
    }

    /// Updates of one minute as a feed `lagMs` behind delivers them, the last one 55 s into
    /// the minute; ticks every second; the bar the feed closes.
    static func closeOneMinute(lagMs: Int64) -> (bar: Bar?, closedAtMs: Int64?, logs: [String]) {
        var f = feed()
        let updates: [(at: Int64, volume: Double, close: Double)] = [(10_000, 1, 100.5), (30_000, 2, 100.7), (55_000, 3, 100.9)]
        var pending = updates
        var logs: [String] = []
        for t in stride(from: minute, through: minute + 120_000, by: 1_000) {
            while let u = pending.first, minute + u.at + lagMs <= t {
                pending.removeFirst()
                #expect(bars(f.frame(update(volume: u.volume, close: u.close, updateMs: minute + u.at), nowMs: t)).isEmpty)
            }
            let actions = f.tick(nowMs: t)
            logs += actions.compactMap { if case .log(_, let m) = $0 { return m } else { return nil } }
            if let b = bars(actions).first { return (b, t, logs) }
        }
        return (nil, nil, logs)
    }

    @Test func aFeed25SecondsBehindKeepsTheEndOfTheMinuteInItsBar() {
        // On time: the bar closes 2 s after the minute with all of it.
        let onTime = Self.closeOneMinute(lagMs: 0)
        #expect(onTime.bar?.volume == 3 && onTime.bar?.close == 100.9 && onTime.closedAtMs == Self.minute + 62_000)
        #expect(onTime.logs.isEmpty)
        // 25 s behind: the update made 55 s into the minute arrives at 80 s; the bar waits for it
        // (closing on the local clock's 62 s would have cut its volume by a third).
        let late = Self.closeOneMinute(lagMs: 25_000)
        #expect(late.bar?.volume == 3 && late.bar?.close == 100.9)
        #expect(late.closedAtMs == Self.minute + 87_000)
        #expect(late.logs == ["the feed's updates arrive 25 s after their time on Kraken's clock: a quiet minute closes that much later, so its last trades are in its bar"])
    }

    @Test func theDelayIsTheSmallestGapOfTheLastMinutesAndOutlivesAQuietFeed() {
        var d = FeedDelay()
        #expect(d.estimate(atMs: 0) == nil)
        d.sample(receivedMs: 1_000, updateMs: 0)
        d.sample(receivedMs: 2_000, updateMs: 1_700)       // the least delayed update sets it
        d.sample(receivedMs: 30_000, updateMs: 25_000)
        #expect(d.estimate(atMs: 30_000) == 300)
        #expect(d.estimate(atMs: 70_000) == 300)           // the previous minute still counts
        d.sample(receivedMs: 75_000, updateMs: 70_000)
        #expect(d.estimate(atMs: 80_000) == 300)
        #expect(d.estimate(atMs: 131_000) == 5_000)        // the first minute has left the window
        // No update for minutes (a quiet market): the last estimate stays.
        #expect(d.estimate(atMs: 900_000) == 5_000)
    }

    @Test func beforeAnyUpdateTheTimeOffsetSetsTheClosingTime() {
        var f = Self.feed()
        f.clockOffsetMs = -30_000       // the local clock 30 s ahead of Kraken's
        #expect(Self.bars(f.frame(#"{"channel":"ohlc","type":"snapshot","data":[{"symbol":"BTC/USD","open":100,"high":101,"low":99,"close":100.5,"trades":3,"volume":1,"vwap":100,"interval_begin":"\#(UTCTime.iso(Self.minute))","interval":1,"timestamp":"\#(UTCTime.iso(Self.minute + 1_000))"}]}"#, nowMs: Self.minute + 31_000)).isEmpty)
        #expect(Self.bars(f.tick(nowMs: Self.minute + 91_000)).isEmpty)
        #expect(Self.bars(f.tick(nowMs: Self.minute + 92_000)).map(\.volume) == [1])
    }
}
