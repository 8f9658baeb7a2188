import Foundation
import NovaCore
import NovaCoinbase
import NovaKraken
import NovaVenue

/// A tape's one-minute bars for `backtest` (`novapulse data import TAPE --kind tape`): the REST
/// history it holds (Kraken's OHLC, Coinbase's candles), then the bars its WebSocket frames
/// close, found by the same feed code a live session runs (Kraken: candle assembly, closing on
/// the next `interval_begin` or on time; Coinbase: bars built from `market_trades`).
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
        switch tape.header.exchange {
        case "kraken": return try readKraken(tape, pair: pair)
        case "coinbase": return try readCoinbase(tape, pair: pair)
        default: throw Failure(description: "tapes of \(tape.header.exchange) are not read (kraken and coinbase are)")
        }
    }

    static func readKraken(_ tape: Tape, pair: Pair) throws -> Session {
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
        var feed = KrakenFeed(pairs: [pair], instruments: instruments, lastBars: [byMinute.values.max { $0.timestampMs < $1.timestampMs }])
        return frames(tape, pair: pair, feed: &feed, bars: byMinute)
    }

    /// Coinbase: the REST one-minute candles the warm-up fetched (each page read as the
    /// session read it: the candle still forming when the reply came is left out), then the
    /// bars the feed builds from `market_trades`.
    static func readCoinbase(_ tape: Tape, pair: Pair) throws -> Session {
        var byMinute: [Int64: Bar] = [:]
        var listed = false
        let product = CoinbaseNames.productID(pair)
        for e in tape.events where e.kind == .rest && e.status == 200 {
            if e.path.contains("/market/products/\(product)/candles") {
                guard let c = try? JSONDecoder().decode(CoinbaseCandles.self, from: Data(e.text.utf8)) else { continue }
                for b in c.closedBars(nowMs: e.atMs) { byMinute[b.timestampMs] = b }
            } else if e.path.contains("/market/products"), let list = try? JSONDecoder().decode(CoinbaseProducts.self, from: Data(e.text.utf8)) {
                listed = listed || list.products.contains { $0.productID == product }
            }
        }
        guard listed else {
            throw Failure(description: "the tape has no products reply listing \(product) (pairs on it: \(tape.header.pairs.joined(separator: ", ")))")
        }
        var feed = CoinbaseFeed(pairs: [pair], lastBars: [byMinute.values.max { $0.timestampMs < $1.timestampMs }])
        return frames(tape, pair: pair, feed: &feed, bars: byMinute)
    }

    /// The WebSocket frames through `feed`, connection by connection, as the runtime hands
    /// them over; the bars it closes replace REST bars of the same minute.
    static func frames<F: MarketFeed>(_ tape: Tape, pair: Pair, feed: inout F, bars: [Int64: Bar]) -> Session {
        var byMinute = bars
        var connection = 0
        var firstLiveMs: Int64?
        for e in tape.events where e.kind == .frame || e.kind == .connect || e.kind == .close {
            var actions: [FeedAction] = []
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
