import Foundation

/// The running session's endpoint replies as lines for the terminal.
enum LiveStatusText {
    static func json(_ parts: [String: [String: Any]]) -> String {
        (try? JSONSerialization.data(withJSONObject: parts, options: [.sortedKeys, .prettyPrinted])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func summary(_ parts: [String: [String: Any]], port: Int) -> String {
        // Several accounts (`--accounts`): every page is {"accounts": {NAME: page}}.
        if let accounts = parts["status"]?["accounts"] as? [String: Any] {
            return accounts.keys.sorted().map { name in
                var one: [String: [String: Any]] = [:]
                for (page, body) in parts { one[page] = (body["accounts"] as? [String: Any])?[name] as? [String: Any] ?? [:] }
                return summary(one, port: port).split(separator: "\n").map { "[\(name)] \($0)" }.joined(separator: "\n")
            }.joined(separator: "\n")
        }
        let s = parts["status"] ?? [:], r = parts["risk"] ?? [:]
        let pairs = (s["pairs"] as? [String] ?? []).joined(separator: ",")
        var lines = ["novapulse live on 127.0.0.1:\(port): \(s["status"] ?? "?"), \(s["mode"] ?? "?") on \(s["exchange"] ?? "?") \(pairs)"]
        let uptime = (s["uptime_seconds"] as? NSNumber)?.intValue ?? 0
        let block = (s["entry_block"] as? String).map { "entries blocked: \($0)" } ?? "entries open"
        lines.append("  up \(duration(uptime)), \(s["scan_count"] ?? 0) live bars, WebSocket \((s["ws_connected"] as? Bool) == true ? "connected" : "down"), \(block)")
        let bankroll = num(r["bankroll"]), ret = num(r["total_return_pct"]), dd = num(r["current_drawdown"])
        let open = (r["open_positions"] as? NSNumber)?.intValue ?? 0
        lines.append("  bankroll \(money(bankroll)) (\(String(format: "%+.2f", ret))%, drawdown \(String(format: "%.2f", dd))%), "
                     + "\(open) open position\(open == 1 ? "" : "s"), exposure \(money(num(r["total_exposure_usd"]))), \(r["trade_count"] ?? 0) trades")
        for p in parts["positions"]?["positions"] as? [[String: Any]] ?? [] {
            var l = "  open \(p["pair"] ?? "?") \(p["side"] ?? "?") \(p["quantity"] ?? "?") @ \(p["entry_price"] ?? "?") since \(p["entry_time"] ?? "?")"
            if let stop = p["stop_loss"] { l += ", stop \(stop)" }
            lines.append(l)
        }
        let sitting = (parts["strategies"]?["strategies"] as? [[String: Any]] ?? []).filter { ($0["runtime_disabled"] as? Bool) == true }
        for st in sitting {
            lines.append("  \(st["name"] ?? "?") sits out until \(st["runtime_disabled_until"] ?? "?"): \(st["runtime_disable_reason"] ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    static func control(_ command: String, _ reply: [String: Any]) -> String {
        if let accounts = reply["accounts"] as? [String: Any] {
            return accounts.keys.sorted().map { "[\($0)] " + control(command, accounts[$0] as? [String: Any] ?? [:]) }.joined(separator: "\n")
        }
        switch command {
        case "pause":
            return (reply["changed"] as? Bool) == true ? "paused: no new entries; open positions keep their stops and exits" : "already paused"
        case "resume":
            return (reply["changed"] as? Bool) == true ? "resumed: entries are open again" : "was not paused"
        default:
            let closing = reply["closing"] as? [String] ?? []
            var line = closing.isEmpty ? "no open position to close" : "exit orders placed for \(closing.joined(separator: ", "))"
            let refused = reply["refused"] as? [[String: Any]] ?? []
            if !refused.isEmpty { line += "; refused: " + refused.map { "\($0["pair"] ?? "?") (\($0["reason"] ?? "?"))" }.joined(separator: ", ") }
            if (reply["paused"] as? Bool) != true { line += " (the session goes on taking entries: `novapulse live pause` stops them)" }
            return line
        }
    }

    static func num(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? 0 }
    static func money(_ v: Double) -> String { String(format: "%.2f", v) }
    static func duration(_ s: Int) -> String { s >= 3600 ? "\(s / 3600)h \(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m \(s % 60)s" : "\(s)s" }
}
