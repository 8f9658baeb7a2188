import Foundation

/// What time it is for the engine: replay time in a backtest (the time of the event being
/// replayed), wall time in live. One protocol, so the engine has one code path: timers, signal
/// age and cooldowns read the clock, never the wall directly.
public protocol Clock: AnyObject, Sendable {
    /// Milliseconds since the epoch, UTC.
    func nowMs() -> Int64
}

/// Replay time: set by the replay loop as it moves through the data.
public final class ReplayClock: Clock, @unchecked Sendable {
    // Read and set by the one replay loop that owns the session; unchecked, because a dynamic
    // exclusivity check on every bar cost more than the clock itself.
    @exclusivity(unchecked) private var timeMs: Int64
    public init(startMs: Int64 = 0) { self.timeMs = startMs }
    public func nowMs() -> Int64 { timeMs }
    /// Moves time forward (never back: a replay that goes backwards is a bug in its feed).
    public func advance(to ms: Int64) { if ms > timeMs { timeMs = ms } }
}

/// Wall time, for live and paper trading.
public final class WallClock: Clock {
    public init() {}
    public func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
