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
        var cursor = [Int](repeating: 0, count: series.count)
        var out: [Double] = []
        out.reserveCapacity(timestamps.count)
        for t in timestamps {
            var value = 0.0
            for (p, s) in series.enumerated() {
                while cursor[p] < s.count && s.timestampMs[cursor[p]] <= t { cursor[p] += 1 }
                value += cursor[p] == 0 ? share : share * s.close[cursor[p] - 1] / s.close[0]
            }
            out.append(value)
        }
        return out
    }
}
