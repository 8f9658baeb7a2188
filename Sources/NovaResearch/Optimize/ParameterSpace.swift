import NovaCore
import Foundation
import NovaSimulator

/// The values each parameter can take (every domain is discrete: a range moves by its step, a
/// log range has its number of values, choices are listed), and the samplers that pick trial
/// points from them. A point is one value index per parameter, in the file's parameter order.
public enum ParameterSpace {
    public static func values(_ domain: ExperimentSpec.Domain) -> [ParamValue] {
        switch domain {
        case .range(let lo, let hi, let step, let integer):
            var out: [ParamValue] = []
            var k = 0.0
            while true {
                let v = lo + k * step
                if v > hi + step * 1e-9 { break }
                // Decimal steps (0.1) accumulate binary noise: round to the step's decimals.
                let decimals = max(0, Int((-log10(step)).rounded(.up)) + 2)
                let scale = pow(10.0, Double(min(decimals, 12)))
                out.append(.number(integer ? v.rounded() : (v * scale).rounded() / scale))
                k += 1
            }
            return out
        case .logRange(let lo, let hi, let steps):
            return (0..<steps).map { i in
                let v = exp(log(lo) + (log(hi) - log(lo)) * Double(i) / Double(steps - 1))
                return .number(Double(String(format: "%.6g", v))!)
            }
        case .choices(let list):
            return list
        }
    }

    /// How many values a domain has, counted without listing them (a range of a billion steps
    /// must be refused before anything is allocated).
    public static func count(_ domain: ExperimentSpec.Domain) -> Double {
        switch domain {
        case .range(let lo, let hi, let step, _): return step > 0 && hi >= lo ? ((hi - lo) / step * (1 + 1e-12)).rounded(.down) + 1 : 0
        case .logRange(_, _, let steps): return Double(steps)
        case .choices(let list): return Double(list.count)
        }
    }

    /// The most values one parameter may have, and the most points a grid search may have.
    public static let maxValuesPerParameter = 100_000.0
    public static let maxGridPoints = 1_000_000.0

    /// Every point of the grid, the last parameter varying fastest (nested loops in file order).
    /// Only for spaces small enough to hold (a grid search's, at most `maxGridPoints`).
    public static func grid(_ space: [ExperimentSpec.Parameter]) -> [[Int]] {
        let sizes = space.map { values($0.domain).count }
        return (0..<Int(pointCount(sizes))).map { point($0, sizes: sizes) }
    }

    /// How many points the space has (a Double: 20 parameters of 100,000 values overflow Int).
    public static func pointCount(_ sizes: [Int]) -> Double { sizes.reduce(1.0) { $0 * Double($1) } }

    /// The grid point at `index` (the last parameter varying fastest), made on its own: random
    /// and TPE searches of a 10^9-point space must not enumerate it (12 GB for 2 trials, once).
    public static func point(_ index: Int, sizes: [Int]) -> [Int] {
        var p = [Int](repeating: 0, count: sizes.count)
        var rest = index
        for k in sizes.indices.reversed() {
            p[k] = rest % sizes[k]
            rest /= sizes[k]
        }
        return p
    }

    public static func assignment(_ point: [Int], _ space: [ExperimentSpec.Parameter]) -> [ParamValue] {
        zip(point, space).map { values($1.domain)[$0] }
    }
}

/// Seeded random search: each point uniform over every parameter's values; repeats are drawn
/// again while unseen points remain.
public struct RandomSampler {
    var rng: SeededRandom
    let sizes: [Int]

    public init(space: [ExperimentSpec.Parameter], seed: UInt64) {
        rng = SeededRandom(seed: seed &+ 0x5EED)
        sizes = space.map { ParameterSpace.values($0.domain).count }
    }

    public mutating func points(_ n: Int) -> [[Int]] {
        let total = ParameterSpace.pointCount(sizes)
        var seen = Set<[Int]>()
        var out: [[Int]] = []
        while out.count < n {
            var p = sizes.map { Int(rng.unit() * Double($0)) }
            var tries = 0
            while seen.contains(p) && Double(seen.count) < total && tries < 100 {
                p = sizes.map { Int(rng.unit() * Double($0)) }
                tries += 1
            }
            seen.insert(p)
            out.append(p)
        }
        return out
    }
}

/// Tree-structured Parzen estimator (Bergstra et al. 2011), on the discrete values: the trials
/// so far are split at the `gamma` quantile of the objective into good and bad; for each
/// parameter, a Parzen density over its values (Gaussian kernels on the value index for ranges,
/// smoothed counts for choices) is fitted to each group, candidates are drawn from the good
/// density and the one with the highest good/bad ratio is taken. Parameters are independent, as
/// in the original. Deterministic for a seed and the same history.
public struct TPESampler {
    public var gamma = 0.25
    public var candidates = 24
    let sizes: [Int]
    let ordered: [Bool]

    public init(space: [ExperimentSpec.Parameter]) {
        sizes = space.map { ParameterSpace.values($0.domain).count }
        ordered = space.map { if case .choices = $0.domain { return false } else { return true } }
    }

    /// The next point given `history` (point, score: higher is better; nil for a trial that
    /// broke a constraint, counted as bad). `seed` makes the proposal reproducible.
    public func propose(history: [([Int], Double?)], seed: UInt64, avoid: Set<[Int]>) -> [Int] {
        var rng = SeededRandom(seed: seed)
        let scored = history.sorted { ($0.1 ?? -.infinity) > ($1.1 ?? -.infinity) }
        let nGood = max(1, Int((gamma * Double(scored.count)).rounded(.up)))
        let good = scored.prefix(nGood).filter { $0.1 != nil }.map(\.0)
        let bad = scored.dropFirst(good.count).map(\.0)
        var best: [Int] = []
        for attempt in 0..<20 {
            var point: [Int] = []
            for p in sizes.indices {
                let l = density(good.map { $0[p] }, p)
                let g = density(bad.map { $0[p] }, p)
                var choice = 0, bestRatio = -Double.infinity
                for _ in 0..<candidates {
                    let c = draw(l, &rng)
                    let ratio = l[c] / max(g[c], 1e-12)
                    if ratio > bestRatio { bestRatio = ratio; choice = c }
                }
                point.append(choice)
            }
            best = point
            if !avoid.contains(point) || attempt == 19 { break }
        }
        if avoid.contains(best) {
            // Crowded: the first unseen point in grid order, if the space is small enough to scan.
            let total = ParameterSpace.pointCount(sizes)
            if total <= 1_000_000 {
                for index in 0..<Int(total) {
                    let p = ParameterSpace.point(index, sizes: sizes)
                    if !avoid.contains(p) { return p }
                }
            }
        }
        return best
    }

    /// Probability of each value index under a Parzen estimator of `observed` (with a uniform
    /// prior worth one observation).
    func density(_ observed: [Int], _ p: Int) -> [Double] {
        let n = sizes[p]
        var w = [Double](repeating: 1.0 / Double(n), count: n)          // the prior
        if ordered[p] {
            let bandwidth = max(1.0, Double(n) / max(1, Double(observed.count).squareRoot() * 2))
            for o in observed {
                var kernel = [Double](repeating: 0, count: n)
                var total = 0.0
                for v in 0..<n {
                    let z = Double(v - o) / bandwidth
                    kernel[v] = exp(-0.5 * z * z)
                    total += kernel[v]
                }
                for v in 0..<n { w[v] += kernel[v] / total }
            }
        } else {
            for o in observed { w[o] += 1 }
        }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }

    func draw(_ probabilities: [Double], _ rng: inout SeededRandom) -> Int {
        var u = rng.unit()
        for (i, p) in probabilities.enumerated() {
            u -= p
            if u < 0 { return i }
        }
        return probabilities.count - 1
    }
}

/// Walk-forward windows over `[startMs, endMs)`: each trains on `[trainStart, trainEnd)` and is
/// scored on the test window `[trainEnd, testEnd)` that follows. Rolling windows keep their
/// length and move by `step`; anchored ones always start at `startMs`. Only whole test windows.
public struct WalkForwardWindow: Sendable, Equatable {
    public var trainStartMs: Int64
    public var trainEndMs: Int64
    public var testEndMs: Int64

    public static func windows(startMs: Int64, endMs: Int64, _ w: ExperimentSpec.WalkForward) -> [WalkForwardWindow] {
        var out: [WalkForwardWindow] = []
        var k: Int64 = 0
        while true {
            let trainEnd = startMs + w.trainMs + k * w.stepMs
            let testEnd = trainEnd + w.testMs
            if testEnd > endMs { break }
            out.append(WalkForwardWindow(trainStartMs: w.anchored ? startMs : startMs + k * w.stepMs, trainEndMs: trainEnd, testEndMs: testEnd))
            k += 1
        }
        return out
    }

    /// What the windows leave untested at the end of the data (a tail shorter than a whole
    /// test window), said rather than dropped silently; nil when the windows reach the end.
    public static func uncoveredNote(startMs: Int64, endMs: Int64, _ w: ExperimentSpec.WalkForward, windows: [WalkForwardWindow]) -> String? {
        guard let last = windows.last, last.testEndMs < endMs else { return nil }
        let day = 86_400_000.0
        func days(_ ms: Int64) -> String { String(format: ms % 86_400_000 == 0 ? "%.0f" : "%.1f", Double(ms) / day) }
        return "walk_forward: \(windows.count) window\(windows.count == 1 ? "" : "s") of \(days(w.trainMs)) train + \(days(w.testMs)) test days fit "
            + "the data (\(UTCTime.iso(startMs)) to \(UTCTime.iso(endMs))); its last \(days(endMs - last.testEndMs)) days "
            + "(\(UTCTime.iso(last.testEndMs)) on) are shorter than a test window and are not tested"
    }
}
