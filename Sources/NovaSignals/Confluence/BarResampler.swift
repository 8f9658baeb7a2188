import NovaCore

/// Builds higher-timeframe bars (5m, 15m, ...) from 1-minute bars, streaming. A bar is emitted
/// only once it has closed: when the 1-minute bar ending at its boundary arrives, or when a
/// later bar shows the boundary has passed (a gap). So a 15-minute bar is never visible before
/// its close: no lookahead. Buckets align to UTC multiples of the interval. O(1), no allocation.
public struct BarResampler: Sendable, Codable {
    public let intervalMs: Int64
    public let baseMs: Int64
    private var current: Bar?
    private var bucket: Int64 = .min

    public init(intervalMinutes: Int, baseMinutes: Int = 1) {
        intervalMs = Int64(intervalMinutes) * 60_000
        baseMs = Int64(baseMinutes) * 60_000
    }

    /// Adds a base bar; returns the higher-timeframe bars that closed (0, 1 or, after a gap, 2).
    public mutating func add(_ b: Bar) -> (Bar?, Bar?) {
        let start = b.timestampMs - ((b.timestampMs % intervalMs) + intervalMs) % intervalMs
        var flushed: Bar?
        if var c = current, start != bucket {
            c.timestampMs = bucket
            flushed = c        // the previous bucket ended without its last minute (a gap)
            current = nil
        }
        if var c = current {
            c.high = max(c.high, b.high); c.low = min(c.low, b.low); c.close = b.close; c.volume += b.volume
            current = c
        } else {
            current = Bar(timestampMs: start, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume)
            bucket = start
        }
        if b.timestampMs + baseMs >= start + intervalMs {   // the bucket's last base bar
            let done = current
            current = nil
            return (flushed, done)
        }
        return (flushed, nil)
    }
}
