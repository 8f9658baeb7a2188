import Foundation
import GRDB
import NovaCore
import NovaSignals

/// A row of `backtest_runs`: one backtest (or optimisation trial). `config` and `results`
/// are JSON text, as in the seed.
public struct BacktestRunRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "backtest_runs"

    public var runID: String
    public var startedAt: String
    public var completedAt: String?
    public var config: String
    public var results: String?
    public var status: String
    public var kind: String
    public var pairs: String
    public var exchange: String
    public var strategy: String
    public var configHash: String
    public var dataFingerprint: String
    public var error: String?
    public var host: String?
    public var pid: Int?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", startedAt = "started_at", completedAt = "completed_at", config, results, status, kind
        case pairs, exchange, strategy, configHash = "config_hash", dataFingerprint = "data_fingerprint", error, host, pid
    }

    public enum Columns {
        public static let runID = Column(CodingKeys.runID)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let status = Column(CodingKeys.status)
        public static let pairs = Column(CodingKeys.pairs)
    }

    public init(runID: String, startedAt: String, config: String, pairs: String, exchange: String, strategy: String,
                configHash: String, dataFingerprint: String, kind: String = "backtest", host: String? = nil, pid: Int? = nil) {
        self.runID = runID
        self.startedAt = startedAt
        self.completedAt = nil
        self.config = config
        self.results = nil
        self.status = "running"
        self.kind = kind
        self.pairs = pairs
        self.exchange = exchange
        self.strategy = strategy
        self.configHash = configHash
        self.dataFingerprint = dataFingerprint
        self.error = nil
        self.host = host
        self.pid = pid
    }
}

/// A row of `run_trades`: one round trip of a run.
public struct RunTradeRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run_trades"

    public var runID: String
    public var seq: Int
    public var tradeID: String
    public var pair: String
    public var side: String
    public var strategy: String
    public var status: String
    public var entryTime: String
    public var entryPrice: Double
    public var exitTime: String?
    public var exitPrice: Double?
    public var quantity: Double
    public var pnl: Double?
    public var pnlPct: Double?
    public var fees: Double
    public var entryFee: Double
    public var exitFee: Double
    public var stopLoss: Double?
    public var takeProfit: Double?
    public var entryReason: String?
    public var exitReason: String?
    public var metadata: String?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", seq, tradeID = "trade_id", pair, side, strategy, status, entryTime = "entry_time"
        case entryPrice = "entry_price", exitTime = "exit_time", exitPrice = "exit_price", quantity, pnl
        case pnlPct = "pnl_pct", fees, entryFee = "entry_fee", exitFee = "exit_fee", stopLoss = "stop_loss"
        case takeProfit = "take_profit", entryReason = "entry_reason", exitReason = "exit_reason", metadata
    }

    public init(runID: String, seq: Int, tradeID: String, pair: String, side: String, strategy: String, status: String,
                entryTime: String, entryPrice: Double, exitTime: String?, exitPrice: Double?, quantity: Double,
                pnl: Double?, pnlPct: Double?, fees: Double, entryFee: Double, exitFee: Double, stopLoss: Double?,
                takeProfit: Double?, entryReason: String?, exitReason: String?, metadata: String?) {
        self.runID = runID; self.seq = seq; self.tradeID = tradeID; self.pair = pair; self.side = side
        self.strategy = strategy; self.status = status; self.entryTime = entryTime; self.entryPrice = entryPrice
        self.exitTime = exitTime; self.exitPrice = exitPrice; self.quantity = quantity; self.pnl = pnl
        self.pnlPct = pnlPct; self.fees = fees; self.entryFee = entryFee; self.exitFee = exitFee
        self.stopLoss = stopLoss; self.takeProfit = takeProfit; self.entryReason = entryReason
        self.exitReason = exitReason; self.metadata = metadata
    }
}

/// One recorded evaluation or decision of a run and its fate (stored in `run_signal_chunks`;
/// runs of older versions have `run_signals` rows).
public struct RunSignalRecord: Sendable, Equatable {
    public var runID: String
    public var seq: Int
    public var timestampMs: Int64
    public var pair: String
    public var strategy: String
    public var action: String
    public var strength: Double
    public var actedUpon: Bool
    public var reason: String?
    public var rejection: String?
    /// The confluence behind the decision, when the full stack made it. Stored compact for a
    /// decision not acted upon: its votes without their weight and sentence (fixed per
    /// strategy and config, and most of the bytes).
    public var confluence: ConfluenceSignal?
    /// For the seed's `signals` table: long, short or neutral; the confluence count and confidence.
    public var direction: String
    public var confluenceCount: Int
    public var confidence: Double?

    public var timestamp: String { UTCTime.iso(timestampMs) }
    /// The confluence as JSON (`run_signals.metadata`, `runs why --json`): made when asked,
    /// never while a run records.
    public var metadata: String? { confluence?.json(compact: !actedUpon) }

    public init(runID: String, seq: Int, timestampMs: Int64, pair: String, strategy: String, action: String, strength: Double,
                actedUpon: Bool, reason: String?, rejection: String?, confluence: ConfluenceSignal? = nil, direction: String = "long",
                confluenceCount: Int = 0, confidence: Double? = nil) {
        self.runID = runID; self.seq = seq; self.timestampMs = timestampMs; self.pair = pair; self.strategy = strategy
        self.action = action; self.strength = strength; self.actedUpon = actedUpon; self.reason = reason; self.rejection = rejection
        self.confluence = confluence; self.direction = direction; self.confluenceCount = confluenceCount; self.confidence = confidence
    }

    /// A record as text kept it (ISO time, confluence JSON): the first block format and `run_signals` rows.
    public init(runID: String, seq: Int, timestamp: String, pair: String, strategy: String, action: String, strength: Double,
                actedUpon: Bool, reason: String?, rejection: String?, metadata: String?, direction: String = "long",
                confluenceCount: Int = 0, confidence: Double? = nil) {
        self.init(runID: runID, seq: seq, timestampMs: (try? UTCTime.parse(timestamp)) ?? 0, pair: pair, strategy: strategy, action: action,
                  strength: strength, actedUpon: actedUpon, reason: reason, rejection: rejection,
                  confluence: metadata.flatMap { try? JSONDecoder().decode(ConfluenceSignal.self, from: Data($0.utf8)) },
                  direction: direction, confluenceCount: confluenceCount, confidence: confidence)
    }

    public init(row: Row) {
        self.init(runID: row["run_id"], seq: row["seq"], timestamp: row["timestamp"], pair: row["pair"], strategy: row["strategy"],
                  action: row["action"], strength: row["strength"], actedUpon: row["acted_upon"], reason: row["reason"],
                  rejection: row["rejection"], metadata: row["metadata"])
    }

    /// As stored: the confluence's votes keep their weight and sentence only when acted upon.
    public var stored: RunSignalRecord {
        guard !actedUpon, var c = confluence else { return self }
        var r = self
        for k in c.signals.indices { c.signals[k].weight = nil; c.signals[k].reason = nil }
        r.confluence = c
        return r
    }
}

/// A `thought_log` entry of a run (the seed's decision feed): what the engine did or refused and why.
public struct ThoughtRecord: Sendable, Equatable {
    public var timestamp: String
    /// "trade", "risk", "system" or "execution" (the seed's categories).
    public var category: String
    public var message: String
    /// "debug", "info", "warning", "error" or "critical".
    public var severity: String
    /// More metadata fields, as `,"key":value` JSON text appended after the run id.
    public var extraJSON: String

    public init(timestamp: String, category: String, message: String, severity: String, extraJSON: String = "") {
        self.timestamp = timestamp; self.category = category; self.message = message; self.severity = severity; self.extraJSON = extraJSON
    }

    public static func == (a: ThoughtRecord, b: ThoughtRecord) -> Bool {
        a.timestamp == b.timestamp && a.category == b.category && a.message == b.message && a.severity == b.severity
    }
}

/// A row of `run_execution`: how one leg (entry or final exit) of a trade was filled.
public struct RunExecutionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run_execution"

    public var runID: String
    public var seq: Int
    public var tradeID: String
    public var leg: String
    public var pair: String
    public var decisionTime: String?
    public var fillTime: String
    public var decisionPrice: Double?
    public var fillPrice: Double
    public var quantity: Double
    public var fills: Int
    public var orderType: String?
    /// Realised slippage against the decision price; positive is worse.
    public var slippageBps: Double?
    /// Spread of the book the decision saw (book data only).
    public var spreadBps: Double?
    /// Slippage the decision's book predicted for the leg's size (book data only).
    public var expectedSlippageBps: Double?
    public var latencyMs: Int64?
    /// P&L in units of the initial risk (exit legs of closed trades with a stop).
    public var rMultiple: Double?

    public init(runID: String, seq: Int, tradeID: String, leg: String, pair: String, decisionTime: String?, fillTime: String,
                decisionPrice: Double?, fillPrice: Double, quantity: Double, fills: Int, orderType: String?, slippageBps: Double?,
                spreadBps: Double?, expectedSlippageBps: Double?, latencyMs: Int64?, rMultiple: Double?) {
        self.runID = runID; self.seq = seq; self.tradeID = tradeID; self.leg = leg; self.pair = pair
        self.decisionTime = decisionTime; self.fillTime = fillTime; self.decisionPrice = decisionPrice; self.fillPrice = fillPrice
        self.quantity = quantity; self.fills = fills; self.orderType = orderType; self.slippageBps = slippageBps
        self.spreadBps = spreadBps; self.expectedSlippageBps = expectedSlippageBps; self.latencyMs = latencyMs; self.rMultiple = rMultiple
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", seq, tradeID = "trade_id", leg, pair, decisionTime = "decision_time", fillTime = "fill_time"
        case decisionPrice = "decision_price", fillPrice = "fill_price", quantity, fills, orderType = "order_type"
        case slippageBps = "slippage_bps", spreadBps = "spread_bps", expectedSlippageBps = "expected_slippage_bps"
        case latencyMs = "latency_ms", rMultiple = "r_multiple"
    }
}
