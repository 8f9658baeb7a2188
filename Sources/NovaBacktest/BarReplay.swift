import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaVenue

/// The backtest's event feed: the bars of several pairs merged in time order (ties in pair
/// order), each handed to the engine as it closes, with equity recorded once per timestamp
/// after every pair's bar at that time. Synchronous and allocation-free per bar.
public enum BarReplay {
    /// Called now and then with (bars replayed, bars in all).
    public typealias Progress = (Int, Int) -> Void

    /// `books[p]`: order-book snapshots of pair p, or nil. Before each bar, the engine gets the
    /// analysis of the last snapshot at or before the bar's close (less the market-data
    /// latency), if it is at most `bookFreshnessMs` old (else nil: no stale book is used).
    ///
    /// `tradeFromMs`: entries are refused on bars before it (they warm the stack, as a live
    /// session's REST history does) and open from the first bar at or after it.
    /// `signalSink`: the settled decisions go there once `signalBlock` of them are held (and
    /// leave the engine), so memory holds a block, not the run; nil keeps them all in the engine.
    /// Returns the most decisions the engine held at once.
    @discardableResult
    public static func run<V: ReplayVenue, S: Strategy>(series: [BarSeries], books: [OrderBookSeries?] = [],
                                                  bookFreshnessMs: Int64 = 60_000, marketDataLatencyMs: Int64 = 0,
                                                  tradeFromMs: Int64? = nil,
                                                  signalSink: (([SignalEvent]) -> Void)? = nil, signalBlock: Int = 20_000,
                                                  engine: inout Session<V, S>, total: Int,
                                                  progress: ((Int, Int) -> Void)?) throws -> Int {
        var warming = tradeFromMs != nil
        var peakHeld = 0     // the most decisions the engine held at once (with a sink: about a block)
        if let tradeFromMs { engine.blockEntries(Self.warmingUp(tradeFromMs)) }
        var cursor = [Int](repeating: 0, count: series.count)
        var bookCursor = [Int](repeating: 0, count: series.count)
        var done = 0
        var nextReport = 0
        let step = max(total / 200, 10_000)
        while true {
            // The earliest next timestamp across pairs (a handful of pairs: a linear scan wins).
            var t = Int64.max
            for p in series.indices where cursor[p] < series[p].count { t = min(t, series[p].timestampMs[cursor[p]]) }
            if t == Int64.max { break }
            if warming, t >= tradeFromMs! {
                warming = false
                engine.blockEntries(nil)
            }
            for p in series.indices where cursor[p] < series[p].count && series[p].timestampMs[cursor[p]] == t {
                // `series[p].bar(at:)`, not `let s = series[p]`: a copy of the series retains and
                // releases its eight column buffers on every bar (4% of a trade-heavy run).
                let i = cursor[p]
                if p < books.count, let book = books[p] {
                    // What the stack can see at the close: the book as it was `marketDataLatencyMs` before.
                    let close = t + engine.venue.barMs - marketDataLatencyMs
                    while bookCursor[p] < book.count && book.timestampMs[bookCursor[p]] <= close { bookCursor[p] += 1 }
                    let k = bookCursor[p] - 1
                    if k >= 0 && close - book.timestampMs[k] <= bookFreshnessMs {
                        let r = k * book.depth..<(k + 1) * book.depth
                        engine.bookUpdated(pairIndex: p, OrderBookAnalysis.analyze(bidPrices: book.bidPrice[r], bidSizes: book.bidSize[r],
                                                                                   askPrices: book.askPrice[r], askSizes: book.askSize[r]))
                    } else {
                        engine.bookUpdated(pairIndex: p, nil)
                    }
                }
                engine.onBar(pairIndex: p, series[p].bar(at: i))
                cursor[p] += 1
                done += 1
            }
            engine.recordEquity(atMs: t)
            let held = engine.heldSignals
            if held > peakHeld { peakHeld = held }
            if let signalSink, held >= signalBlock {
                let settled = engine.drainSettledSignals()
                if !settled.isEmpty { signalSink(settled) }
            }
            if let progress, done >= nextReport {
                progress(done, total)
                nextReport = done + step
            }
        }
        progress?(done, total)
        return peakHeld
    }

    /// The refusal of an entry on a bar before `backtest.trade_from`.
    public static func warmingUp(_ tradeFromMs: Int64) -> String {
        "warming up: entries open at backtest.trade_from \(UTCTime.iso(tradeFromMs))"
    }
}
