import Foundation
import NovaCore
import NovaEngine
import NovaSignals

/// `runs why RUN --at TIME`: what the stack saw and decided at one moment of a stored run: the
/// recorded evaluation of that bar (or the last one before it), the position held, the equity.
public struct RunWhy: Sendable {
    public var runID: String
    public var atMs: Int64
    /// The recorded decision at or before `atMs` (nil when there is none).
    public var signal: SignalEvent?
    /// True when `signal` is exactly at the asked bar.
    public var exact: Bool
    public var equity: Double?
    public var openTrade: Trade?
    /// The halt the moment falls in, if trading was halted then.
    public var halt: Halt?
    /// The run's configured confluence weights per strategy (`strategies.weights`).
    public var configuredWeights: [String: Double] = [:]

    public var text: String {
        var lines = ["Run \(runID) at \(UTCTime.iso(atMs))"]
        if let equity { lines.append("  equity      \(String(format: "%.2f", equity))") }
        if let t = openTrade {
            lines.append("  position    \(t.tradeID) \(t.side == .buy ? "long" : "short") \(t.quantity) \(t.pair.base) since \(UTCTime.iso(t.entryTimeMs)) at \(t.entryPrice)"
                + (t.stopLoss.map { ", stop \(NumberText.clean($0))" } ?? "") + (t.takeProfit.map { ", target \(NumberText.clean($0))" } ?? ""))
        } else {
            lines.append("  position    flat")
        }
        if let h = halt { lines.append("  halted      " + RunHalts.describe(h)) }
        guard let s = signal else {
            lines.append("  decision    nothing recorded at or before this time (evaluations with fewer than min_confluence")
            lines.append("              agreeing strategies are not stored one by one; `novapulse signals` exports every bar)")
            return lines.joined(separator: "\n")
        }
        if !exact { lines.append("  note        nothing recorded at this bar; the last recorded decision before it, at \(UTCTime.iso(s.timestampMs)):") }
        if let c = s.confluence {
            lines.append("  saw         \(c.direction.rawValue) confluence of \(c.confluenceCount): "
                + c.signals.map { "\($0.strategy) \($0.direction.rawValue) \(String(format: "%.2f", $0.strength))" }.joined(separator: ", "))
            lines.append("  timeframes  " + c.timeframes.sorted { $0.key.count != $1.key.count ? $0.key.count < $1.key.count : $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ") + " (\(c.timeframeAgreement) agree)")
            lines.append("  confidence  \(String(format: "%.3f", c.confidence)), strength \(String(format: "%.3f", c.strength)), regime \(c.regime)/\(c.volatilityRegime)"
                + (c.obi.map { String(format: ", OBI %.2f", $0) } ?? ""))
            lines.append("  stop/target \(String(format: "%.2f", c.stopLoss)) / \(String(format: "%.2f", c.takeProfit))")
        } else {
            lines.append("  saw         \(s.strategy): \(s.reason)")
        }
        let action = s.action == .none ? "no order" : s.action.rawValue
        lines.append("  decided     " + (s.actedUpon ? "\(action): acted upon (\(s.reason))" : "\(action): not acted upon because \(s.rejection ?? "-")"))
        return lines.joined(separator: "\n")
    }

    public var json: [String: Any] {
        var o: [String: Any] = ["run_id": runID, "at": UTCTime.iso(atMs), "exact": exact, "equity": equity ?? NSNull()]
        if let h = halt {
            o["halt"] = ["start": UTCTime.iso(h.startMs), "end": h.endMs.map(UTCTime.iso) ?? NSNull(), "gate": h.gate,
                         "reason": h.reason, "refused": h.refused] as [String: Any]
        }
        if let t = openTrade {
            // The stop and target as the trade last held them (a trailing stop's earlier levels are not stored).
            o["position"] = ["trade_id": t.tradeID, "side": t.side == .buy ? "long" : "short", "entry_time": UTCTime.iso(t.entryTimeMs),
                             "entry_price": t.entryPrice, "quantity": t.quantity, "stop_loss": t.stopLoss ?? NSNull(),
                             "take_profit": t.takeProfit ?? NSNull()] as [String: Any]
        }
        if let s = signal {
            var d: [String: Any] = ["time": UTCTime.iso(s.timestampMs), "strategy": s.strategy, "action": s.action.rawValue,
                                    "acted_upon": s.actedUpon, "reason": s.reason, "rejection": s.rejection ?? NSNull()]
            if let c = s.confluence, let data = c.json().data(using: .utf8), var obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                // A vote's weight is stored with the decisions acted upon; for the others (stored
                // compactly) it is the configured weight, said as such, never a 0 it did not have.
                if let votes = obj["signals"] as? [[String: Any]] {
                    obj["signals"] = zip(votes, c.signals).map { vote, v -> [String: Any] in
                        var out = vote
                        if v.weight == nil {
                            out["weight"] = configuredWeights[v.strategy].map { $0 as Any } ?? NSNull()
                            out["weight_source"] = "configured (this decision's own weights are stored only when it was acted upon)"
                        }
                        return out
                    }
                }
                d["confluence"] = obj
            }
            o["decision"] = d
        }
        return o
    }
}

extension RunRegistry {
    public func why(_ idOrPrefix: String, atMs: Int64) throws -> RunWhy {
        let run = try load(idOrPrefix)
        let id = run.record.runID
        // A moment outside the run has no answer: said, not answered with the nearest bar.
        let curve = try store.equity(runID: id)
        if let first = curve.first?.timestampMs, let last = curve.last?.timestampMs {
            let bar = curve.count > 1 ? last - curve[curve.count - 2].timestampMs : 0
            if atMs < first || atMs > last + bar { throw OutsideRun(runID: id, atMs: atMs, firstMs: first, lastMs: last) }
        }
        let signals = try store.signals(runID: id, through: UTCTime.iso(atMs)).compactMap(Self.signal)
        let before = signals.filter { $0.timestampMs <= atMs }
        let latestTime = before.map(\.timestampMs).max()
        // Several decisions can share a bar (an evaluation and an exit): prefer the acted one.
        let sameBar = before.filter { $0.timestampMs == latestTime }
        let chosen = sameBar.first { $0.actedUpon } ?? sameBar.last
        let equity = curve.last { $0.timestampMs <= atMs }?.equity
        let trades = try store.trades(runID: id).map(Self.trade)
        let open = trades.last { $0.entryTimeMs <= atMs && ($0.exitTimeMs.map { $0 > atMs } ?? true) }
        let halts = Self.halts(resultsJSON: run.record.results)
        let halt = halts.last { $0.startMs <= atMs && ($0.endMs.map { atMs < $0 } ?? true) }
        var why = RunWhy(runID: id, atMs: atMs, signal: chosen, exact: latestTime == atMs, equity: equity, openTrade: open, halt: halt)
        let config = run.stored["config"] as? [String: Any]
        let weights = (config?["strategies"] as? [String: Any])?["weights"] as? [String: Any] ?? [:]
        why.configuredWeights = weights.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        return why
    }

    /// The halts stored in a run's `results` (none for runs made before halts were recorded).
    static func halts(resultsJSON: String?) -> [Halt] {
        struct Stored: Decodable { var halts: [Halt]? }
        guard let json = resultsJSON, let s = try? JSONDecoder().decode(Stored.self, from: Data(json.utf8)) else { return [] }
        return s.halts ?? []
    }
}

/// `runs why --at` a moment the run did not cover.
public struct OutsideRun: Error, CustomStringConvertible {
    public var runID: String
    public var atMs: Int64, firstMs: Int64, lastMs: Int64
    public var description: String {
        "--at \(UTCTime.iso(atMs)) is outside run \(runID), which covers \(UTCTime.iso(firstMs)) to \(UTCTime.iso(lastMs)): give a time in it"
    }
}
