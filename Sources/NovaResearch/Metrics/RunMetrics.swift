import Foundation
import NovaCore

/// The headline numbers of a run, stored as the `results` JSON of its `backtest_runs` row.
/// Definitions (crypto trades 24/7, so annualisation uses 365 days of bars):
/// - returns are per bar, `r_t = equity_t / equity_{t-1} - 1`, over the equity curve;
/// - Sharpe = mean(r) / stdev(r) (sample, n - 1) x sqrt(bars per year), risk-free rate 0;
/// - Sortino = mean(r) / sqrt(mean(min(r, 0)^2)) x sqrt(bars per year);
/// - max drawdown = the largest fall from a running equity peak, in % of that peak and in cash;
/// - win rate, averages and profit factor are over closed round trips, P&L net of fees;
/// - exposure = share of equity samples with a position open;
/// - buy and hold = last close / first close - 1 over the same bars (mean over pairs).
public struct RunMetrics: Codable, Sendable, Equatable {
    public var initialCash: Double
    public var finalEquity: Double
    public var netPnl: Double
    public var totalReturnPct: Double
    public var realisedPnl: Double
    public var unrealisedPnl: Double
    public var feesPaid: Double
    public var trades: Int
    public var openTrades: Int
    public var wins: Int
    public var losses: Int
    public var winRate: Double
    public var averageWin: Double
    public var averageLoss: Double
    public var largestWin: Double
    public var largestLoss: Double
    public var profitFactor: Double?
    public var expectancy: Double
    public var maxDrawdownPct: Double
    public var maxDrawdown: Double
    public var sharpe: Double
    public var sortino: Double
    public var exposurePct: Double
    public var buyAndHoldReturnPct: Double
    public var bars: Int
    public var startTime: String
    public var endTime: String

    enum CodingKeys: String, CodingKey {
        case initialCash = "initial_cash", finalEquity = "final_equity", netPnl = "net_pnl"
        case totalReturnPct = "total_return_pct", realisedPnl = "realised_pnl", unrealisedPnl = "unrealised_pnl"
        case feesPaid = "fees_paid", trades, openTrades = "open_trades", wins, losses, winRate = "win_rate"
        case averageWin = "average_win", averageLoss = "average_loss", largestWin = "largest_win"
        case largestLoss = "largest_loss", profitFactor = "profit_factor", expectancy
        case maxDrawdownPct = "max_drawdown_pct", maxDrawdown = "max_drawdown", sharpe, sortino
        case exposurePct = "exposure_pct", buyAndHoldReturnPct = "buy_and_hold_return_pct", bars
        case startTime = "start_time", endTime = "end_time"
    }

    /// Computes the metrics of a finished run.
    /// - Parameters:
    ///   - lastClose: the last close of each trade's pair, to mark open trades.
    public static func compute(initialCash: Double, trades: [Trade], equityTimestampMs: [Int64], equity: [Double],
                               timeframe: Timeframe, lastClose: [Pair: Double], buyAndHoldReturn: Double) -> RunMetrics {
        let closed = trades.filter { !$0.isOpen }
        let open = trades.filter { $0.isOpen }
        let pnls = closed.map { $0.pnl! }
        let winners = pnls.filter { $0 > 0 }
        let losers = pnls.filter { $0 <= 0 }
        let grossWin = winners.reduce(0, +)
        let grossLoss = -losers.reduce(0, +)
        let finalEquity = equity.last ?? initialCash
        let unrealised = open.reduce(0.0) { $0 + $1.unrealisedPnL(at: lastClose[$1.pair] ?? $1.entryPrice) }

        var peak = -Double.infinity, maxDDPct = 0.0, maxDD = 0.0
        for e in equity {
            peak = max(peak, e)
            if peak > 0 {
                maxDD = max(maxDD, peak - e)
                maxDDPct = max(maxDDPct, (peak - e) / peak)
            }
        }
        var returns: [Double] = []
        returns.reserveCapacity(equity.count)
        for i in equity.indices.dropFirst() where equity[i - 1] > 0 { returns.append(equity[i] / equity[i - 1] - 1) }
        let n = Double(returns.count)
        let mean = n > 0 ? returns.reduce(0, +) / n : 0
        let variance = n > 1 ? returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
        let downside = n > 0 ? (returns.reduce(0) { $0 + min($1, 0) * min($1, 0) } / n).squareRoot() : 0
        let annual = timeframe.barsPerYear.squareRoot()
        let sharpe = variance > 0 ? mean / variance.squareRoot() * annual : 0
        let sortino = downside > 0 ? mean / downside * annual : 0

        // Exposure: mark equity samples covered by any trade [entry, exit).
        var delta = [Int](repeating: 0, count: equityTimestampMs.count + 1)
        func lowerBound(_ t: Int64) -> Int {
            var lo = 0, hi = equityTimestampMs.count
            while lo < hi { let mid = (lo + hi) / 2; if equityTimestampMs[mid] < t { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        for t in trades {
            let a = lowerBound(t.entryTimeMs)
            let b = t.exitTimeMs.map(lowerBound) ?? equityTimestampMs.count
            if b > a { delta[a] += 1; delta[b] -= 1 }
        }
        var running = 0, exposed = 0
        for i in equityTimestampMs.indices { running += delta[i]; if running > 0 { exposed += 1 } }

        return RunMetrics(
            initialCash: initialCash, finalEquity: finalEquity, netPnl: finalEquity - initialCash,
            totalReturnPct: (finalEquity / initialCash - 1) * 100, realisedPnl: pnls.reduce(0, +), unrealisedPnl: unrealised,
            feesPaid: trades.reduce(0) { $0 + $1.fees }, trades: closed.count, openTrades: open.count,
            wins: winners.count, losses: losers.count, winRate: closed.isEmpty ? 0 : Double(winners.count) / Double(closed.count),
            averageWin: winners.isEmpty ? 0 : grossWin / Double(winners.count),
            averageLoss: losers.isEmpty ? 0 : -grossLoss / Double(losers.count),
            largestWin: winners.max() ?? 0, largestLoss: losers.min() ?? 0,
            profitFactor: grossLoss > 0 ? grossWin / grossLoss : nil,
            expectancy: closed.isEmpty ? 0 : pnls.reduce(0, +) / Double(closed.count),
            maxDrawdownPct: maxDDPct * 100, maxDrawdown: maxDD, sharpe: sharpe, sortino: sortino,
            exposurePct: equity.isEmpty ? 0 : Double(exposed) / Double(equity.count) * 100,
            buyAndHoldReturnPct: buyAndHoldReturn * 100, bars: equity.count,
            startTime: equityTimestampMs.first.map(UTCTime.iso) ?? "", endTime: equityTimestampMs.last.map(UTCTime.iso) ?? "")
    }
}
