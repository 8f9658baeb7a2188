import Foundation
import NovaCore

/// `trades.csv` and `equity.csv` of a run. Times are ISO 8601 UTC; numbers are written in
/// Swift's shortest round-trip form, so reading them back gives the stored values exactly.
public enum CSVExport {
    public static let tradeColumns = [
        "trade_id", "pair", "side", "strategy", "status", "entry_time", "entry_price", "exit_time", "exit_price",
        "quantity", "pnl", "pnl_pct", "fees", "entry_fee", "exit_fee", "stop_loss", "take_profit", "entry_reason", "exit_reason",
    ]

    public static func trades(_ trades: [Trade]) -> String {
        var out = tradeColumns.joined(separator: ",") + "\n"
        for t in trades {
            let fields: [String] = [
                t.tradeID, t.pair.description, t.side.rawValue, t.strategy, t.isOpen ? "open" : "closed",
                UTCTime.iso(t.entryTimeMs), num(t.entryPrice), t.exitTimeMs.map(UTCTime.iso) ?? "", t.exitPrice.map(num) ?? "",
                num(t.quantity), t.pnl.map(num) ?? "", t.pnlPct.map(num) ?? "", num(t.fees), num(t.entryFee), num(t.exitFee),
                t.stopLoss.map(num) ?? "", t.takeProfit.map(num) ?? "", t.entryReason, t.isOpen ? "" : (t.exitReason ?? ""),
            ]
            out += fields.map(quote).joined(separator: ",") + "\n"
        }
        return out
    }

    public static func equity(timestampMs: [Int64], equity: [Double]) -> String {
        // Built as bytes: a million-bar curve is written in a fraction of a second.
        var out: [UInt8] = Array("time,equity\n".utf8)
        out.reserveCapacity(timestampMs.count * 40)
        for i in timestampMs.indices {
            UTCTime.appendISO(timestampMs[i], to: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: equity[i].description.utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func num(_ x: Double) -> String { "\(x)" }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
