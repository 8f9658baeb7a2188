import Foundation
import NovaCore
import NovaEngine
import NovaSignals

/// `trades.csv` and `equity.csv` of a run. Times are ISO 8601 UTC; money and quantities are
/// written in Swift's shortest round-trip form, so reading them back gives the stored values
/// exactly; prices at 12 significant digits at most (`NumberText.clean`: no float noise).
public enum CSVExport {
    public static let tradeColumns = [
        "trade_id", "pair", "side", "strategy", "status", "entry_time", "entry_price", "exit_time", "exit_price",
        "quantity", "pnl", "pnl_pct", "fees", "entry_fee", "exit_fee", "stop_loss", "take_profit", "entry_reason", "exit_reason",
        "duration_seconds", "size_usd", "entry_decision_price", "exit_decision_price", "entry_slippage_bps", "exit_slippage_bps", "trend_regime", "vol_regime", "vol_level", "exit_tier", "partial_exits",
    ]

    public static func trades(_ trades: [Trade]) -> String {
        var out = tradeColumns.joined(separator: ",") + "\n"
        for t in trades {
            let fields: [String] = [
                t.tradeID, t.pair.description, t.side.rawValue, t.strategy, t.isOpen ? "open" : "closed",
                UTCTime.iso(t.entryTimeMs), price(t.entryPrice), t.exitTimeMs.map(UTCTime.iso) ?? "", t.exitPrice.map(price) ?? "",
                num(t.quantity), t.pnl.map(num) ?? "", t.pnlPct.map(num) ?? "", num(t.fees), num(t.entryFee), num(t.exitFee),
                t.stopLoss.map(price) ?? "", t.takeProfit.map(price) ?? "", t.entryReason, t.isOpen ? "" : (t.exitReason ?? ""),
                t.exitTimeMs.map { num(Double($0 - t.entryTimeMs) / 1000) } ?? "", price(t.entryPrice * t.quantity),
                t.entryDecisionPrice.map(price) ?? "", t.isOpen ? "" : (t.exitDecisionPrice.map(price) ?? ""),
                t.entrySlippageBps.map(num) ?? "", t.exitSlippageBps.map(num) ?? "",
                t.entryRegime?.trend ?? "", t.entryRegime?.volatility ?? "", t.entryRegime.map { num($0.volLevel) } ?? "",
                t.isOpen ? "" : String(t.exitTier),
                t.partialExits.map { "\($0.tier):\(num($0.quantity))@\(num($0.price))" }.joined(separator: " "),
            ]
            out += fields.map(quote).joined(separator: ",") + "\n"
        }
        return out
    }

    public static func equity(timestampMs: [Int64], equity: [Double]) -> String {
        String(decoding: equityBytes(timestampMs: timestampMs, equity: equity), as: UTF8.self)
    }

    /// equity.csv as UTF-8 bytes, what the report writes (no String of 40 MB made and copied).
    public static func equityBytes(timestampMs: [Int64], equity: [Double]) -> [UInt8] {
        // Built as bytes: a million-bar curve is written in a fraction of a second. A value
        // equal to the row before reuses its text: out of a position the curve is flat for
        // thousands of bars, and printing a Double was most of the file's cost.
        var out: [UInt8] = Array("time,equity\n".utf8)
        out.reserveCapacity(timestampMs.count * 40)
        var last = Double.nan, lastText: [UInt8] = []
        for i in timestampMs.indices {
            UTCTime.appendISO(timestampMs[i], to: &out)
            out.append(UInt8(ascii: ","))
            let v = equity[i]
            if v != last || v.sign != last.sign {
                last = v
                lastText = Array(v.description.utf8)
            }
            out.append(contentsOf: lastText)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// signals.csv: the header and a row per recorded evaluation (`runs export RUN --signals`).
    public static func signals(_ signals: [SignalEvent]) -> String {
        var out = signalsHeader
        signalRows(signals, into: &out)
        return out
    }

    public static let signalsHeader = "time,pair,strategy,action,direction,strength,acted_upon,reason,rejection,confluence_count,confidence,"
        + "is_sure_fire,timeframe_agreement,timeframes,regime,volatility_regime,vol_level,vol_expanding,stop_loss,take_profit,votes\n"

    /// The rows of `signals` appended to `out`.
    public static func signalRows(_ signals: [SignalEvent], into out: inout String) {
        // Appended field by field into one reserved string: a year of the full stack is ~470,000
        // rows, and building an array of strings per row was most of writing the report.
        out.reserveCapacity(out.utf8.count + signals.count * 320)
        var pair = "", pairName = Pair(base: "", quote: "")
        for s in signals {
            if s.pair != pairName { pairName = s.pair; pair = quote(s.pair.description) }
            out += UTCTime.iso(s.timestampMs); out += ","
            out += pair; out += ","
            out += quote(s.strategy); out += ","
            out += s.action.rawValue; out += ","
            out += s.direction; out += ","
            out += num(s.strength); out += ","
            out += s.actedUpon ? "1," : "0,"
            out += quote(s.reason); out += ","
            out += quote(s.rejection ?? "")
            if let c = s.confluence {
                out += ","; out += String(c.confluenceCount)
                out += ","; out += num(c.confidence)
                out += c.isSureFire ? ",1," : ",0,"
                out += String(c.timeframeAgreement); out += ","
                var first = true
                for (k, v) in c.timeframes.sorted(by: { $0.key < $1.key }) {
                    if !first { out += " " }
                    first = false
                    out += k; out += "="; out += v
                }
                out += ","; out += quote(c.regime)
                out += ","; out += quote(c.volatilityRegime)
                out += ","; out += num(c.volLevel)
                out += c.volExpanding ? ",1," : ",0,"
                out += num(c.stopLoss); out += ","; out += num(c.takeProfit); out += ","
                first = true
                for v in c.signals {
                    if !first { out += " " }
                    first = false
                    out += v.strategy; out += ":"; out += v.direction.rawValue; out += ":"; out += fixed2(v.strength)
                }
            } else {
                out += ",,,,,,,,,,,,"
            }
            out += "\n"
        }
    }

    /// `String(format: "%.2f")` without the format machinery (votes are in [-1, 1]-ish).
    static func fixed2(_ x: Double) -> String {
        guard x.isFinite, abs(x) < 1e12 else { return String(format: "%.2f", x) }
        let cents = Int64((abs(x) * 100).rounded())
        let frac = cents % 100
        return (x < 0 ? "-" : "") + String(cents / 100) + (frac < 10 ? ".0" : ".") + String(frac)
    }

    /// One row per scalar metric: the run's value and buy and hold's where it has one.
    public static func metrics(_ m: RunMetrics) -> String {
        let bh: [String: Double?] = [
            "total_return_pct": m.buyAndHold.totalReturnPct, "cagr_pct": m.buyAndHold.cagrPct,
            "volatility_pct": m.buyAndHold.volatilityPct, "sharpe": m.buyAndHold.sharpe, "sortino": m.buyAndHold.sortino,
            "calmar": m.buyAndHold.calmar, "max_drawdown_pct": m.buyAndHold.maxDrawdownPct, "max_drawdown": m.buyAndHold.maxDrawdown,
            "max_drawdown_duration_seconds": m.buyAndHold.maxDrawdownDurationSeconds,
        ]
        var out = "metric,value,buy_and_hold\n"
        for (name, value) in m.scalars {
            out += "\(name),\(value.map(num) ?? ""),\((bh[name] ?? nil).map(num) ?? "")\n"
        }
        return out
    }

    static func num(_ x: Double) -> String { "\(x)" }
    /// Prices (and a position's value) without floating-point noise: a stop computed from an
    /// ATR is `26078.8994`, not `26078.899400000002`.
    static func price(_ x: Double) -> String { NumberText.clean(x) }

    public static func quote(_ field: String) -> String {
        // Byte scan: far cheaper than Character iteration on every field.
        guard field.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
