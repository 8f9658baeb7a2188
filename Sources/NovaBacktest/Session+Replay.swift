import NovaCore
import NovaEngine
import NovaSignals
import NovaSimulator
import NovaVenue

/// The backtest side of a session: recorded bars go to the simulated venue's replay interface
/// (it matches resting orders and answers with fills), then to the engine as closed bars.
extension Session where V: ReplayVenue {
    /// One closed bar of slot i, as the backtest delivers it: the venue matches the bar, then
    /// the strategy decides on its close.
    public mutating func onBar(pairIndex i: Int, _ bar: Bar) {
        marketData(pairIndex: i, bar)
        barClosed(pairIndex: i, bar)
    }

    /// The venue sees the bar and its answers are handled. Orders placed on a fill (a new
    /// position's stop, target and tiers; a resized stop) meet the rest of the same bar, as
    /// they would have on the exchange: the venue is shown the bar again until it has nothing
    /// more to say (each order meets a bar once; at most 8 rounds).
    public mutating func marketData(pairIndex i: Int, _ bar: Bar) {
        replayClock?.advance(to: bar.timestampMs)
        let pair = engine.pairs[i]
        pump(rounds: 8) { venue, events in venue.replay(pair, bar, events: &events) }
    }

    /// The bar has closed: the engine decides on it at its close time.
    public mutating func barClosed(pairIndex i: Int, _ bar: Bar) {
        let closeMs = bar.timestampMs + venue.barMs
        replayClock?.advance(to: closeMs)
        timersDue(now: closeMs)
        deliverBar(slot: i, bar, closeMs: closeMs, now: closeMs)
    }

    /// The pair's latest order-book analysis, for the strategies and the spread gate.
    public mutating func bookUpdated(pairIndex i: Int, _ analysis: OrderBookAnalysis?) {
        deliver(.book(slot: i, analysis))
    }

    /// The data has ended: orders still working are cancelled and, with `closeAtEnd`, open
    /// positions are sold at their last close (the venue settles them there).
    public mutating func finish() {
        finishEngine()
        if engine.config.closeAtEnd {
            var settled = Set<Pair>()
            for i in engine.pairs.indices where settled.insert(engine.pairs[i]).inserted {
                let last = engine.executor.lastBar(i)
                var events: [VenueEvent] = []
                venue.settle(engine.pairs[i], atMs: last.timestampMs, price: last.close, events: &events)
                for e in events { deliver(venue: e) }
            }
        }
        settleEquity()
    }
}
