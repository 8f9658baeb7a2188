import NovaCore
import NovaMarketData
import NovaVenue

/// The order-book fill model: the pair's imported L2 snapshots are replayed between candles,
/// each in force from its time to the next one's, and orders meet the book in force when they
/// arrive (decision plus latency):
/// - Market orders walk the levels of that snapshot, one fill per level at the level's price
///   (their VWAP is the price of the levels consumed). Liquidity taken by one order is gone for
///   the next until the following snapshot. What the visible depth cannot fill waits for the
///   next snapshot.
/// - Limit orders that cross take liquidity the same way up to their price (taker); what is
///   left rests at its price with a queue position: the size already at that level when it
///   arrived. The size ahead shrinks with trades at that price (from the imported trades) and
///   can never exceed what the level still shows (a level that shrinks lost size ahead of us:
///   the conservative reading). Trades beyond the size ahead fill it, as a maker, at its price.
///   A trade through its price, or the opposite side reaching it, fills all of it.
/// - Post-only orders that would cross end at once: Kraken cancels them ("Post only order"),
///   Coinbase rejects them (`INVALID_LIMIT_PRICE_POST_ONLY`).
/// - Stops trigger on the last trade price, as both exchanges do by default (Kraken
///   `trigger=last`); without imported trades, on the best bid (sell stops) or best ask (buy
///   stops). A triggered stop walks the book; a triggered stop-limit becomes a limit order.
/// - Bars without snapshots (or with only a snapshot older than 5 s at the bar's open) are
///   matched on candles; the run's notes count them.
extension SimulatedVenue {
    static let bookStaleMs: Int64 = 5_000

    /// The snapshots in force during `bar`, or nil when the book does not cover it.
    func bookWindow(_ pair: Pair, _ bar: Bar) -> ClosedRange<Int>? {
        guard let s = books[pair]?.snapshots, s.count > 0 else { return nil }
        let start = bar.timestampMs, end = bar.timestampMs + settings.barMs
        var j0 = s.lastIndex(atOrBefore: start)
        if j0 < 0 || start - s.timestampMs[j0] > Self.bookStaleMs { j0 += 1 }
        guard j0 < s.count, s.timestampMs[j0] < end else { return nil }
        return j0...s.lastIndex(atOrBefore: end - 1)
    }

    mutating func matchOnBook(_ pair: Pair, _ bar: Bar, window: ClosedRange<Int>, events: inout [VenueEvent]) {
        let s = books[pair]!.snapshots
        let tape = books[pair]!.trades
        let pid = pairID(pair)
        for j in window {
            let now = max(s.timestampMs[j], bar.timestampMs)
            let nextMs = j + 1 < s.count ? s.timestampMs[j + 1] : Int64.max
            // Orders placed on a fill at this snapshot meet this snapshot too: repeat until a
            // pass matches nothing new.
            var progressed = true
            while progressed {
                progressed = false
                for pass in 0...2 {
                    var k = 0
                    while k < working.count {
                        guard working[k].pairID == pid, working[k].bookSeenMs < now, rank(working[k]) == pass else { k += 1; continue }
                        let a = arrival(k)
                        // Not arrived while this snapshot is the book: a later one meets it.
                        guard a < nextMs else { k += 1; continue }
                        working[k].bookSeenMs = now
                        progressed = true
                        let count = working.count, id = working[k].order.id
                        matchBookOrder(k, pair, s, tape, j, atMs: max(now, a), events: &events)
                        if working.count != count || k >= working.count || working[k].order.id != id { k = 0 } else { k += 1 }
                    }
                }
            }
        }
    }

    mutating func matchBookOrder(_ k: Int, _ pair: Pair, _ s: OrderBookSeries, _ tape: TradeTape?, _ j: Int, atMs: Int64, events: inout [VenueEvent]) {
        let kind = working[k].order.kind
        let buy = working[k].order.side == .buy
        if working[k].tapeIndex < 0 {
            // Trades from its arrival on concern it.
            working[k].tapeIndex = tape?.lowerBound(atMs) ?? 0
        }
        switch kind {
        case .market:
            walkBook(k, pair, s, j, limit: nil, atMs: atMs, events: &events)
        case .limit(let price):
            bookLimit(k, pair, s, tape, j, price: price, atMs: atMs, events: &events)
        case .stop(let trigger), .stopLimit(let trigger, _):
            if !working[k].triggered {
                guard stopTriggered(k, s, tape, j, trigger: trigger, buy: buy) else { return }
                working[k].triggered = true
            }
            if case .stopLimit(_, let limit) = kind {
                bookLimit(k, pair, s, tape, j, price: limit, atMs: atMs, events: &events)
            } else {
                walkBook(k, pair, s, j, limit: nil, atMs: atMs, events: &events)
            }
        }
    }

    /// Whether the last trade price (or, without trades, the touch) reached the trigger since
    /// the order last looked.
    mutating func stopTriggered(_ k: Int, _ s: OrderBookSeries, _ tape: TradeTape?, _ j: Int, trigger: Double, buy: Bool) -> Bool {
        guard let tape, tape.count > 0 else {
            return buy ? s.askPrice[j * s.depth] >= trigger : s.bidPrice[j * s.depth] <= trigger
        }
        let until = s.timestampMs[j]
        var t = working[k].tapeIndex
        defer { working[k].tapeIndex = t }
        while t < tape.count && tape.timestampMs[t] <= until {
            let p = tape.price[t]
            t += 1
            if buy ? p >= trigger : p <= trigger { return true }
        }
        return false
    }

    /// A limit order (or triggered stop-limit) at `price`: cross, or rest in the queue.
    mutating func bookLimit(_ k: Int, _ pair: Pair, _ s: OrderBookSeries, _ tape: TradeTape?, _ j: Int, price: Double, atMs: Int64,
                            events: inout [VenueEvent]) {
        let buy = working[k].order.side == .buy
        let id = working[k].order.id
        let d = s.depth
        let bestOpposite = buy ? s.askPrice[j * d] : s.bidPrice[j * d]
        let crossesNow = bestOpposite.isFinite && (buy ? bestOpposite <= price : bestOpposite >= price)
        if !working[k].resting {
            if crossesNow {
                if working[k].order.postOnly { endPostOnly(k, atMs: atMs, events: &events); return }
                walkBook(k, pair, s, j, limit: price, atMs: atMs, events: &events)
                guard k < working.count, working[k].order.id == id else { return }
            }
            working[k].resting = true
            working[k].queueAhead = levelSize(s, j, bid: buy, price: price)
            return
        }
        // Trades since it last looked: at its price they eat the size ahead, then fill it;
        // through its price they fill all of it.
        if let tape, tape.count > 0 {
            let until = s.timestampMs[j]
            while working[k].tapeIndex < tape.count && tape.timestampMs[working[k].tapeIndex] <= until {
                let t = working[k].tapeIndex
                working[k].tapeIndex += 1
                let p = tape.price[t], size = tape.size[t]
                let through = buy ? p < price - price * 1e-12 : p > price + price * 1e-12
                let atLevel = abs(p - price) <= price * 1e-12 && tape.takerBuys[t] != buy
                var fillable = 0.0
                if through {
                    fillable = .infinity
                } else if atLevel {
                    working[k].queueAhead -= size
                    if working[k].queueAhead < 0 { fillable = -working[k].queueAhead; working[k].queueAhead = 0 }
                }
                if fillable > 0 {
                    execute(k, maxUnits: fillable, price: price, isMaker: true, atMs: tape.timestampMs[t], events: &events)
                    guard k < working.count, working[k].order.id == id else { return }
                }
            }
        }
        // The other side reached its price: everything at its level traded, it included.
        if crossesNow {
            execute(k, maxUnits: .infinity, price: price, isMaker: true, atMs: atMs, events: &events)
            guard k < working.count, working[k].order.id == id else { return }
        }
        working[k].queueAhead = min(working[k].queueAhead, levelSize(s, j, bid: buy, price: price))
    }

    /// Size shown at `price` on one side of snapshot `j` (0 when no level is there).
    func levelSize(_ s: OrderBookSeries, _ j: Int, bid: Bool, price: Double) -> Double {
        let base = j * s.depth
        let tolerance = price * 1e-12
        for i in 0..<s.depth {
            let p = bid ? s.bidPrice[base + i] : s.askPrice[base + i]
            if !p.isFinite { return 0 }
            if abs(p - price) <= tolerance { return bid ? s.bidSize[base + i] : s.askSize[base + i] }
            if bid ? p < price : p > price { return 0 }
        }
        return 0
    }

    /// Takes liquidity from the opposite side of snapshot `j`, level by level, up to `limit`.
    mutating func walkBook(_ k: Int, _ pair: Pair, _ s: OrderBookSeries, _ j: Int, limit: Double?, atMs: Int64, events: inout [VenueEvent]) {
        let d = s.depth
        let buy = working[k].order.side == .buy
        let id = working[k].order.id
        if books[pair]!.consumedSnapshot != j {
            books[pair]!.consumedSnapshot = j
            for i in 0..<d { books[pair]!.consumedBid[i] = 0; books[pair]!.consumedAsk[i] = 0 }
        }
        func level(_ i: Int) -> (price: Double, available: Double) {
            let p = buy ? s.askPrice[j * d + i] : s.bidPrice[j * d + i]
            let size = buy ? s.askSize[j * d + i] : s.bidSize[j * d + i]
            return (p, size - (buy ? books[pair]!.consumedAsk[i] : books[pair]!.consumedBid[i]))
        }
        func withinLimit(_ p: Double) -> Bool { limit.map { buy ? p <= $0 : p >= $0 } ?? true }
        let spec = profile.instrument(pair)
        let rate = ledger.tier(profile, atMs: atMs).takerFee
        for i in 0..<d {
            let (p, available) = level(i)
            guard p.isFinite, withinLimit(p) else { return }
            let remaining = working[k].wanted(price: p, rate: rate, spec: spec)
            guard remaining > 0 else { return }
            guard available > 1e-12 else { continue }
            guard execute(k, maxUnits: available, price: p, isMaker: false, atMs: atMs, events: &events),
                  case .filled(let f)? = events.last else { return }
            if buy { books[pair]!.consumedAsk[i] += f.quantity } else { books[pair]!.consumedBid[i] += f.quantity }
            guard k < working.count, working[k].order.id == id else { return }
            // A fill short of the level (an injected partial fill): the rest waits.
            if f.quantity < min(available, remaining) * (1 - 1e-9) { return }
        }
    }
}
