/// Counts the text-making calls of a piece of work (a number, a time or a JSON string
/// formatted, an HTML cell escaped, a pass over a run's trades), for the tests that say how a
/// report's work grows with its trades: counted, not timed, so a quadratic step shows however
/// fast the machine. Off unless a test measures: the cost is then one load of a flag per call.
///
/// Counting is scoped to the measuring task or thread (a task-local counter), so tests that run
/// reports on other threads at the same time do not add to it.
public enum WorkCount {
    public final class Counter: @unchecked Sendable {
        public fileprivate(set) var calls = 0
    }

    /// True once any measurement has begun (it stays true: a flag other threads only read).
    nonisolated(unsafe) private static var active = false
    @TaskLocal private static var counter: Counter?

    /// Adds `n` calls to the measurement running on this thread, if any.
    @inline(__always) public static func add(_ n: Int = 1) {
        guard active, let c = counter else { return }
        c.calls += n
    }

    /// The calls `body` made, on the calling thread.
    public static func measure(_ body: () throws -> Void) rethrows -> Int {
        active = true
        let c = Counter()
        try $counter.withValue(c) { try body() }
        return c.calls
    }
}
