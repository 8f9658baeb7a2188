import NovaCore

/// Closed 1-minute bars from Kraken's `ohlc` channel (exchange-crib.md §2.3): an update
/// re-sends the candle still forming; it is final once a later `interval_begin` appears, or
/// once its interval plus `graceMs` has passed with no trade (Kraken sends nothing for a
/// minute without trades). Minutes without trades become flat zero-volume bars at the last
/// close, as Kraken's REST OHLC writes them, so live bars and imported bars agree.
public struct CandleAssembler: Sendable {
    public let intervalMs: Int64
    public let graceMs: Int64
    private var forming: Bar?
    /// Open time of the last bar handed out: nothing at or before it is emitted again.
    public private(set) var lastEmittedMs: Int64
    private var lastClose: Double?
    /// Updates for candles already closed (they arrived after the grace): counted, not used.
    public private(set) var lateUpdates = 0
    /// Flat minutes of gaps longer than `maxFlatBars` that were not emitted.
    public private(set) var skippedFlatBars = 0

    public init(intervalMs: Int64 = 60_000, graceMs: Int64 = 2_000, after lastBarMs: Int64 = .min, lastClose: Double? = nil) {
        self.intervalMs = intervalMs; self.graceMs = graceMs; self.lastEmittedMs = lastBarMs; self.lastClose = lastClose
    }

    /// One candle from the wire; returns the bars it closed (oldest first).
    public mutating func candle(_ c: Bar) -> [Bar] {
        if c.timestampMs <= lastEmittedMs { lateUpdates += 1; return [] }
        var out: [Bar] = []
        if let f = forming, c.timestampMs > f.timestampMs {
            out.append(contentsOf: emit(through: c.timestampMs - intervalMs, forming: f))
        } else if forming == nil, lastEmittedMs != .min {
            out.append(contentsOf: fillGap(through: c.timestampMs - intervalMs))
        }
        if let f = forming, c.timestampMs < f.timestampMs { lateUpdates += 1; return out }
        forming = c
        return out
    }

    /// Time has moved on to `nowMs`: closes the forming candle and any empty minutes whose
    /// interval and grace have passed.
    public mutating func tick(nowMs: Int64) -> [Bar] {
        let closable = nowMs - graceMs - intervalMs  // open time of the newest bar that may close now
        guard closable >= 0 else { return [] }
        let last = closable - closable % intervalMs
        if let f = forming {
            guard f.timestampMs <= last else { return [] }
            return emit(through: last, forming: f)
        }
        guard lastEmittedMs != .min, lastEmittedMs < last else { return [] }
        return fillGap(through: last)
    }

    private mutating func emit(through lastOpen: Int64, forming f: Bar) -> [Bar] {
        var out = [f]
        lastEmittedMs = f.timestampMs
        lastClose = f.close
        forming = nil
        out.append(contentsOf: fillGap(through: lastOpen))
        return out
    }

    /// At most this many flat bars come out of one call: a gap longer than a day (a clock far
    /// off, a feed down for days) is not replayed minute by minute in one turn of the runtime.
    public static let maxFlatBars = 1_440

    /// Flat bars at the last close for the minutes after the last emitted one up to `lastOpen`
    /// (the last `maxFlatBars` of them when the gap is longer).
    private mutating func fillGap(through lastOpen: Int64) -> [Bar] {
        guard let close = lastClose, lastEmittedMs != .min else { return [] }
        var out: [Bar] = []
        let first = lastOpen - Int64(Self.maxFlatBars - 1) * intervalMs
        if lastEmittedMs + intervalMs < first {
            skippedFlatBars += Int((first - lastEmittedMs - intervalMs) / intervalMs)
            lastEmittedMs = first - intervalMs
        }
        var t = lastEmittedMs + intervalMs
        while t <= lastOpen {
            out.append(Bar(timestampMs: t, open: close, high: close, low: close, close: close, volume: 0))
            lastEmittedMs = t
            t += intervalMs
        }
        return out
    }
}
