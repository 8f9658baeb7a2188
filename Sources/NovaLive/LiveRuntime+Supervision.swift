import Foundation
import NovaCore

/// What the runtime watches on its timer: the ledger writer's health, and the status line.
extension LiveRuntime {
    /// Three failed ledger writes in a row pause entries; the first write that succeeds lifts
    /// it. Exits and protection go on either way. Both changes are said and logged.
    func superviseLedger() {
        let failing = writer.consecutiveFailures >= 3
        guard failing != ledgerFailing else { return }
        ledgerFailing = failing
        let line = failing ? "the ledger cannot be written (3 failed writes in a row): no new entries until a write succeeds"
                           : "ledger writes succeed again: entries open"
        options.output(line)
        log.write(line, level: failing ? "error" : "info", logger: "supervisor")
        try? thought("system", line, severity: failing ? "error" : "info")
        refreshEntryBlock()
    }

    /// Every `live.status_line_s`: the connection, each pair's last bar, equity and drawdown,
    /// open positions, and whether entries are open.
    func statusLine(now: Int64) {
        guard primed, let stack else { return }
        let every = Int64(options.config.live.statusLineS * 1000)
        if lastStatusLineMs == 0 { lastStatusLineMs = now; return }
        guard now - lastStatusLineMs >= every else { return }
        lastStatusLineMs = now
        options.output(statusText(stack, now: now))
    }

    /// `BTC/USD long 0.014800 @ 67631.6`: an open position in the terminal's lines.
    static func positionText(_ t: Trade) -> String {
        "\(t.pair) \(t.side == .buy ? "long" : "short") \(String(format: "%.6f", t.quantity)) @ \(t.entryPrice)"
    }

    func statusText(_ stack: any LiveStack, now: Int64) -> String {
        let initial = options.config.backtest.initialCash
        let bars = options.pairs.indices.map { i -> String in
            guard let b = lastBars[i] else { return "\(options.pairs[i]) none yet" }
            return "\(options.pairs[i]) \(UTCTime.iso(b.timestampMs).dropFirst(11).prefix(5)) \(b.close)"
        }
        let open = stack.trades.filter(\.isOpen)
        let positions = open.isEmpty ? "no open position" : "\(open.count) open: " + open.map { t in
            Self.positionText(t) + (t.stopLoss.map { " stop \($0)" } ?? "")
        }.joined(separator: ", ")
        let drawdown = stack.peakEquity > 0 ? (1 - stack.equity / stack.peakEquity) * 100 : 0
        return "status \(UTCTime.iso(now).dropFirst(11).prefix(8)): WebSocket \(handle != nil ? "connected" : "down"), last bars "
            + bars.joined(separator: ", ")
            + String(format: "; equity %.2f (%+.2f%%, drawdown %.2f%%); ", stack.equity, (stack.equity / initial - 1) * 100, drawdown)
            + positions + "; " + (entryBlockReason.map { "entries blocked: \($0)" } ?? "entries open")
    }
}
