import Foundation
import NovaCore

/// The status endpoint's answers, read from the running session and its ledger.
extension LiveRuntime {
    /// The status endpoint's answers, in the seed's shapes (novapulse-data-formats.md).
    func status(_ path: String) -> (status: Int, json: String) {
        let json = Self.json
        let now = wall.nowMs()
        switch path {
        case "/api/v1/health":
            return (200, json(["status": "healthy", "version": "0.1.0", "timestamp": UTCTime.iso(now)]))
        case "/api/v1/status":
            var body: [String: Any] = ["status": primed ? "running" : "warming_up", "exchange": market.exchangeName.lowercased(), "mode": options.mode.rawValue,
                                       "paused": paused, "entry_block": entryBlockReason ?? NSNull(), "uptime_seconds": (now - startedMs) / 1000,
                                       "scan_count": summary.liveBars, "pairs": options.pairs.map(\.description), "scan_interval": 60,
                                       "ws_connected": handle != nil]
            // Live mode: the last reconciliation with the exchange and what it changed.
            if let r = lastReconciliation {
                body["reconciliation"] = ["at": UTCTime.iso(r.atMs), "reason": r.reason, "changes": r.changes, "count": summary.reconciliations]
            }
            // Shadow mode: orders compared with the simulator so far, and those still open.
            if let shadow {
                body["shadow"] = ["compared": summary.shadowSettled, "open": shadow.pending.count,
                                  "simulators": shadow.candidates.map(\.label)] as [String: Any]
            }
            return (200, json(body))
        case "/api/v1/trades", "/api/v1/positions":
            let rows = ((try? ledger.trades(status: path.hasSuffix("positions") ? "open" : nil, limit: 200)) ?? []).map { t -> [String: Any] in
                var o: [String: Any] = ["trade_id": t.tradeID, "pair": t.pair, "side": t.side, "entry_price": t.entryPrice, "quantity": t.quantity,
                                        "status": t.status, "strategy": t.strategy, "pnl": t.pnl, "pnl_pct": t.pnlPct, "fees": t.fees,
                                        "entry_time": t.entryTime]
                if let x = t.exitPrice { o["exit_price"] = x }
                if let x = t.exitTime { o["exit_time"] = x }
                if let x = t.stopLoss { o["stop_loss"] = x }
                if let x = t.takeProfit { o["take_profit"] = x }
                if let m = t.metadata, let obj = try? JSONSerialization.jsonObject(with: Data(m.utf8)) { o["metadata"] = obj }
                return o
            }
            return (200, json([path.hasSuffix("positions") ? "positions" : "trades": rows]))
        case "/api/v1/risk":
            let equity = stack?.equity ?? options.config.backtest.initialCash
            let initial = options.config.backtest.initialCash
            let peak = stack?.peakEquity ?? initial
            let open = stack?.trades.filter(\.isOpen) ?? []
            return (200, json(["bankroll": equity, "initial_bankroll": initial, "total_return_pct": (equity / initial - 1) * 100,
                               "peak_bankroll": peak, "current_drawdown": peak > 0 ? (1 - equity / peak) * 100 : 0,
                               "open_positions": open.count, "total_exposure_usd": open.reduce(0) { $0 + $1.entryPrice * $1.quantity },
                               "trade_count": stack?.trades.count ?? 0]))
        case "/api/v1/strategies":
            return strategiesReport()
        case "/api/v1/thoughts":
            let rows = ((try? ledger.thoughts(limit: 100)) ?? []).map { ["timestamp": $0.timestamp, "category": $0.category, "message": $0.message, "severity": $0.severity] }
            return (200, json(["thoughts": rows]))
        default:
            return (404, json(["error": "no such endpoint: \(path)"]))
        }
    }
}
