/// Whether a run's figures rest on enough data to mean much. A Sharpe ratio of a 30-bar run or
/// a win rate of eight trades is one draw, not an estimate: the run says so next to them.
public enum SampleSize {
    /// Fewer closed trades than this: win rate, payoff and the trade statistics are noise.
    public static let minTrades = 30
    /// Fewer bars than this (a day of one-minute bars is 1,440): the return ratios are noise.
    public static let minBars = 1_440

    /// The warning for a run, or nil when it has enough of both.
    public static func warning(trades: Int, bars: Int) -> String? {
        var parts: [String] = []
        if trades < minTrades { parts.append("\(trades) closed trade\(trades == 1 ? "" : "s") (under \(minTrades))") }
        if bars < minBars { parts.append("\(bars) bars (under \(minBars))") }
        guard !parts.isEmpty else { return nil }
        return "small sample: " + parts.joined(separator: " and ") + ": Sharpe, Sortino, win rate and profit factor are one draw here, not estimates"
    }
}
