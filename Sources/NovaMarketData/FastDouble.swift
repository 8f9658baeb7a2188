/// Decimal text to `Double` with the very result `strtod` gives, without its cost for the
/// plain decimals market data is written in (`67234.50000000`, `0.00123`, `1.5e-3`).
///
/// Clinger's fast path: when the digits form an integer of at most 2^53 and the power of ten
/// is at most 10^22, both are exact doubles and one IEEE multiplication or division rounds
/// correctly, as `strtod` does. Anything else (more digits, larger exponents, `inf`, `nan`,
/// hex, spaces) returns nil and the caller uses `strtod`. Measured: `strtod` was a fifth of
/// an import's time.
enum FastDouble {
    private static let powers: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                           1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    @inline(__always)
    static func parse(_ p: UnsafePointer<UInt8>, count n: Int) -> Double? {
        var i = 0
        var negative = false
        if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        guard let whole = digits(p, n, &i, &mantissa, &significant) else { return nil }
        var fraction = 0
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            guard let f = digits(p, n, &i, &mantissa, &significant) else { return nil }
            fraction = f
        }
        guard whole + fraction > 0 else { return nil }
        var exponent = -fraction
        if i < n && (p[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var negativeExponent = false
            if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
                negativeExponent = p[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var sawExponentDigit = false
            while i < n {
                let d = p[i] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                e = e * 10 + Int(d)
                if e > 100_000 { return nil }
                sawExponentDigit = true
                i += 1
            }
            guard sawExponentDigit else { return nil }
            exponent += negativeExponent ? -e : e
        }
        guard i == n, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let m = Double(mantissa)
        let v = exponent < 0 ? m / powers[-exponent] : m * powers[exponent]
        return negative ? -v : v
    }

    /// Reads decimal digits at `i` into `mantissa` (the integer part, then the fraction's);
    /// returns how many, or nil past 19 significant digits (more than a UInt64 holds exactly).
    @inline(__always)
    private static func digits(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, _ mantissa: inout UInt64,
                               _ significant: inout Int) -> Int? {
        let start = i
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { break }
            if mantissa != 0 || d != 0 {
                significant += 1
                if significant > 19 { return nil }
            }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i += 1
        }
        return i - start
    }
}
