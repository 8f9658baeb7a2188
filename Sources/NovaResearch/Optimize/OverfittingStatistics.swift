import Foundation

/// Guards against a winner that is only the luckiest of many trials.
///
/// - Deflated Sharpe ratio (Bailey & López de Prado, "The Deflated Sharpe Ratio", 2014): the
///   probability that the winner's true Sharpe exceeds the best Sharpe that `N` trials of zero
///   skill would show by chance, given the variance of the trials' Sharpe ratios and the
///   winner's skew and kurtosis. All Sharpe ratios are per bar (not annualised).
/// - Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey,
///   Borwein, López de Prado, Zhu, 2014): the bars are cut into `S` blocks; for every way of
///   choosing half of them as in-sample, the trial best in-sample is ranked out of sample; PBO
///   is the share of those choices where it ranks in the bottom half.
public enum OverfittingStatistics {
    public static let eulerGamma = 0.5772156649015329

    /// Standard normal CDF.
    public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Inverse standard normal CDF (Acklam's rational approximation, refined by one Halley step:
    /// about 1e-15 relative).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a probability strictly between 0 and 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = normalCDF(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// The Sharpe ratio `N` unskilled trials would reach at best, by chance:
    /// sqrt(V) * ((1 - g) * Z^-1(1 - 1/N) + g * Z^-1(1 - 1/(N e))).
    public static func expectedMaxSharpe(trials n: Int, sharpeVariance v: Double) -> Double {
        guard n > 1 else { return 0 }
        let g = eulerGamma
        return v.squareRoot() * ((1 - g) * normalQuantile(1 - 1 / Double(n)) + g * normalQuantile(1 - 1 / (Double(n) * M_E)))
    }

    /// Probabilistic Sharpe ratio: P(true Sharpe > benchmark) for an observed per-bar Sharpe
    /// over `observations` returns with this skew and (non-excess) kurtosis.
    public static func probabilisticSharpe(_ sharpe: Double, benchmark: Double, observations t: Int, skew: Double, kurtosis: Double) -> Double {
        let denominator = 1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe * sharpe
        guard t > 1, denominator > 0 else { return .nan }
        return normalCDF((sharpe - benchmark) * Double(t - 1).squareRoot() / denominator.squareRoot())
    }

    /// Deflated Sharpe ratio of the winner among `trials` whose per-bar Sharpe ratios have
    /// variance `sharpeVariance`.
    public static func deflatedSharpe(_ sharpe: Double, trials: Int, sharpeVariance: Double, observations: Int, skew: Double, kurtosis: Double) -> Double {
        probabilisticSharpe(sharpe, benchmark: expectedMaxSharpe(trials: trials, sharpeVariance: sharpeVariance),
                            observations: observations, skew: skew, kurtosis: kurtosis)
    }

    /// Sums of a trial's per-bar returns over one block: count, sum, sum of squares.
    public struct Block: Sendable, Equatable, Codable {
        public var n = 0
        public var sum = 0.0
        public var sumSquares = 0.0
        public init() {}
        public init(n: Int, sum: Double, sumSquares: Double) { self.n = n; self.sum = sum; self.sumSquares = sumSquares }
    }

    /// Per-bar Sharpe of the union of some blocks.
    static func sharpe(_ blocks: [Block], _ chosen: [Int]) -> Double {
        var n = 0, s = 0.0, q = 0.0
        for b in chosen { n += blocks[b].n; s += blocks[b].sum; q += blocks[b].sumSquares }
        guard n > 1 else { return 0 }
        let mean = s / Double(n)
        let variance = max(0, q / Double(n) - mean * mean)
        return variance > 0 ? mean / variance.squareRoot() : 0
    }

    /// PBO by CSCV over `trials[i]` = that trial's blocks (all trials cut at the same bars).
    /// Returns nil with fewer than 2 trials or fewer than 2 blocks.
    public static func probabilityOfOverfitting(_ trials: [[Block]]) -> (pbo: Double, logits: [Double])? {
        guard trials.count >= 2, let s = trials.first?.count, s >= 2, s % 2 == 0, trials.allSatisfy({ $0.count == s }) else { return nil }
        var logits: [Double] = []
        for combo in combinations(s, s / 2) {
            let rest = (0..<s).filter { !combo.contains($0) }
            let inSample = trials.map { sharpe($0, combo) }
            let outSample = trials.map { sharpe($0, rest) }
            let best = inSample.indices.max { inSample[$0] < inSample[$1] || (inSample[$0] == inSample[$1] && $0 > $1) }!
            // Rank 1 = worst out of sample ... N = best (ties share the lower rank).
            let rank = outSample.filter { $0 < outSample[best] }.count + 1
            let omega = Double(rank) / Double(trials.count + 1)
            logits.append(log(omega / (1 - omega)))
        }
        let pbo = Double(logits.filter { $0 <= 0 }.count) / Double(logits.count)
        return (pbo, logits)
    }

    static func combinations(_ n: Int, _ k: Int) -> [[Int]] {
        var out: [[Int]] = []
        var current: [Int] = []
        func go(_ start: Int) {
            if current.count == k { out.append(current); return }
            guard start < n else { return }
            for i in start..<n {
                current.append(i)
                go(i + 1)
                current.removeLast()
            }
        }
        go(0)
        return out
    }

    /// Mean, standard deviation, skew and (non-excess) kurtosis of returns.
    public static func moments(_ r: ArraySlice<Double>) -> (mean: Double, std: Double, skew: Double, kurtosis: Double) {
        let n = Double(r.count)
        guard n > 1 else { return (0, 0, 0, 3) }
        let mean = r.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        for x in r { let d = x - mean; let d2 = d * d; m2 += d2; m3 += d2 * d; m4 += d2 * d2 }
        m2 /= n; m3 /= n; m4 /= n
        guard m2 > 0 else { return (mean, 0, 0, 3) }
        return (mean, m2.squareRoot(), m3 / pow(m2, 1.5), m4 / (m2 * m2))
    }
}
