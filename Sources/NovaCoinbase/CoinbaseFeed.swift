import Foundation
import NovaCore
import NovaVenue

/// Coinbase Advanced Trade's public market data (exchange-crib.md §4) as a state machine, as
/// `KrakenFeed` is for Kraken: frames, time and connection changes go in, actions come out.
///
/// - On every (re)connect it subscribes at once (Coinbase drops a connection with no subscribe
///   within 5 s), one channel per message: `heartbeats` (keeps a quiet connection open, and
///   its counter must rise by one), `level2` and `market_trades` for every pair.
/// - The books follow `CoinbaseMarketState`: a break of the connection's sequence numbers (or
///   of the heartbeat counter, or a crossed book) clears every book and re-subscribes `level2`
///   (unsubscribe, then subscribe) for a fresh snapshot. Counted in `checksumMismatches`, the
///   feed protocol's count of integrity failures (Coinbase has no checksum).
/// - 1-minute bars are built from `market_trades` (`TradeBarBuilder`); a minute closes on the
///   feed's own time (the trades' times: `FeedDelay`), so a feed running behind keeps the last
///   seconds of each minute in its bar.
/// - A connection with no text frame for `silentConnectionMs` is dead: reconnect with backoff
///   (x1.5 from `reconnectMinMs` to `reconnectMaxMs`, seeded jitter).
public struct CoinbaseFeed: MarketFeed {
    public let settings: FeedSettings
    public let pairs: [Pair]
    public private(set) var connected = false
    public private(set) var market: CoinbaseMarketState
    private var builders: [String: TradeBarBuilder]
    private var byProduct: [String: Pair]
    private var lastFrameMs: Int64 = 0
    private var backoff: ReconnectBackoff
    public private(set) var reconnects = 0
    public private(set) var resubscriptions = 0
    public private(set) var checksumMismatches = 0
    public private(set) var framesSeen = 0
    public var clockOffsetMs: Int64 = 0
    public private(set) var delay = FeedDelay()
    /// Makes the JWT of a subscribe (nil: public channels unauthenticated).
    private let jwt: (@Sendable () -> String?)?

    public init(pairs: [Pair], lastBars: [Bar?], settings: FeedSettings = FeedSettings(), jwt: (@Sendable () -> String?)? = nil) {
        self.settings = settings
        self.pairs = pairs
        self.jwt = jwt
        backoff = ReconnectBackoff(seed: settings.seed)
        let ids = pairs.map(CoinbaseNames.productID)
        market = CoinbaseMarketState(productIDs: ids)
        var builders: [String: TradeBarBuilder] = [:]
        var byProduct: [String: Pair] = [:]
        for (i, p) in pairs.enumerated() {
            let id = CoinbaseNames.productID(p)
            byProduct[id] = p
            let last = i < lastBars.count ? lastBars[i] : nil
            builders[id] = TradeBarBuilder(productID: id, graceMs: settings.candleGraceMs, after: last?.timestampMs ?? .min, lastClose: last?.close)
        }
        self.builders = builders
        self.byProduct = byProduct
    }

    public func bookLevels(_ pair: Pair) -> BookLevels? {
        guard let b = market.books[CoinbaseNames.productID(pair)], b.isValid else { return nil }
        let (bids, asks) = b.top(settings.bookDepth)
        guard !bids.isEmpty || !asks.isEmpty else { return nil }
        return BookLevels(bidPrices: bids.map(\.price), bidSizes: bids.map(\.size), askPrices: asks.map(\.price), askSizes: asks.map(\.size))
    }

    public mutating func connected(nowMs: Int64) -> [FeedAction] {
        connected = true
        lastFrameMs = nowMs
        market.reconnected()
        let ids = pairs.map(CoinbaseNames.productID)
        return ["heartbeats", "level2", "market_trades"].map { channel in
            .send(String(decoding: CoinbaseWSMessage.subscribe(channel: channel, productIDs: channel == "heartbeats" ? [] : ids, jwt: jwt?()), as: UTF8.self))
        }
    }

    public mutating func closed(reason: String, nowMs: Int64) -> [FeedAction] {
        let wasConnected = connected
        connected = false
        reconnects += 1
        return backoff.closed(wasConnected: wasConnected, reason: reason, settings: settings)
    }

    public mutating func frame(_ text: String, nowMs: Int64) -> [FeedAction] {
        lastFrameMs = nowMs
        framesSeen += 1
        let m: CoinbaseWSMessage
        do { m = try CoinbaseWSMessage.parse(Data(text.utf8)) } catch {
            return [.log(level: "warning", message: "\(error)")]
        }
        var out: [FeedAction] = []
        if case .resubscribeLevel2(let ids, let reason) = market.handle(m) {
            checksumMismatches += 1
            resubscriptions += 1
            out.append(.log(level: "warning", message: "Coinbase \(reason): books of \(ids.joined(separator: ", ")) cleared, resubscribing level2"))
            out.append(.send(String(decoding: CoinbaseWSMessage.subscribe(channel: "level2", productIDs: ids, jwt: jwt?(), unsubscribe: true), as: UTF8.self)))
            out.append(.send(String(decoding: CoinbaseWSMessage.subscribe(channel: "level2", productIDs: ids, jwt: jwt?()), as: UTF8.self)))
        }
        switch m {
        case .level2(let events, _):
            for pid in Set(events.map(\.productID)).sorted() {
                if let p = byProduct[pid], market.books[pid]?.isValid == true { out.append(.book(p)) }
            }
        case .marketTrades(let trades, _):
            backoff.reset()
            for t in trades { delay.sample(receivedMs: nowMs, updateMs: t.timeMs) }
            for pid in Set(trades.map(\.productID)).sorted() {
                guard let p = byProduct[pid] else { continue }
                for b in builders[pid]!.trades(trades) { out.append(.bar(p, b)) }
            }
        case .error(let text):
            out.append(.log(level: "error", message: "Coinbase says: \(text)"))
        case .subscriptions, .heartbeat, .user, .other:
            break
        }
        return out
    }

    public mutating func tick(nowMs: Int64) -> [FeedAction] {
        var out: [FeedAction] = []
        let lag = delay.estimate(atMs: nowMs)
        let feedNow = nowMs - max(lag ?? -clockOffsetMs, -clockOffsetMs)
        for p in pairs {
            let id = CoinbaseNames.productID(p)
            for b in builders[id]!.tick(nowMs: feedNow) { out.append(.bar(p, b)) }
        }
        guard connected else { return out }
        if nowMs - lastFrameMs > settings.silentConnectionMs {
            out.append(.disconnect(reason: "no text frame for \(settings.silentConnectionMs / 1000) s"))
        }
        return out
    }

}
