import NovaCore

/// OHLCV bars of one pair and timeframe held as column buffers: one contiguous array per
/// field (struct of arrays).
///
/// Why columns: indicator, metric and validation passes walk one field over many bars, so a
/// column keeps the loop on one cache-friendly stream the compiler can vectorise, where an
/// array of bar structs would drag every field through the cache. The cost is that building a
/// `Bar` value for one index touches five arrays; the engine does that once per event.
/// Timestamps are the bar's open time in ms since the epoch, UTC.
public struct BarSeries: Sendable, Equatable {
    public var timestampMs: [Int64]
    public var open: [Double]
    public var high: [Double]
    public var low: [Double]
    public var close: [Double]
    public var volume: [Double]
    /// Number of trades in the bar (Kraken OHLCVT, Binance klines), when the source has it.
    public var trades: [Double]?
    /// Base volume bought by takers (Binance klines), when the source has it.
    public var takerBuyVolume: [Double]?

    public init(timestampMs: [Int64] = [], open: [Double] = [], high: [Double] = [], low: [Double] = [],
                close: [Double] = [], volume: [Double] = [], trades: [Double]? = nil, takerBuyVolume: [Double]? = nil) {
        self.timestampMs = timestampMs
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.trades = trades
        self.takerBuyVolume = takerBuyVolume
    }

    public var count: Int { timestampMs.count }
    public var isEmpty: Bool { timestampMs.isEmpty }

    public mutating func reserve(_ n: Int) {
        timestampMs.reserveCapacity(n); open.reserveCapacity(n); high.reserveCapacity(n)
        low.reserveCapacity(n); close.reserveCapacity(n); volume.reserveCapacity(n)
        trades?.reserveCapacity(n); takerBuyVolume?.reserveCapacity(n)
    }

    /// The bar at `index`, as a value.
    @inlinable
    public func bar(at index: Int) -> Bar {
        Bar(timestampMs: timestampMs[index], open: open[index], high: high[index], low: low[index],
            close: close[index], volume: volume[index])
    }

    /// Indices of the bars whose open time lies in `[fromMs, toMs)` (binary search, O(log n)).
    public func indices(fromMs: Int64?, toMs: Int64?) -> Range<Int> {
        let lo = fromMs.map { lowerBound($0) } ?? 0
        let hi = toMs.map { lowerBound($0) } ?? count
        return lo..<max(lo, hi)
    }

    /// First index whose timestamp is >= `ms`.
    public func lowerBound(_ ms: Int64) -> Int { timestampMs.firstIndex(atOrAfter: ms) }

    /// A copy of the bars in `range`.
    public func slice(_ range: Range<Int>) -> BarSeries {
        BarSeries(timestampMs: Array(timestampMs[range]), open: Array(open[range]), high: Array(high[range]),
                  low: Array(low[range]), close: Array(close[range]), volume: Array(volume[range]),
                  trades: trades.map { Array($0[range]) }, takerBuyVolume: takerBuyVolume.map { Array($0[range]) })
    }

    /// Keeps the rows at `indices` (in that order).
    func gathered(_ indices: [Int]) -> BarSeries {
        BarSeries(timestampMs: indices.map { timestampMs[$0] }, open: indices.map { open[$0] },
                  high: indices.map { high[$0] }, low: indices.map { low[$0] }, close: indices.map { close[$0] },
                  volume: indices.map { volume[$0] }, trades: trades.map { t in indices.map { t[$0] } },
                  takerBuyVolume: takerBuyVolume.map { t in indices.map { t[$0] } })
    }

    /// Names of the columns present, in storage order.
    public var columnNames: [String] {
        var names = ["timestamp", "open", "high", "low", "close", "volume"]
        if trades != nil { names.append("trades") }
        if takerBuyVolume != nil { names.append("taker_buy_volume") }
        return names
    }
}

extension Array where Element == Int64 {
    /// In a sorted array, the first index whose value is >= `value` (`count` if none):
    /// the binary search every time column here uses.
    public func firstIndex(atOrAfter value: Int64) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

extension BarSeries {
    /// The same bars in new buffers (a plain copy of the struct shares them).
    public func privateCopy() -> BarSeries {
        func fresh<T>(_ a: [T]) -> [T] { a.withUnsafeBufferPointer { Array($0) } }
        var c = self
        c.timestampMs = fresh(timestampMs); c.open = fresh(open); c.high = fresh(high); c.low = fresh(low)
        c.close = fresh(close); c.volume = fresh(volume)
        c.trades = trades.map(fresh); c.takerBuyVolume = takerBuyVolume.map(fresh)
        return c
    }
}
