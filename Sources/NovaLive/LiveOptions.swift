import Foundation
import NovaConfig
import NovaCore

/// What `novapulse live` was asked to do.
public struct LiveOptions: Sendable {
    /// paper: simulated fills; live: real orders; shadow: real orders, each also given to
    /// simulated venues on the same bars, the two outcomes stored side by side (`shadow_fills`).
    public enum Mode: String, Sendable {
        case paper, live, shadow
        /// Live and shadow send the engine's orders to the exchange.
        public var placesOrders: Bool { self != .paper }
    }
    public var pairs: [Pair]
    public var config: NovaPulseConfig
    public var mode: Mode = .paper
    /// Stop cleanly after this long of live feed (`--for`, counted from the end of the
    /// warm-up); nil: until SIGINT/SIGTERM.
    public var durationMs: Int64?
    /// Stop once this many live bars have closed (tests and soak runs stop by themselves).
    public var stopAfterBars: Int?
    public var databasePath: String
    public var logPath: String?
    /// How often time-driven work runs (dead connections, candles whose minute ended).
    public var tickMs: Int64 = 1_000
    /// The status endpoint's port on 127.0.0.1 (0: any free port; nil: off) and its read key.
    public var statusPort: Int?
    public var readKey: String?
    /// `DASHBOARD_ADMIN_KEY`: opens the control endpoints (and every read); nil: control is off.
    public var adminKey: String?
    /// Start a new journal even though the database has one from a different configuration
    /// (`--fresh`): the positions that journal left open are marked cancelled, not resumed.
    public var fresh = false
    /// The runtime's clock: wall time (nil), or a tape's time when replaying one.
    public var clock: (any Clock)?
    /// Stop on SIGINT/SIGTERM (the CLI); tests stop by duration.
    public var handleSignals = false
    /// One line per decision, fill and status change; the summary at the end.
    public var output: @Sendable (String) -> Void = { print($0) }

    public init(pairs: [Pair], config: NovaPulseConfig, databasePath: String) {
        self.pairs = pairs; self.config = config; self.databasePath = databasePath
    }

    /// The default database: `data/live-<exchange>-<mode>.db` (paper and live never share one).
    public static func defaultDatabasePath(mode: Mode, exchange: String = "kraken",
                                           environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let dir = environment["NOVAPULSE_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
        return (dir as NSString).appendingPathComponent("live-\(exchange)-\(mode.rawValue).db")
    }
}

/// What a live session did, for the summary at its end and for tests.
public struct LiveSummary: Sendable, Equatable {
    public var warmupBars = 0
    /// Live bars of earlier sessions replayed from the journal at the start (a resume).
    public var replayedBars = 0
    /// Bars missed while no session ran, taken from REST history and handled as live bars
    /// (they count in `liveBars` too).
    public var gapBars = 0
    /// Positions open after the replay: the last session's, carried on.
    public var restoredPositions = 0
    public var liveBars = 0
    /// Checkpoints of the engine's state written (`live.checkpoint_bars`, and one at the stop).
    public var checkpoints = 0
    public var decisions = 0
    public var tradesOpened = 0
    public var tradesClosed = 0
    public var connections = 0
    public var reconnects = 0
    public var resubscriptions = 0
    public var checksumMismatches = 0
    public var booksValidated = 0
    public var equity = 0.0
    /// Closed trades' P&L and the positions still open, from the engine at the stop (the
    /// ledger must agree: the soak reconciles them).
    public var realizedPnl = 0.0
    public var openPositions = 0
    public var stopReason = ""
    /// Inputs the runtime handled (frames, ticks, connection events): events per second.
    public var inputs = 0
    /// Ledger writes that failed (the first is said on the output).
    public var ledgerWriteFailures = 0
    /// Live mode: reconciliations with the exchange, and the changes they made to the books.
    public var reconciliations = 0
    public var reconciliationChanges = 0
    /// Shadow mode: orders whose real and simulated outcomes were compared (settled), and
    /// those still open at the stop (written unsettled).
    public var shadowSettled = 0
    public var shadowUnsettled = 0
    /// Live mode: orders sent while a market frame was handled (client order id -> when that
    /// frame arrived, monotonic ns): the decision-to-exchange latency's starting points.
    public var submitFrames: [String: UInt64] = [:]
    /// Bar-closing frame to decision done, for every live bar and for those that sent an order.
    public var barLatency = LatencySamples()
    public var orderLatency = LatencySamples()
}

/// Latencies in nanoseconds, kept for percentiles (at most a million: a soak run's worth).
public struct LatencySamples: Sendable, Equatable {
    public private(set) var ns: [UInt64] = []
    public init() {}
    mutating func record(_ v: UInt64) { if ns.count < 1_000_000 { ns.append(v) } }
    /// The q-quantile (0...1) in microseconds, nearest rank; nil without samples.
    public func quantileMicros(_ q: Double) -> Double? {
        guard !ns.isEmpty else { return nil }
        let sorted = ns.sorted()
        let rank = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[rank]) / 1_000
    }
}

public enum LiveError: Error, CustomStringConvertible {
    case refused(String)
    case warmup(String)
    public var description: String {
        switch self {
        case .refused(let m): return m
        case .warmup(let m): return "warm-up failed: \(m)"
        }
    }
}
