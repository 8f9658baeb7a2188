import Foundation
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaStorage
import NovaVenue

/// What a run stores and says: its notes, thought log, results JSON, trade records and id.
extension BacktestRunner {
    /// What the simulated venue reports, as notes of the run.
    static func simulatorNotes(_ s: SimulatorStats, config: NovaPulseConfig) -> [String] {
        var out: [String] = []
        let m = config.simulator
        let cap = m.fillModel == "book" ? "book depth (bars without a book: volume cap \(m.participation * 100)%)"
            : m.participation > 0 ? "volume cap \(m.participation * 100)% of each bar" : "no volume cap"
        out.append("simulator: \(m.fillModel) fills, latency \(m.latencyMs) ms, \(cap), "
            + "faults \(m.faults) (seed \(m.seed)): \(s.ordersReceived) orders, \(s.fills) fills, \(s.partialFills) partial")
        if !s.faultsInjected.isEmpty {
            out.append("simulator: injected faults " + s.faultsInjected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !s.rejects.isEmpty {
            out.append("simulator: rejects " + s.rejects.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if s.marginFees > 0 || s.liquidations > 0 {
            out.append(String(format: "simulator: margin fees %.2f (opening and 4-hourly rollover), %d liquidations", s.marginFees, s.liquidations))
        }
        if m.fillModel == "book" {
            out.append("simulator: \(s.barsMatchedOnBook) bars matched on \(s.bookUpdates) book snapshots, \(s.barsMatchedOnCandles) bars without a book matched on candles")
        }
        return out
    }

    /// The run's decision feed for the seed's `thought_log`: each entry the risk manager or the
    /// venue refused (category risk, warning), each trade opened and closed (category trade).
    /// `refused`: the refused entries (the recorder's: the decisions left the engine as they settled).
    static func thoughts(_ replay: ReplayResult, refused: [(timestampMs: Int64, pair: Pair, rejection: String?)]) -> [ThoughtRecord] {
        var out: [(Int64, ThoughtRecord)] = []
        // A refusal inside a halt is summed up by the halt's own two entries (every one of them is
        // still in the run's signals): a year of the full stack refused 124,000 entries in halts.
        let halts = replay.halts
        func inHalt(_ t: Int64) -> Bool { halts.contains { $0.startMs <= t && t < ($0.endMs ?? .max) } }
        for s in refused where !inHalt(s.timestampMs) {
            out.append((s.timestampMs, ThoughtRecord(timestamp: UTCTime.iso(s.timestampMs), category: "risk",
                                                     message: "\(s.pair) entry refused: \(s.rejection ?? "-")", severity: "warning",
                                                     extraJSON: ",\"pair\":\"\(s.pair)\"")))
        }
        for h in replay.halts {
            out.append((h.startMs, ThoughtRecord(timestamp: UTCTime.iso(h.startMs), category: "risk", message: "trading halted by \(h.gate): \(h.reason)",
                                                 severity: "warning", extraJSON: ",\"gate\":\"\(h.gate)\"")))
            if let end = h.endMs {
                out.append((end, ThoughtRecord(timestamp: UTCTime.iso(end), category: "risk",
                                               message: "trading resumed: \(h.gate) lifted after \(h.refused) refused entries and \(h.shadowOutcomes) shadow outcomes",
                                               severity: "info", extraJSON: ",\"gate\":\"\(h.gate)\"")))
            }
        }
        for t in replay.trades {
            out.append((t.entryTimeMs, ThoughtRecord(timestamp: UTCTime.iso(t.entryTimeMs), category: "trade",
                                                     message: "\(t.tradeID) opened: \(t.side == .buy ? "long" : "short") \(t.quantity) \(t.pair) at \(NumberText.clean(t.entryPrice)) (\(t.entryReason))",
                                                     severity: "info", extraJSON: ",\"trade_id\":\"\(t.tradeID)\"")))
            if let x = t.exitTimeMs, let p = t.exitPrice, let pnl = t.pnl {
                out.append((x, ThoughtRecord(timestamp: UTCTime.iso(x), category: "trade",
                                             message: "\(t.tradeID) closed at \(NumberText.clean(p)) (\(t.exitReason ?? "")): P&L \(NumberText.fixed(pnl, digits: 2))",
                                             severity: "info", extraJSON: ",\"trade_id\":\"\(t.tradeID)\"")))
            }
        }
        return out.enumerated().sorted { $0.element.0 != $1.element.0 ? $0.element.0 < $1.element.0 : $0.offset < $1.offset }.map { $0.element.1 }
    }

    /// A decision as the store keeps it (seq counts from 1 in the run).
    static func signalRecord(_ s: SignalEvent, runID: String, seq: Int) -> RunSignalRecord {
        RunSignalRecord(runID: runID, seq: seq, timestampMs: s.timestampMs, pair: s.pair.description, strategy: s.strategy,
                        action: s.action.rawValue, strength: s.strength, actedUpon: s.actedUpon, reason: s.reason, rejection: s.rejection,
                        confluence: s.confluence, direction: s.direction, confluenceCount: s.confluence?.confluenceCount ?? 1,
                        confidence: s.confluence?.confidence)
    }

    static func title(strategy: String, pairs: [String], exchange: String, timeframe: String) -> String {
        "\(strategy) on \(pairs.joined(separator: ", ")) · \(exchange) \(timeframe)"
    }

    /// The `results` JSON: the metrics, plus the run's notes. Written with JSONEncoder, whose
    /// numbers round-trip exactly (Foundation's JSONSerialization on Linux drops the last digit).
    /// Halts go in with the share of the window they took (`halted_share`).
    static func resultsJSON(metrics: RunMetrics, notes: [String], execution: ExecutionSummary? = nil, halts: [Halt] = [],
                            haltedShare: Double = 0) throws -> String {
        struct Stored: Encodable {
            var metrics: RunMetrics
            var notes: [String]
            var execution: ExecutionSummary?
            var halts: [Halt]
            var haltedShare: Double
            enum Key: String, CodingKey { case notes, execution, halts, haltedShare = "halted_share" }
            func encode(to encoder: any Encoder) throws {
                try metrics.encode(to: encoder)
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(notes, forKey: .notes)
                try c.encodeIfPresent(execution, forKey: .execution)
                try c.encode(halts, forKey: .halts)
                try c.encode(haltedShare, forKey: .haltedShare)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stored = Stored(metrics: metrics, notes: notes, execution: execution, halts: halts, haltedShare: haltedShare)
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }

    static func record(runID: String, seq: Int, trade t: Trade) -> RunTradeRecord {
        RunTradeRecord(runID: runID, seq: seq, tradeID: t.tradeID, pair: t.pair.description, side: t.side.rawValue,
                       strategy: t.strategy, status: t.isOpen ? "open" : "closed", entryTime: UTCTime.iso(t.entryTimeMs),
                       entryPrice: t.entryPrice, exitTime: t.exitTimeMs.map(UTCTime.iso), exitPrice: t.exitPrice,
                       quantity: t.quantity, pnl: t.pnl, pnlPct: t.pnlPct, fees: t.fees, entryFee: t.entryFee,
                       exitFee: t.exitFee, stopLoss: t.stopLoss, takeProfit: t.takeProfit, entryReason: t.entryReason,
                       exitReason: t.isOpen ? nil : t.exitReason, metadata: tradeMetadata(t))
    }

    /// The trade's metadata JSON (the seed's field names where they apply).
    static func tradeMetadata(_ t: Trade) -> String? {
        TradeMetadata(trade: t).json
    }

    /// `bt-YYYYMMDD-HHMMSS-xxxxxx`: sortable by start time, unique by its random tail.
    static func newRunID() -> String {
        let now = UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000))
        let digits = now.prefix(19).filter { $0.isNumber }
        let tail = String(UInt32.random(in: 0...0xFFFFFF), radix: 16)
        return "bt-\(digits.prefix(8))-\(digits.dropFirst(8).prefix(6))-" + String(repeating: "0", count: 6 - tail.count) + tail
    }
}
