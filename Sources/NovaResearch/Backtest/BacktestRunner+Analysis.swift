import Foundation
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaStorage
import NovaVenue

/// Annotations of a finished run: regimes at entries and the buy-and-hold benchmark.
extension BacktestRunner {
    /// Tags each trade with the regime on its entry's decision bar (the bar before the fill),
    /// running the streaming detector once over each pair and reading it at those bars only.
    static func annotateRegimes(_ trades: inout [Trade], series: [BarSeries], pairs: [Pair], config: RegimeDetector.Config) {
        for (p, bars) in series.enumerated() {
            var wanted: [(bar: Int, trade: Int)] = []
            for (k, t) in trades.enumerated() where t.pair == pairs[p] {
                let i = bars.lowerBound(t.entryTimeMs) - 1
                if i >= 0 { wanted.append((i, k)) }
            }
            guard !wanted.isEmpty else { continue }
            wanted.sort { $0.bar < $1.bar }
            var detector = RegimeDetector(config: config)
            var next = 0
            for i in 0...wanted.last!.bar {
                detector.update(open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i])
                while next < wanted.count && wanted[next].bar == i {
                    if let r = detector.regime {
                        trades[wanted[next].trade].entryRegime = RegimeTag(trend: r.trend, volatility: r.volatility,
                                                                           volLevel: r.volLevel, volExpanding: r.volExpanding)
                    }
                    next += 1
                }
            }
        }
    }

    /// The benchmark: the starting cash split equally over the pairs and held, each share
    /// bought at its pair's first close (cash until then), marked at the latest close.
    static func buyAndHoldEquity(series: [BarSeries], at timestamps: [Int64], cash: Double) -> [Double] {
        let share = cash / Double(series.count)
        // The columns hoisted out of the loop: a `BarSeries` copied per point retains and
        // releases each of its buffers (a fifth of the function's time on 1.3 M points).
        let times = series.map(\.timestampMs), closes = series.map(\.close)
        var cursor = [Int](repeating: 0, count: series.count)
        return [Double](unsafeUninitializedCapacity: timestamps.count) { out, count in
            for (k, t) in timestamps.enumerated() {
                var value = 0.0
                for p in 0..<times.count {
                    let ts = times[p]
                    var c = cursor[p]
                    while c < ts.count && ts[c] <= t { c += 1 }
                    cursor[p] = c
                    value += c == 0 ? share : share * closes[p][c - 1] / closes[p][0]
                }
                out[k] = value
            }
            count = timestamps.count
        }
    }
}
