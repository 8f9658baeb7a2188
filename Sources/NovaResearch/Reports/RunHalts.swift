import NovaCore
import NovaEngine

/// How a run's halts read in notes, the terminal and the report, and what share of the window
/// they took.
public enum RunHalts {
    /// "trading halted 2023-03-05 16:57 -> 2023-03-21 23:59 (end of data) by kelly (sizing:
    /// Kelly fraction -0.447 <= 0: no measured edge): 4,211 entries refused, 37 shadow outcomes".
    public static func describe(_ h: Halt) -> String {
        let end = h.endMs.map(minute) ?? "end of data"
        return "trading halted \(minute(h.startMs)) -> \(end) by \(h.gate) (\(h.reason)): \(grouped(h.refused)) entries refused, "
            + "\(h.shadowOutcomes) shadow outcome\(h.shadowOutcomes == 1 ? "" : "s") meanwhile"
    }

    /// The halted share of the window [firstMs, lastMs].
    public static func share(_ halts: [Halt], firstMs: Int64, lastMs: Int64) -> Double {
        guard lastMs > firstMs else { return 0 }
        let t = halts.reduce(Int64(0)) { $0 + max(0, min($1.endMs ?? lastMs, lastMs) - max($1.startMs, firstMs)) }
        return Double(t) / Double(lastMs - firstMs)
    }

    static func minute(_ ms: Int64) -> String { String(UTCTime.iso(ms).prefix(16)).replacingOccurrences(of: "T", with: " ") }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
