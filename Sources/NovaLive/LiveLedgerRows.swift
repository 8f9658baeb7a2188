import Foundation
import NovaCore
import NovaStorage

/// A trade as a row of the seed's `trades` ledger, with the seed's metadata field names.
enum LiveLedgerRows {
    /// `idPrefix` keeps a later journal's trade ids (its engine counts from 1 again) from
    /// overwriting an earlier one's rows: `S2-T-000000000001`.
    static func row(_ t: Trade, mode: String, idPrefix: String = "") -> LiveLedger.TradeRow {
        var meta: [String: Any] = ["mode": mode, "order_type": t.entryOrderType, "entry_fee": t.entryFee, "fees": t.fees,
                                   "size_usd": t.entryPrice * t.quantity, "filled_units": t.quantity, "partial_fill": t.entryPartialFill]
        if let p = t.entryDecisionPrice { meta["planned_entry_price"] = p }
        if let s = t.stopLoss { meta["planned_stop_loss"] = s }
        if let tp = t.takeProfit { meta["planned_take_profit"] = tp }
        if let r = t.entryFeeRate { meta["entry_fee_rate"] = r }
        if let r = t.exitFeeRate { meta["exit_fee_rate"] = r }
        if !t.attribution.isEmpty { meta["strategies"] = t.attribution }
        if t.side == .sell { meta["direction"] = "short"; meta["leverage"] = t.leverage ?? 1; meta["margin_fees"] = t.marginFees }
        if let state = t.stopState, let data = try? JSONEncoder().encode(state), let obj = try? JSONSerialization.jsonObject(with: data) {
            meta["stop_loss_state"] = obj
        }
        let metadata = (try? JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
        let duration = t.exitTimeMs.map { Double($0 - t.entryTimeMs) / 1000 }
        return LiveLedger.TradeRow(tradeID: idPrefix + t.tradeID, pair: t.pair.description, side: t.side.rawValue, entryPrice: t.entryPrice,
                                   exitPrice: t.exitPrice, quantity: t.quantity, status: t.isOpen ? "open" : "closed", strategy: t.strategy,
                                   confidence: nil, stopLoss: t.stopLoss, takeProfit: t.takeProfit, pnl: t.isOpen ? 0 : (t.pnl ?? 0),
                                   pnlPct: t.isOpen ? 0 : (t.pnlPct ?? 0), fees: t.fees, entryTime: UTCTime.iso(t.entryTimeMs),
                                   exitTime: t.exitTimeMs.map(UTCTime.iso), durationSeconds: duration,
                                   notes: t.isOpen ? t.entryReason : t.exitReason, metadata: metadata)
    }
}
