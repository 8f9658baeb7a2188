import Foundation
import NovaCore

/// Return-based statistics of an equity curve sampled once per bar, as empyrical defines them
/// (docs/metrics.md). Crypto trades 24/7: `barsPerYear` is 365 days of bars.
public struct ReturnMetrics: Codable, Sendable, Equatable {
    public var totalReturnPct: Double
    /// Compound annual growth: (final / initial)^(1 / years) - 1, years = returns / barsPerYear.
    public var cagrPct: Double
    /// Annualised standard deviation of per-bar returns (sample, n - 1).
    public var volatilityPct: Double
    public var sharpe: Double
    public var sortino: Double
    /// CAGR / max drawdown; nil without a drawdown.
    public var calmar: Double?
    public var maxDrawdownPct: Double
    public var maxDrawdown: Double
    /// Longest drawdown: from a peak to the first sample back at or above it (or to the last
    /// sample, if equity never recovered), in seconds; 0 without a drawdown.
    public var maxDrawdownDurationSeconds: Double

    enum CodingKeys: String, CodingKey {
        case totalReturnPct = "total_return_pct", cagrPct = "cagr_pct", volatilityPct = "volatility_pct", sharpe, sortino, calmar
        case maxDrawdownPct = "max_drawdown_pct", maxDrawdown = "max_drawdown", maxDrawdownDurationSeconds = "max_drawdown_duration_seconds"
    }

    /// O(n), one pass for returns and drawdown; allocates nothing but the result.
    public static func compute(timestampMs: [Int64], equity: [Double], barsPerYear: Double) -> ReturnMetrics {
        guard let first = equity.first, let last = equity.last, first > 0 else {
            return ReturnMetrics(totalReturnPct: 0, cagrPct: 0, volatilityPct: 0, sharpe: 0, sortino: 0, calmar: nil,
                                 maxDrawdownPct: 0, maxDrawdown: 0, maxDrawdownDurationSeconds: 0)
        }
        // Welford for mean and variance; downside second moment for Sortino.
        var n = 0.0, mean = 0.0, m2 = 0.0, downside = 0.0
        var peak = first, peakTime = timestampMs[0], maxDD = 0.0, maxDDPct = 0.0, longest: Int64 = 0, underwater = false
        for i in equity.indices {
            let e = equity[i]
            if i > 0 && equity[i - 1] > 0 {
                let r = e / equity[i - 1] - 1
                n += 1
                let delta = r - mean
                mean += delta / n
                m2 += delta * (r - mean)
                if r < 0 { downside += r * r }
            }
            if e >= peak {
                // Recovered (or a new high): a drawdown that just ended lasted peak to here.
                if underwater { longest = max(longest, timestampMs[i] - peakTime) }
                peak = e; peakTime = timestampMs[i]; underwater = false
            } else {
                underwater = true
            }
            maxDD = max(maxDD, peak - e)
            if peak > 0 { maxDDPct = max(maxDDPct, (peak - e) / peak) }
        }
        if underwater { longest = max(longest, timestampMs[timestampMs.count - 1] - peakTime) }
        let sd = n > 1 ? (m2 / (n - 1)).squareRoot() : 0
        let downsideRisk = n > 0 ? (downside / n).squareRoot() : 0
        let growth = last / first
        let years = n / barsPerYear
        let cagr = years > 0 && growth > 0 ? pow(growth, 1 / years) - 1 : (growth <= 0 ? -1 : 0)
        return ReturnMetrics(
            totalReturnPct: (growth - 1) * 100, cagrPct: cagr * 100, volatilityPct: sd * barsPerYear.squareRoot() * 100,
            sharpe: sd > 0 ? mean / sd * barsPerYear.squareRoot() : 0,
            sortino: downsideRisk > 0 ? mean / downsideRisk * barsPerYear.squareRoot() : 0,
            calmar: maxDDPct > 0 ? cagr / maxDDPct : nil, maxDrawdownPct: maxDDPct * 100, maxDrawdown: maxDD,
            maxDrawdownDurationSeconds: Double(longest) / 1000)
    }

    /// Compounded return of each calendar month (UTC): the month's last equity over the
    /// previous month's last (the first month starts from the first equity).
    public static func monthlyReturns(timestampMs: [Int64], equity: [Double]) -> [MonthlyReturn] {
        guard !equity.isEmpty else { return [] }
        // Month keys as integers (year * 12 + month): no string per sample.
        func monthKey(_ ms: Int64) -> Int64 {
            let days = ms >= 0 ? ms / 86_400_000 : -((-ms + 86_399_999) / 86_400_000)
            let (y, m, _) = UTCTime.civilFromDays(days)
            return y * 12 + (m - 1)
        }
        func label(_ key: Int64) -> String {
            let m = key % 12 + 1
            return "\(key / 12)-" + (m < 10 ? "0\(m)" : "\(m)")
        }
        var out: [MonthlyReturn] = []
        var base = equity[0]
        var month = monthKey(timestampMs[0])
        // Bars of one month are contiguous: only test the boundary when a day changes.
        var day = timestampMs[0] / 86_400_000
        for i in equity.indices {
            let d = timestampMs[i] / 86_400_000
            guard d != day else { continue }
            day = d
            let m = monthKey(timestampMs[i])
            if m != month {
                out.append(MonthlyReturn(month: label(month), returnPct: (equity[i - 1] / base - 1) * 100))
                base = equity[i - 1]
                month = m
            }
        }
        out.append(MonthlyReturn(month: label(month), returnPct: (equity[equity.count - 1] / base - 1) * 100))
        return out
    }
}

/// One calendar month's return, `month` as `YYYY-MM`.
public struct MonthlyReturn: Codable, Sendable, Equatable {
    public var month: String
    public var returnPct: Double
    enum CodingKeys: String, CodingKey { case month, returnPct = "return_pct" }
}

/// Closed trades grouped by a key (strategy, entry hour, exit month, exit reason).
public struct BreakdownRow: Codable, Sendable, Equatable {
    public var key: String
    public var trades: Int
    public var wins: Int
    public var pnl: Double
    public var fees: Double
    public var winRate: Double { trades > 0 ? Double(wins) / Double(trades) : 0 }
    enum CodingKeys: String, CodingKey { case key, trades, wins, pnl, fees }

    /// Like `group`, with each trade counted under every key it has.
    static func groupMany(_ trades: [Trade], by keys: (Trade) -> [String]) -> [BreakdownRow] {
        var rows: [String: BreakdownRow] = [:]
        for t in trades {
            guard let pnl = t.pnl else { continue }
            for k in keys(t) {
                var row = rows[k] ?? BreakdownRow(key: k, trades: 0, wins: 0, pnl: 0, fees: 0)
                row.trades += 1
                if pnl > 0 { row.wins += 1 }
                row.pnl += pnl
                row.fees += t.fees
                rows[k] = row
            }
        }
        return rows.values.sorted { $0.key < $1.key }
    }

    static func group(_ trades: [Trade], by key: (Trade) -> String) -> [BreakdownRow] {
        groupMany(trades) { [key($0)] }
    }
}
