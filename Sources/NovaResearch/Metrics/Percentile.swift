/// Linear-interpolated percentiles, one definition for every report that gives p5/p50/p95
/// (`live report`, `runs robustness`).
public enum Percentile {
    /// The `q` (0...1) percentile of `sorted` (ascending); nil when empty.
    public static func of(sorted s: [Double], _ q: Double) -> Double? {
        guard !s.isEmpty else { return nil }
        let x = q * Double(s.count - 1)
        let lo = Int(x.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (x - Double(lo))
    }
}
