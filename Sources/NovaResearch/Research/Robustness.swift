import Foundation
import NovaSimulator

/// `novapulse runs robustness RUN`: how much of a run's result is its luck. A backtest's equity
/// curve is one draw; resampling what it is made of gives the spread of what it could have
/// been with the same edge:
/// - **shuffled trades**: the closed trades' P&L in random order (the final equity is the same;
///   the drawdowns are not);
/// - **bootstrapped trades**: as many trades drawn with replacement (the final equity varies);
/// - **block bootstrap of per-bar returns**: blocks of consecutive bars' returns (keeping the
///   short-term dependence a trade's bars have), drawn with replacement to the run's length.
/// Deterministic for a seed whatever the core count: draws run in fixed chunks, each with its
/// own seed derived from the run's.
public enum Robustness {
    public struct Settings: Sendable {
        public var draws = 10_000
        public var seed: UInt64 = 1
        /// Bars per block of the block bootstrap.
        public var blockBars = 60
        /// Ruin: equity falling to this fraction of the initial cash at any point.
        public var ruinFraction = 0.5
        /// The block bootstrap's work cap (draws x bars): a year of minutes gets fewer draws.
        public var maxBarDraws = 200_000_000
        public init() {}
    }

    /// Percentiles of one figure over the draws.
    public struct Spread: Sendable, Equatable {
        public var p5: Double, p50: Double, p95: Double
        static func of(_ v: [Double]) -> Spread {
            let s = v.sorted()
            func q(_ x: Double) -> Double { Percentile.of(sorted: s, x) ?? .nan }
            return Spread(p5: q(0.05), p50: q(0.5), p95: q(0.95))
        }
    }

    /// One method's distribution.
    public struct Result: Sendable, Equatable {
        public var method: String
        public var draws: Int
        public var finalEquity: Spread
        public var maxDrawdownPct: Spread
        /// In trades for the trade methods, in bars for the block bootstrap.
        public var longestDrawdown: Spread
        /// Per trade (mean / standard deviation of P&L) for the trade methods; annualised from
        /// per-bar returns for the block bootstrap.
        public var sharpe: Spread
        public var probabilityOfRuin: Double
    }

    /// The figures of one path of equity values (starting at `initial`).
    struct PathStats {
        var final = 0.0, maxDrawdown = 0.0, longest = 0, ruined = false
        init(initial: Double, ruinLevel: Double, steps: Int, step: (Int, Double) -> Double) {
            var equity = initial, peak = initial, since = 0
            for k in 0..<steps {
                equity = step(k, equity)
                if equity >= peak { peak = equity; since = 0 } else {
                    since += 1
                    longest = max(longest, since)
                    if peak > 0 { maxDrawdown = max(maxDrawdown, 1 - equity / peak) }
                }
                if equity <= ruinLevel { ruined = true }
            }
            final = equity
        }
    }

    static let chunk = 500

    /// Runs `draws` draws in fixed chunks on all cores; `draw(rng)` gives one draw's figures.
    static func run(_ method: String, draws: Int, seed: UInt64,
                    _ draw: @Sendable (inout SeededRandom) -> (PathStats, sharpe: Double)) -> Result {
        let chunks = (draws + chunk - 1) / chunk
        let box = Chunks(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var rng = SeededRandom(seed: seed ^ (UInt64(c + 1) &* 0x9E37_79B9_7F4A_7C15))
            var out: [(PathStats, Double)] = []
            for _ in 0..<min(chunk, draws - c * chunk) { out.append(draw(&rng)) }
            box.set(c, out)
        }
        let all = box.all()
        return Result(method: method, draws: all.count, finalEquity: .of(all.map(\.0.final)), maxDrawdownPct: .of(all.map { $0.0.maxDrawdown * 100 }),
                      longestDrawdown: .of(all.map { Double($0.0.longest) }), sharpe: .of(all.map(\.1)),
                      probabilityOfRuin: all.isEmpty ? 0 : Double(all.filter(\.0.ruined).count) / Double(all.count))
    }

    final class Chunks: @unchecked Sendable {
        let lock = NSLock()
        var parts: [[(PathStats, Double)]]
        init(count: Int) { parts = Array(repeating: [], count: count) }
        func set(_ i: Int, _ v: [(PathStats, Double)]) { lock.withLock { parts[i] = v } }
        func all() -> [(PathStats, Double)] { lock.withLock { parts.flatMap { $0 } } }
    }

    static func sharpe(_ v: [Double]) -> Double {
        guard v.count > 1 else { return .nan }
        let m = v.reduce(0, +) / Double(v.count)
        let sd = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
        return sd > 0 ? m / sd : .nan
    }

    /// The closed trades' P&L shuffled, and bootstrapped with replacement.
    public static func trades(_ pnl: [Double], initial: Double, settings s: Settings) -> [Result] {
        guard !pnl.isEmpty else { return [] }
        let ruin = initial * s.ruinFraction
        let shuffled = run("shuffled trades", draws: s.draws, seed: s.seed) { rng in
            var order = pnl
            order.shuffle(using: &rng)
            return (PathStats(initial: initial, ruinLevel: ruin, steps: order.count) { k, e in e + order[k] }, sharpe(order))
        }
        let boot = run("bootstrapped trades", draws: s.draws, seed: s.seed &+ 1) { rng in
            let drawn = (0..<pnl.count).map { _ in pnl[Int(rng.unit() * Double(pnl.count))] }
            return (PathStats(initial: initial, ruinLevel: ruin, steps: drawn.count) { k, e in e + drawn[k] }, sharpe(drawn))
        }
        return [shuffled, boot]
    }

    /// Blocks of per-bar returns drawn with replacement to the curve's length. `barsPerYear`
    /// annualises the Sharpe ratio. Fewer draws than asked when the curve is long (the cap).
    public static func blocks(equity: [Double], barsPerYear: Double, settings s: Settings) -> Result? {
        guard equity.count > 2, let first = equity.first, first > 0 else { return nil }
        var returns: [Double] = []
        returns.reserveCapacity(equity.count - 1)
        for i in 1..<equity.count { returns.append(equity[i - 1] > 0 ? equity[i] / equity[i - 1] - 1 : 0) }
        let n = returns.count, block = max(1, min(s.blockBars, n))
        let draws = max(1, min(s.draws, s.maxBarDraws / n))
        let ruin = first * s.ruinFraction
        let annual = barsPerYear.squareRoot()
        let r = returns
        return run("block bootstrap of per-bar returns (\(block)-bar blocks)", draws: draws, seed: s.seed &+ 2) { rng in
            var path = [Double]()
            path.reserveCapacity(n)
            while path.count < n {
                let start = Int(rng.unit() * Double(n - block + 1))
                path.append(contentsOf: r[start..<min(start + block, start + n - path.count)])
            }
            return (PathStats(initial: first, ruinLevel: ruin, steps: n) { k, e in e * (1 + path[k]) }, sharpe(path) * annual)
        }
    }
}
