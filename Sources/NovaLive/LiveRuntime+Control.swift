import Foundation
import NovaCore

/// The operator's controls (`POST /api/v1/control/pause|resume|close_all`, what `novapulse live
/// pause|resume|close-all` call), run on the runtime actor between market events: a control
/// never interleaves with a bar being decided.
extension LiveRuntime {
    /// Why entries are refused now, in order of precedence; exits and protection are never blocked.
    func refreshEntryBlock() {
        guard let stack else { return }
        let reason = entryBlockReason
        // Journaled once the stack is primed (the replay sets the warm-up's block itself).
        if primed && reason != cursor.block {
            journal([.block(reason)])
            cursor.block = reason
        }
        stack.blockEntries(reason)
    }

    var entryBlockReason: String? {
        if stopping { return "stopping" }
        if !primed { return Self.warmingUp }
        if paused { return "paused by the operator (novapulse live resume lifts it)" }
        if ledgerFailing { return "the ledger cannot be written (3 failed writes in a row): entries wait until a write succeeds" }
        if let ordersHalt { return ordersHalt }
        return exchangeBlock
    }

    func control(_ path: String) -> (status: Int, json: String) {
        defer { flushJournal(); writer.barrier() }     // on disk before the reply goes out
        let command = String(path.dropFirst("/api/v1/control/".count))
        switch command {
        case "pause", "resume":
            let pause = command == "pause"
            let changed = paused != pause
            paused = pause
            let value = pause ? "1" : "0"
            writer.write("paused flag") { try $0.setState("paused", value) }
            refreshEntryBlock()
            if changed {
                let line = pause ? "paused by the operator: no new entries; open positions keep their stops and exits"
                                 : "resumed by the operator: entries open again"
                options.output(line)
                try? thought("control", line, severity: pause ? "warning" : "info")
            }
            return (200, Self.json(["status": "ok", "paused": paused, "changed": changed]))
        case "close_all":
            guard let stack else { return (409, Self.json(["error": "the stack is not primed yet: nothing to close"])) }
            let open = options.pairs.indices.filter { i in stack.trades.contains { $0.isOpen && $0.pair == options.pairs[i] } }
            journal([.closeAll(atMs: wall.nowMs())])
            let refused = stack.closeAll()
            dispatchOrders()
            let refusedSlots = Set(refused.map(\.slot))
            let closing = open.filter { !refusedSlots.contains($0) }.map { options.pairs[$0].description }
            let line = "close-all by the operator: exit orders for \(closing.isEmpty ? "no position" : closing.joined(separator: ", "))"
                + (refused.isEmpty ? "" : "; refused: " + refused.map { "\(options.pairs[$0.slot]) (\($0.reason))" }.joined(separator: ", "))
            options.output(line)
            try? thought("control", line, severity: "warning")
            persist(stack, at: wall.nowMs())
            return (200, Self.json(["status": "ok", "closing": closing,
                                    "refused": refused.map { ["pair": options.pairs[$0.slot].description, "reason": $0.reason] },
                                    "paused": paused]))
        default:
            return (404, Self.json(["error": "no such control: \(command) (pause, resume, close_all)"]))
        }
    }

    /// `GET /api/v1/strategies` in the seed's shape: each voting strategy with its weight, its
    /// closed trades (those it voted for) and whether a guardrail has it sitting out on a pair.
    func strategiesReport() -> (status: Int, json: String) {
        guard let stack else { return (200, Self.json(["strategies": [Any]()])) }
        let closed = stack.trades.filter { !$0.isOpen }
        let now = wall.nowMs()
        let first = stack.components(slot: 0)
        let rows: [[String: Any]] = first.indices.map { k in
            let c = first[k]
            let mine = closed.filter { $0.attribution.isEmpty ? $0.strategy == c.name : $0.attribution[c.name] != nil }
            let wins = mine.filter { ($0.pnl ?? 0) > 0 }.count
            let pnl = mine.reduce(0) { $0 + ($1.pnl ?? 0) }
            // Sitting out on any pair: the longest cooldown and the pairs it covers.
            let out = options.pairs.indices.compactMap { i -> (Pair, Int)? in
                let bars = stack.components(slot: i)[k].disabledForBars
                return bars > 0 ? (options.pairs[i], bars) : nil
            }
            var row: [String: Any] = ["name": c.name, "enabled": c.enabled, "weight": c.weight, "kind": "strategy",
                                      "total_trades": mine.count, "wins": wins, "losses": mine.count - wins,
                                      "win_rate": mine.isEmpty ? 0 : Double(wins) / Double(mine.count),
                                      "avg_pnl": mine.isEmpty ? 0 : pnl / Double(mine.count), "total_pnl": pnl,
                                      "performance_factor": c.performance, "runtime_disabled": !out.isEmpty,
                                      "runtime_disabled_until": NSNull(), "runtime_disable_reason": NSNull()]
            if let longest = out.map(\.1).max() {
                // Cooldowns count primary (1-minute) bars.
                row["runtime_disabled_until"] = UTCTime.iso(now + Int64(longest) * 60_000)
                row["runtime_disable_reason"] = "guardrail: recent win rate below the minimum on "
                    + out.map { "\($0.0) (\($0.1) bars)" }.joined(separator: ", ")
            }
            return row
        }
        return (200, Self.json(["strategies": rows]))
    }

    static func json(_ obj: Any) -> String {
        (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
