import Foundation
import NovaCore
import NovaMarketData
import NovaSignals

/// `novapulse signals`: runs the confluence stack over a pair's bars (as if always flat, so no
/// position gate interferes) and writes one row per bar with its confluence fields: what the
/// stack saw and concluded on every bar, including the quiet ones.
public enum SignalExport {
    public static let header = "time,direction,confluence_count,strength,confidence,is_sure_fire,timeframe_agreement,tf_1,tf_2,tf_3,"
        + "regime,volatility_regime,vol_level,vol_expanding,entry_price,stop_loss,take_profit,obi,book_score,rejection,"
        + SignalStrategyKind.allCases.map(\.rawValue).joined(separator: ",")

    public struct Summary: Sendable { public var rows: Int; public var nonNeutral: Int; public var passed: Int }

    public static func export(bars: BarSeries, config: ConfluenceStrategy.Config, to out: String) throws -> Summary {
        var strategy = ConfluenceStrategy(config: config)
        strategy.recordsWeakEvaluations = true
        var text = Array((header + "\n").utf8)
        text.reserveCapacity(bars.count * 120)
        var nonNeutral = 0, passed = 0
        let frames = config.timeframes.map { "\($0)m" }
        for i in 0..<bars.count {
            let bar = bars.bar(at: i)
            _ = strategy.onBar(bar, position: .flat)
            UTCTime.appendISO(bar.timestampMs, to: &text)
            guard let s = strategy.lastSignal else {
                text.append(contentsOf: ",neutral".utf8)
                text.append(contentsOf: [UInt8](repeating: UInt8(ascii: ","), count: 18 + SignalStrategyKind.allCases.count))
                text.append(UInt8(ascii: "\n"))
                continue
            }
            nonNeutral += 1
            if s.rejection == nil { passed += 1 }
            var fields: [String] = [s.direction.rawValue, String(s.confluenceCount), s.strength.description, s.confidence.description,
                                    s.isSureFire ? "1" : "0", String(s.timeframeAgreement)]
            for k in 0..<3 { fields.append(k < frames.count ? (s.timeframes[frames[k]] ?? "") : "") }
            fields += [s.regime, s.volatilityRegime, s.volLevel.description, s.volExpanding ? "1" : "0", s.entryPrice.description,
                       s.stopLoss.description, s.takeProfit.description, s.obi.map(\.description) ?? "", s.bookScore.map(\.description) ?? "",
                       CSVExport.quote(s.rejection ?? "")]
            for kind in SignalStrategyKind.allCases {
                if let v = s.signals.first(where: { $0.strategy == kind.rawValue }) {
                    fields.append((v.direction == .long ? "" : "-") + String(format: "%.3f", v.strength))
                } else {
                    fields.append("")
                }
            }
            text.append(UInt8(ascii: ","))
            text.append(contentsOf: fields.joined(separator: ",").utf8)
            text.append(UInt8(ascii: "\n"))
        }
        do { try Data(text).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw MarketDataError.usage("cannot write \(out): \(error.localizedDescription)")
        }
        return Summary(rows: bars.count, nonNeutral: nonNeutral, passed: passed)
    }
}
