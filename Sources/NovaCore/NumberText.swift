import Foundation

/// Numbers as a person reads them: prices and indicator values without binary floating-point
/// noise (`26078.899400000002` is `26078.8994`), durations in days and hours.
public enum NumberText {
    /// `x` with at most 12 significant digits, trailing zeros dropped: what arithmetic on
    /// prices added past that is noise (a double carries 15-17). Values that already print
    /// in 12 digits or fewer are left as Swift prints them.
    public static func clean(_ x: Double) -> String {
        WorkCount.add()
        let shortest = x.description
        guard x.isFinite, x != 0, significantDigits(shortest) > 12 else { return shortest }
        var s = String(format: "%.12g", x)
        if s.contains("e") { return s }
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// `x` at `digits` significant digits, without an exponent for large values (1796700, not
    /// 1.7967e+06); tiny values keep theirs.
    public static func compact(_ x: Double, digits: Int = 6) -> String {
        WorkCount.add()
        guard x.isFinite else { return x.description }
        let s = String(format: "%.\(digits)g", x)
        return s.contains("e+") ? String(format: "%.0f", x) : s
    }

    /// Digits of a printed number, leading zeros and the exponent left out.
    public static func significantDigits(_ text: String) -> Int {
        // Over the bytes: a trades CSV asks this of every price, and splitting and filtering
        // Strings was 3% of a 26,000-trade run.
        var count = 0, started = false
        for b in text.utf8 {
            if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { break }
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { continue }
            if !started && b == UInt8(ascii: "0") { continue }
            started = true
            count += 1
        }
        return count
    }

    /// `String(format: "%.<digits>f", x)`, character for character, without the format
    /// machinery (a year of the full stack formats a few hundred thousand refusal and reason
    /// texts: `String(format:)` was 6% of the run). The value times 10^digits is rounded to the
    /// nearest integer; where that product lies within a millionth of a tie, its rounding may
    /// differ from the exact decimal rounding `%f` does, and `%f` itself is asked.
    public static func fixed(_ x: Double, digits: Int) -> String {
        WorkCount.add()
        precondition((0...9).contains(digits))
        let scale = pow10[digits]
        let scaled = abs(x) * scale
        guard x.isFinite, scaled < 1e15 else { return String(format: "%.\(digits)f", x) }
        let floor = scaled.rounded(.down)
        guard abs(scaled - floor - 0.5) > 1e-6 else { return String(format: "%.\(digits)f", x) }
        let n = UInt64(scaled.rounded(.toNearestOrEven))
        let unit = UInt64(scale)
        var out = x.sign == .minus ? "-" : ""      // as %f: -0.001 at two digits is "-0.00"
        out += String(n / unit)
        guard digits > 0 else { return out }
        let frac = String(n % unit)
        out += "."
        out += String(repeating: "0", count: digits - frac.count)
        out += frac
        return out
    }

    private static let pow10: [Double] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

    /// Seconds as `3d 4h`, `5h 20m`, `12m 5s` or `40s`: two units at most.
    public static func duration(seconds: Double) -> String {
        guard seconds.isFinite else { return "n/a" }
        let s = Int64(seconds.rounded())
        let (d, h, m, r) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60)
        if d > 0 { return h > 0 ? "\(d)d \(h)h" : "\(d)d" }
        if h > 0 { return m > 0 ? "\(h)h \(m)m" : "\(h)h" }
        if m > 0 { return r > 0 ? "\(m)m \(r)s" : "\(m)m" }
        return "\(r)s"
    }
}
