import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaVenue

/// The backtest's event feed: the bars of several pairs merged in time order (ties in pair
/// order), each handed to the engine as it closes, with equity recorded once per timestamp
/// after every pair's bar at that time. Synchronous and allocation-free per bar.
public enum BarReplay {
    public static func run<V: Venue, S: Strategy>(series: [BarSeries], engine: inout Engine<V, S>, total: Int,
                                                  progress: ((Int, Int) -> Void)?) throws {
        var cursor = [Int](repeating: 0, count: series.count)
        var done = 0
        var nextReport = 0
        let step = max(total / 200, 10_000)
        while true {
            // The earliest next timestamp across pairs (a handful of pairs: a linear scan wins).
            var t = Int64.max
            for p in series.indices where cursor[p] < series[p].count { t = min(t, series[p].timestampMs[cursor[p]]) }
            if t == Int64.max { break }
            for p in series.indices where cursor[p] < series[p].count && series[p].timestampMs[cursor[p]] == t {
                let s = series[p]
                let i = cursor[p]
                engine.onBar(pairIndex: p, Bar(timestampMs: t, open: s.open[i], high: s.high[i], low: s.low[i],
                                                   close: s.close[i], volume: s.volume[i]))
                cursor[p] += 1
                done += 1
            }
            engine.recordEquity(atMs: t)
            if let progress, done >= nextReport {
                progress(done, total)
                nextReport = done + step
            }
        }
        progress?(done, total)
    }
}
