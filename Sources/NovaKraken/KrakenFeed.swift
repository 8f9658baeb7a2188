import NovaCore
import NovaVenue

/// The public market-data side of Kraken WebSocket v2 as a state machine: frames, time and
/// connection changes go in, actions come out (send this, reconnect after that long, this bar
/// closed, that book changed). No networking and no clock of its own, so the live driver and
/// the replay of a wire tape run exactly this code, and tests drive it frame by frame.
///
/// Rules (exchange-crib.md §2; LIVE-NOTES 2, 3): a connection with no text frame for
/// `silentConnectionMs` is dead (ping/pong frames never reach here and do not count);
/// reconnects back off from `reconnectMinMs` x1.5 up to `reconnectMaxMs` with up to 250 ms
/// of seeded jitter; every (re)connect resubscribes and rebuilds every book from a snapshot;
/// an acknowledged subscription that goes silent is resubscribed; a checksum mismatch clears
/// and resubscribes that pair's book, three in a row switch its validation off.
public struct KrakenFeed: MarketFeed {
    public typealias Action = FeedAction
    public typealias Settings = FeedSettings

    public let settings: Settings
    public let pairs: [Pair]
    public private(set) var connected = false
    public private(set) var integrity: BookIntegrity
    private var assemblers: [String: CandleAssembler]
    private var bySymbol: [String: Pair]
    private var lastFrameMs: Int64 = 0
    /// Last data (or ack) per `channel|symbol`, for per-subscription liveness.
    private var lastData: [String: Int64] = [:]
    private var reqID = 0
    private var backoff: ReconnectBackoff
    public private(set) var reconnects = 0
    public private(set) var resubscriptions = 0
    public private(set) var checksumMismatches = 0
    public private(set) var framesSeen = 0
    /// Kraken's clock minus the local one (from `Time`), used until the feed's own update
    /// times have been seen.
    public var clockOffsetMs: Int64 = 0
    /// How far the candles' update times run behind the local clock (see FeedDelay).
    public private(set) var delay = FeedDelay()
    private var saidLagging = false
    /// A feed further behind than this is said once (and again when it catches up).
    public static let sayDelayOverMs: Int64 = 5_000

    /// `lastBars[p]`: the last closed bar the stack was primed with (no bar at or before it is
    /// emitted again); nil for none.
    public init(pairs: [Pair], instruments: [Pair: KrakenInstrument], lastBars: [Bar?], settings: Settings = Settings()) {
        self.settings = settings
        self.pairs = pairs
        backoff = ReconnectBackoff(seed: settings.seed)
        var integrity = BookIntegrity()
        var assemblers: [String: CandleAssembler] = [:]
        var bySymbol: [String: Pair] = [:]
        for (i, p) in pairs.enumerated() {
            let s = KrakenNames.wsSymbol(p)
            bySymbol[s] = p
            let inst = instruments[p]
            integrity.track(s, depth: settings.bookDepth, pricePrecision: inst?.pairDecimals ?? 1, qtyPrecision: inst?.lotDecimals ?? 8)
            let last = i < lastBars.count ? lastBars[i] : nil
            assemblers[s] = CandleAssembler(intervalMs: 60_000, graceMs: settings.candleGraceMs, after: last?.timestampMs ?? .min, lastClose: last?.close)
        }
        self.integrity = integrity
        self.assemblers = assemblers
        self.bySymbol = bySymbol
    }

    public func book(_ pair: Pair) -> KrakenBook? { integrity.books[KrakenNames.wsSymbol(pair)] }

    public func bookLevels(_ pair: Pair) -> BookLevels? {
        guard let b = book(pair), !b.isEmpty else { return nil }
        let l = b.levels()
        return BookLevels(bidPrices: l.bidPrices, bidSizes: l.bidSizes, askPrices: l.askPrices, askSizes: l.askSizes)
    }

    /// The connection is open: subscribe to everything, books from fresh snapshots.
    public mutating func connected(nowMs: Int64) -> [Action] {
        connected = true
        lastFrameMs = nowMs
        integrity.resetAll()
        lastData.removeAll()
        let symbols = pairs.map(KrakenNames.wsSymbol)
        var out: [Action] = []
        out.append(.send(KrakenWSRequest.subscribe(channel: "ohlc", symbols: symbols, reqID: nextReq(), extra: ["interval": 1, "snapshot": true])))
        out.append(.send(KrakenWSRequest.subscribe(channel: "book", symbols: symbols, reqID: nextReq(),
                                                   extra: ["depth": settings.bookDepth, "snapshot": true])))
        for s in symbols { lastData["ohlc|" + s] = nowMs; lastData["book|" + s] = nowMs }
        return out
    }

    /// The connection ended (or could not be opened): reconnect after the backoff.
    public mutating func closed(reason: String, nowMs: Int64) -> [Action] {
        let wasConnected = connected
        connected = false
        reconnects += 1
        return backoff.closed(wasConnected: wasConnected, reason: reason, settings: settings)
    }

    public mutating func frame(_ text: String, nowMs: Int64) -> [Action] {
        lastFrameMs = nowMs
        framesSeen += 1
        switch KrakenWSMessage.parse(text) {
        case .heartbeat, .pong: return []
        case .status(let system): return [.systemStatus(system)]
        case .subscription(let method, let channel, let symbol, let success, let error, _):
            if let symbol { lastData[channel + "|" + symbol] = nowMs }
            if !success { return [.log(level: "error", message: "\(method) \(channel) \(symbol ?? "") refused: \(error ?? "no reason given")")] }
            return []
        case .ohlc(let type, let candles):
            backoff.reset()
            var out: [Action] = []
            for c in candles where c.intervalMinutes == 1 {
                guard let pair = bySymbol[c.symbol] else { continue }
                lastData["ohlc|" + c.symbol] = nowMs
                if let u = c.updateMs, type == "update" { delay.sample(receivedMs: nowMs, updateMs: u) }
                for b in assemblers[c.symbol]!.candle(c.bar) { out.append(.bar(pair, b)) }
            }
            return out
        case .book(let type, let books):
            var out: [Action] = []
            for m in books {
                guard let pair = bySymbol[m.symbol] else { continue }
                lastData["book|" + m.symbol] = nowMs
                switch integrity.apply(m, snapshot: type == "snapshot") {
                case .ok: out.append(.book(pair))
                case .waitingForSnapshot: break
                case .resubscribe(let n):
                    checksumMismatches += 1
                    resubscriptions += 1
                    out.append(.log(level: "warning", message: "\(m.symbol) book checksum mismatch (\(n) in a row): book cleared, resubscribing"))
                    out += resubscribe("book", m.symbol)
                case .validationDisabled:
                    checksumMismatches += 1
                    out.append(.log(level: "warning", message: "\(m.symbol): \(integrity.maxMismatches) book checksum mismatches in a row; "
                                    + "checksum validation is off for this pair only, the other pairs are still checked"))
                    out.append(.book(pair))
                }
            }
            return out
        case .ticker, .trade, .executions, .balances, .orderReply: return []
        case .other(let why): return [.log(level: "debug", message: "ignored frame: \(why)")]
        }
    }

    /// Time passes (`nowMs` on the local clock): dead connections, silent subscriptions,
    /// candles whose minute has ended on the feed's time.
    public mutating func tick(nowMs: Int64) -> [Action] {
        var out: [Action] = []
        let lag = delay.estimate(atMs: nowMs)
        // The delivery delay: what is left of the gap once the clocks' difference is taken out.
        if let late = lag.map({ $0 + clockOffsetMs }) {
            if late > Self.sayDelayOverMs, !saidLagging {
                saidLagging = true
                out.append(.log(level: "warning", message: "the feed's updates arrive \(late / 1_000) s after their time on Kraken's clock: "
                                + "a quiet minute closes that much later, so its last trades are in its bar"))
            } else if late < Self.sayDelayOverMs / 2, saidLagging {
                saidLagging = false
                out.append(.log(level: "warning", message: "the feed has caught up with Kraken's clock (updates \(max(late, 0)) ms after their time)"))
            }
        }
        // An update arrives after its time: a gap below what the Time offset implies is a
        // sample's rounding or a feed stamped ahead, and the later of the two closing times is taken.
        let feedNow = nowMs - max(lag ?? -clockOffsetMs, -clockOffsetMs)
        for p in pairs {
            let s = KrakenNames.wsSymbol(p)
            for b in assemblers[s]!.tick(nowMs: feedNow) { out.append(.bar(p, b)) }
        }
        guard connected else { return out }
        if nowMs - lastFrameMs > settings.silentConnectionMs {
            out.append(.disconnect(reason: "no text frame for \(settings.silentConnectionMs / 1000) s"))
            return out
        }
        for (key, t) in lastData.sorted(by: { $0.key < $1.key }) where nowMs - t > settings.silentSubscriptionMs {
            let parts = key.split(separator: "|").map(String.init)
            resubscriptions += 1
            out.append(.log(level: "warning", message: "\(parts[1]) \(parts[0]) silent for \((nowMs - t) / 1000) s: resubscribing"))
            out += resubscribe(parts[0], parts[1])
            lastData[key] = nowMs
        }
        return out
    }

    private mutating func resubscribe(_ channel: String, _ symbol: String) -> [Action] {
        let extra: [String: Any] = channel == "book" ? ["depth": settings.bookDepth] : ["interval": 1]
        var sub = extra
        sub["snapshot"] = true
        return [.send(KrakenWSRequest.unsubscribe(channel: channel, symbols: [symbol], reqID: nextReq(), extra: extra)),
                .send(KrakenWSRequest.subscribe(channel: channel, symbols: [symbol], reqID: nextReq(), extra: sub))]
    }

    private mutating func nextReq() -> Int { reqID += 1; return reqID }
}
