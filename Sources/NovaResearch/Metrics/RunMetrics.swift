import Foundation
import NovaCore

/// Everything a run is judged by, stored as the `results` JSON of its `backtest_runs` row and
/// shown in the report. Each figure is defined in docs/metrics.md; return statistics follow
/// empyrical (tested against it), trade statistics are over closed round trips, P&L net of fees.
public struct RunMetrics: Codable, Sendable, Equatable {
    public var initialCash: Double
    public var finalEquity: Double
    public var netPnl: Double
    public var totalReturnPct: Double
    public var cagrPct: Double
    public var volatilityPct: Double
    public var sharpe: Double
    public var sortino: Double
    public var calmar: Double?
    public var maxDrawdownPct: Double
    public var maxDrawdown: Double
    public var maxDrawdownDurationSeconds: Double
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
    /// System quality number (Van Tharp): sqrt(trades) x mean(P&L) / stdev(P&L).
    public var sqn: Double?
    public var exposurePct: Double
    /// Quote notional traded (both sides) over average equity.
    public var turnover: Double
    public var tradesPerDay: Double
    public var averageHoldingSeconds: Double
    public var buyAndHoldReturnPct: Double
    public var buyAndHold: ReturnMetrics
    public var monthlyReturns: [MonthlyReturn]
    public var byStrategy: [BreakdownRow]
    public var byEntryHour: [BreakdownRow]
    public var byExitMonth: [BreakdownRow]
    public var byExitReason: [BreakdownRow]
    /// By the market regime on the entry's decision bar ("trend/high_vol", ...).
    public var byRegime: [BreakdownRow]
    /// Per strategy of the confluence stack: the closed trades it voted for, how many won
    /// (it was right), and their P&L: which strategies earn their weight.
    public var byVotingStrategy: [BreakdownRow]
    public var bars: Int
    public var startTime: String
    public var endTime: String

    enum CodingKeys: String, CodingKey {
        case initialCash = "initial_cash", finalEquity = "final_equity", netPnl = "net_pnl"
        case totalReturnPct = "total_return_pct", cagrPct = "cagr_pct", volatilityPct = "volatility_pct", sharpe, sortino, calmar
        case maxDrawdownPct = "max_drawdown_pct", maxDrawdown = "max_drawdown", maxDrawdownDurationSeconds = "max_drawdown_duration_seconds"
        case realisedPnl = "realised_pnl", unrealisedPnl = "unrealised_pnl"
        case feesPaid = "fees_paid", trades, openTrades = "open_trades", wins, losses, winRate = "win_rate"
        case averageWin = "average_win", averageLoss = "average_loss", largestWin = "largest_win"
        case largestLoss = "largest_loss", profitFactor = "profit_factor", expectancy, sqn
        case exposurePct = "exposure_pct", turnover, tradesPerDay = "trades_per_day", averageHoldingSeconds = "average_holding_seconds"
        case buyAndHoldReturnPct = "buy_and_hold_return_pct", buyAndHold = "buy_and_hold", monthlyReturns = "monthly_returns"
        case byStrategy = "by_strategy", byEntryHour = "by_entry_hour", byExitMonth = "by_exit_month", byExitReason = "by_exit_reason", byRegime = "by_regime", byVotingStrategy = "by_voting_strategy"
        case bars, startTime = "start_time", endTime = "end_time"
    }

    /// The names of `scalars`, for experiment objectives and constraints.
    public static let scalarNames = ["final_equity", "net_pnl", "total_return_pct", "cagr_pct", "volatility_pct", "sharpe", "sortino",
                                     "calmar", "max_drawdown_pct", "max_drawdown", "max_drawdown_duration_seconds", "trades", "open_trades",
                                     "win_rate", "average_win", "average_loss", "largest_win", "largest_loss", "profit_factor", "expectancy",
                                     "sqn", "exposure_pct", "turnover", "trades_per_day", "average_holding_seconds", "fees_paid",
                                     "realised_pnl", "unrealised_pnl", "buy_and_hold_return_pct"]

    /// One scalar metric by its name.
    public func value(_ name: String) -> Double? { scalars.first { $0.0 == name }?.1 ?? nil }

    /// The scalar metrics, in display order, with their names in the results JSON.
    public var scalars: [(String, Double?)] {
        [("final_equity", finalEquity), ("net_pnl", netPnl), ("total_return_pct", totalReturnPct), ("cagr_pct", cagrPct),
         ("volatility_pct", volatilityPct), ("sharpe", sharpe), ("sortino", sortino), ("calmar", calmar),
         ("max_drawdown_pct", maxDrawdownPct), ("max_drawdown", maxDrawdown), ("max_drawdown_duration_seconds", maxDrawdownDurationSeconds),
         ("trades", Double(trades)), ("open_trades", Double(openTrades)), ("win_rate", winRate), ("average_win", averageWin),
         ("average_loss", averageLoss), ("largest_win", largestWin), ("largest_loss", largestLoss), ("profit_factor", profitFactor),
         ("expectancy", expectancy), ("sqn", sqn), ("exposure_pct", exposurePct), ("turnover", turnover),
         ("trades_per_day", tradesPerDay), ("average_holding_seconds", averageHoldingSeconds), ("fees_paid", feesPaid),
         ("realised_pnl", realisedPnl), ("unrealised_pnl", unrealisedPnl), ("buy_and_hold_return_pct", buyAndHoldReturnPct)]
    }

    /// Computes the metrics of a finished run.
    /// - Parameters:
    ///   - lastClose: the last close of each pair, to mark open trades.
    ///   - buyAndHoldEquity: the same cash held in the traded pairs (equal weights), per equity sample.
    ///   - tradedNotional: quote notional of every fill, summed.
    public static func compute(initialCash: Double, trades: [Trade], equityTimestampMs: [Int64], equity: [Double],
                               timeframe: Timeframe, lastClose: [Pair: Double], buyAndHoldEquity: [Double],
                               tradedNotional: Double = 0) -> RunMetrics {
        let closed = trades.filter { !$0.isOpen }
        let open = trades.filter { $0.isOpen }
        let pnls = closed.map { $0.pnl! }
        let winners = pnls.filter { $0 > 0 }
        let losers = pnls.filter { $0 <= 0 }
        let grossWin = winners.reduce(0, +)
        let grossLoss = -losers.reduce(0, +)
        let finalEquity = equity.last ?? initialCash
        let unrealised = open.reduce(0.0) { $0 + $1.unrealisedPnL(at: lastClose[$1.pair] ?? $1.entryPrice) }
        let r = ReturnMetrics.compute(timestampMs: equityTimestampMs, equity: equity, barsPerYear: timeframe.barsPerYear)
        let bh = ReturnMetrics.compute(timestampMs: equityTimestampMs, equity: buyAndHoldEquity, barsPerYear: timeframe.barsPerYear)

        let meanPnl = pnls.isEmpty ? 0 : pnls.reduce(0, +) / Double(pnls.count)
        let sdPnl = pnls.count > 1 ? (pnls.reduce(0) { $0 + ($1 - meanPnl) * ($1 - meanPnl) } / Double(pnls.count - 1)).squareRoot() : 0
        let spanDays = equityTimestampMs.count > 0
            ? Double(equityTimestampMs.last! - equityTimestampMs.first! + timeframe.milliseconds) / 86_400_000 : 0
        let meanEquity = equity.isEmpty ? initialCash : equity.reduce(0, +) / Double(equity.count)

        return RunMetrics(
            initialCash: initialCash, finalEquity: finalEquity, netPnl: finalEquity - initialCash,
            totalReturnPct: r.totalReturnPct, cagrPct: r.cagrPct, volatilityPct: r.volatilityPct, sharpe: r.sharpe,
            sortino: r.sortino, calmar: r.calmar, maxDrawdownPct: r.maxDrawdownPct, maxDrawdown: r.maxDrawdown,
            maxDrawdownDurationSeconds: r.maxDrawdownDurationSeconds,
            realisedPnl: pnls.reduce(0, +), unrealisedPnl: unrealised, feesPaid: trades.reduce(0) { $0 + $1.fees },
            trades: closed.count, openTrades: open.count, wins: winners.count, losses: losers.count,
            winRate: closed.isEmpty ? 0 : Double(winners.count) / Double(closed.count),
            averageWin: winners.isEmpty ? 0 : grossWin / Double(winners.count),
            averageLoss: losers.isEmpty ? 0 : -grossLoss / Double(losers.count),
            largestWin: winners.max() ?? 0, largestLoss: losers.min() ?? 0,
            profitFactor: grossLoss > 0 ? grossWin / grossLoss : nil, expectancy: meanPnl,
            sqn: sdPnl > 0 ? Double(pnls.count).squareRoot() * meanPnl / sdPnl : nil,
            exposurePct: exposure(trades, equityTimestampMs) * 100,
            turnover: meanEquity > 0 ? tradedNotional / meanEquity : 0,
            tradesPerDay: spanDays > 0 ? Double(closed.count) / spanDays : 0,
            averageHoldingSeconds: closed.isEmpty ? 0 : closed.reduce(0.0) { $0 + Double($1.exitTimeMs! - $1.entryTimeMs) / 1000 } / Double(closed.count),
            buyAndHoldReturnPct: bh.totalReturnPct, buyAndHold: bh,
            monthlyReturns: ReturnMetrics.monthlyReturns(timestampMs: equityTimestampMs, equity: equity),
            byStrategy: BreakdownRow.group(closed) { $0.strategy },
            byEntryHour: BreakdownRow.group(closed) { String(UTCTime.iso($0.entryTimeMs).dropFirst(11).prefix(2)) },
            byExitMonth: BreakdownRow.group(closed) { String(UTCTime.iso($0.exitTimeMs!).prefix(7)) },
            byExitReason: BreakdownRow.group(closed) { $0.exitReason ?? "" },
            byRegime: BreakdownRow.group(closed) { $0.entryRegime?.label ?? "unknown (warm-up)" },
            byVotingStrategy: BreakdownRow.groupMany(closed) { $0.attribution.keys.sorted() },
            bars: equity.count, startTime: equityTimestampMs.first.map(UTCTime.iso) ?? "",
            endTime: equityTimestampMs.last.map(UTCTime.iso) ?? "")
    }

    /// Share of equity samples with a position open: samples in any trade's [entry, exit).
    static func exposure(_ trades: [Trade], _ ts: [Int64]) -> Double {
        guard !ts.isEmpty else { return 0 }
        var delta = [Int](repeating: 0, count: ts.count + 1)
        func lowerBound(_ t: Int64) -> Int {
            var lo = 0, hi = ts.count
            while lo < hi { let mid = (lo + hi) / 2; if ts[mid] < t { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        for t in trades {
            let a = lowerBound(t.entryTimeMs)
            let b = t.exitTimeMs.map(lowerBound) ?? ts.count
            if b > a { delta[a] += 1; delta[b] -= 1 }
        }
        var running = 0, exposed = 0
        for i in ts.indices { running += delta[i]; if running > 0 { exposed += 1 } }
        return Double(exposed) / Double(ts.count)
    }
}
