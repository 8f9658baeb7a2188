import Foundation
import NovaCore
import NovaKraken

/// A tape's one-minute bars for `backtest` (`novapulse data import TAPE --kind tape`): the REST
/// OHLC history it holds, then the bars its WebSocket frames close, found by the same feed code
/// a live session runs (candle assembly, closing on the next `interval_begin` or on time).
public enum TapeBars {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The pair's bars, oldest first, one per minute (a live bar replaces a REST bar of the
    /// same minute: it is the later word).
    public static func bars(_ tape: Tape, pair: Pair) throws -> [Bar] { try read(tape, pair: pair).bars }

    /// A tape's bars for one pair, and where its session's live bars begin: the bars before
    /// `firstLiveMs` came from REST history and only primed the stack (entries blocked), so
    /// `backtest --trade-from` that time reproduces the session.
    public struct Session: Sendable {
        public var bars: [Bar]
        /// The first bar the WebSocket closed; nil when the tape closed none.
        public var firstLiveMs: Int64?
    }

    public static func read(_ tape: Tape, pair: Pair) throws -> Session {
        guard tape.header.exchange == "kraken" else { throw Failure(description: "tapes of \(tape.header.exchange) are not read yet (kraken only)") }
        var byMinute: [Int64: Bar] = [:]
        var instruments: [Pair: KrakenInstrument] = [:]
        for e in tape.events where e.kind == .rest && e.status == 200 {
            guard let result = try? KrakenReply.result(status: e.status, body: Data(e.text.utf8)) else { continue }
            if e.path.hasPrefix("/0/public/AssetPairs") {
                instruments.merge((try? KrakenInstrument.parse(result)) ?? [:]) { $1 }
            } else if e.path.hasPrefix("/0/public/OHLC"), e.path.contains("pair=\(KrakenNames.restPair(pair))"),
                      let ohlc = try? KrakenOHLC.parse(result) {
                for b in ohlc.bars { byMinute[b.timestampMs] = b }
            }
        }
        guard instruments[pair] != nil else {
            throw Failure(description: "the tape has no AssetPairs reply for \(pair) (pairs on it: \(tape.header.pairs.joined(separator: ", ")))")
        }
        // The WebSocket frames through the feed, connection by connection, as the runtime does.
        var feed = KrakenFeed(pairs: [pair], instruments: instruments, lastBars: [byMinute.values.max { $0.timestampMs < $1.timestampMs }])
        var connection = 0
        var firstLiveMs: Int64?
        for e in tape.events where e.kind == .frame || e.kind == .connect || e.kind == .close {
            var actions: [KrakenFeed.Action] = []
            switch e.kind {
            case .connect:
                connection = e.connection
                actions = feed.connected(nowMs: e.atMs)
            case .close where e.connection == connection:
                actions = feed.closed(reason: e.text, nowMs: e.atMs)
            case .frame where e.connection == connection:
                actions = feed.frame(e.text, nowMs: e.atMs) + feed.tick(nowMs: e.atMs)
            default: break
            }
            for case .bar(let p, let b) in actions where p == pair {
                byMinute[b.timestampMs] = b
                firstLiveMs = min(firstLiveMs ?? b.timestampMs, b.timestampMs)
            }
        }
        return Session(bars: byMinute.keys.sorted().map { byMinute[$0]! }, firstLiveMs: firstLiveMs)
    }

    /// The bars as the CSV `data import` reads (`timestamp,open,high,low,close,volume`).
    public static func csv(_ bars: [Bar]) -> String {
        var out = "timestamp,open,high,low,close,volume\n"
        for b in bars { out += "\(b.timestampMs),\(b.open),\(b.high),\(b.low),\(b.close),\(b.volume)\n" }
        return out
    }
}
