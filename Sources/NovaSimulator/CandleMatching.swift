import NovaCore
import NovaVenue

/// The candle fill model: orders meet OHLCV bars, with these path assumptions (conservative
/// where a bar leaves the order of events open):
/// - An order is active from the first bar that opens at or after its arrival (decision plus
///   latency). With no latency, an order decided at a close meets the next bar's open; an order
///   placed during a bar (a stop placed on an entry fill) meets the rest of that bar. With
///   latency, an order that arrives inside a bar waits for the next one: a bar does not say
///   what traded after the moment it arrived.
/// - Market: the open of its first active bar (taker). A remainder left by the volume cap
///   fills at the following bars' opens.
/// - Limit: marketable at the open of its first active bar: the open (taker). Otherwise it
///   rests and fills at its price, as a maker, on a bar whose range reaches it.
/// - Stop (sell): triggers when the low reaches the trigger, filling at the trigger, or at
///   the open when the bar opened through it (a gap; taker). Stop-limit: triggers the same way
///   and fills like that when the price is still within its limit; after a gap through the
///   limit it rests as a limit at its limit price. Buy stops mirror these.
/// - Within one bar: markets, then stops, then limits: when a stop and a target both lie in
///   one bar, the stop (the worse outcome) fills first and one-cancels-other removes the target.
/// - Volume cap: all orders together take at most `participation` of the bar's volume; what
///   is left keeps working. A bar with zero volume fills nothing when a cap is set.
extension SimulatedVenue {
    mutating func matchOnCandle(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent]) {
        // Orders placed while this bar is matched (on a fill) are matched against the rest of
        // it in later passes; a pass that matches nothing new ends the bar.
        let pid = pairID(pair)
        var progressed = true
        while progressed {
            progressed = false
            for pass in 0...2 {
                var k = 0
                while k < working.count {
                    guard working[k].pairID == pid, working[k].matchedAtMs != bar.timestampMs, rank(working[k]) == pass else { k += 1; continue }
                    working[k].matchedAtMs = bar.timestampMs
                    let arrivalMs = arrival(k)
                    let restOfBar = working[k].intraBar && working[k].barsActive == 0 && settings.latencyMs == 0
                    guard arrivalMs <= bar.timestampMs || restOfBar else { k += 1; continue }
                    progressed = true
                    let firstBar = working[k].barsActive == 0 && !restOfBar
                    working[k].barsActive += 1
                    if working[k].order.postOnly && firstBar && !working[k].resting, case .limit(let limit) = working[k].order.kind,
                       working[k].order.side == .buy ? bar.open <= limit : bar.open >= limit {
                        endPostOnly(k, atMs: bar.timestampMs, events: &events)
                        k = 0
                        continue
                    }
                    guard let (price, isMaker) = candlePrice(k, bar, firstBar: firstBar, restOfBar: restOfBar) else { k += 1; continue }
                    let cap = candleCapacity(pid, bar)
                    if cap > 0 && execute(k, maxUnits: cap, price: price, isMaker: isMaker, atMs: bar.timestampMs, events: &events) {
                        if let r = events.last, case .filled(let f) = r { useVolume(pid, bar, f.quantity) }
                        k = 0   // the working orders changed (fills, one-cancels-other): rescan
                    } else {
                        k += 1
                    }
                }
            }
        }
    }

    /// Units still available to orders in this bar under the volume cap.
    func candleCapacity(_ pid: Int, _ bar: Bar) -> Double {
        guard settings.participation > 0 else { return .infinity }
        let used = pairs[pid].volumeBarMs == bar.timestampMs ? pairs[pid].volumeUsed : 0
        return max(0, settings.participation * bar.volume - used)
    }

    mutating func useVolume(_ pid: Int, _ bar: Bar, _ units: Double) {
        guard settings.participation > 0 else { return }
        if pairs[pid].volumeBarMs != bar.timestampMs { pairs[pid].volumeBarMs = bar.timestampMs; pairs[pid].volumeUsed = 0 }
        pairs[pid].volumeUsed += units
    }

    /// The price an order fills at in this bar, and whether as a maker; nil when it does not fill.
    mutating func candlePrice(_ k: Int, _ bar: Bar, firstBar: Bool, restOfBar: Bool) -> (Double, Bool)? {
        let w = working[k]
        let buy = w.order.side == .buy
        // A limit order (or a triggered stop-limit) that may already rest.
        func limitPrice(_ limit: Double, canTakeOpen: Bool) -> (Double, Bool)? {
            if canTakeOpen && !w.resting {
                if buy && bar.open <= limit { return (bar.open, false) }
                if !buy && bar.open >= limit { return (bar.open, false) }
            }
            working[k].resting = true
            if buy && bar.low <= limit { return (limit, true) }
            if !buy && bar.high >= limit { return (limit, true) }
            return nil
        }
        switch w.order.kind {
        case .market:
            // Placed after this bar opened: its first possible price is the next bar's open.
            return restOfBar ? nil : (bar.open, false)
        case .limit(let limit):
            return limitPrice(limit, canTakeOpen: firstBar)
        case .stop(let trigger):
            if w.triggered { return (bar.open, false) }
            guard buy ? bar.high >= trigger : bar.low <= trigger else { return nil }
            working[k].triggered = true
            // A gap through the trigger fills at the open (worse), unless the stop was placed
            // after the open, when the trigger itself is the first price it can meet.
            if restOfBar { return (trigger, false) }
            return (buy ? max(bar.open, trigger) : min(bar.open, trigger), false)
        case .stopLimit(let trigger, let limit):
            if w.triggered { return limitPrice(limit, canTakeOpen: false) }
            guard buy ? bar.high >= trigger : bar.low <= trigger else { return nil }
            working[k].triggered = true
            let touched = restOfBar ? trigger : (buy ? max(bar.open, trigger) : min(bar.open, trigger))
            if buy ? touched <= limit : touched >= limit { return (touched, false) }
            // Gapped through the limit: it rests at its limit, and fills only if the rest of
            // the bar comes back to it.
            working[k].resting = true
            if buy ? bar.low <= limit : bar.high >= limit { return (limit, true) }
            return nil
        }
    }

    /// A post-only order that would take liquidity: Kraken accepts it and then cancels it with
    /// "Post only order"; Coinbase refuses it (`INVALID_LIMIT_PRICE_POST_ONLY`). Both end it.
    mutating func endPostOnly(_ k: Int, atMs: Int64, events: inout [VenueEvent]) {
        let id = working.remove(at: k).order.id
        stats.postOnlyCancels += 1
        switch profile.postOnlyCross {
        case .acceptThenCancel:
            events.append(.cancelled(id, reason: "Post only order", atMs: atMs))
        case .reject:
            reject(id, .postOnlyWouldCross, "\(VenueRejectReason.postOnlyWouldCross.exchangeCode(profile.exchange)): the limit would cross the book", atMs: atMs, events: &events)
        }
    }
}
