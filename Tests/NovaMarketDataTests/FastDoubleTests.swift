#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import NovaMarketData

/// The fast decimal parser gives exactly `strtod`'s double, or declines (nil) and leaves the
/// text to `strtod`: never a different number.
@Suite struct FastDoubleTests {
    static func strtodValue(_ s: String) -> Double? {
        s.withCString { p in
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(p, &end)
            return end.map { $0 - UnsafeMutablePointer(mutating: p) } == s.utf8.count && !s.isEmpty ? v : nil
        }
    }

    static func fast(_ s: String) -> Double? {
        var bytes = Array(s.utf8)
        return bytes.withUnsafeMutableBufferPointer { FastDouble.parse(UnsafePointer($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 1)!), count: $0.count) }
    }

    static func same(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.bitPattern == b.bitPattern
    }

    @Test func marketDataTextParsesExactlyAsStrtod() {
        for s in ["67234.50000000", "0.00123", "1.5e-3", "-0.0", "0", "+12", "41000.00000000", "9007199254740992",
                  "0.1", "0.3", "2.675", "1e22", "1e-22", "8.5E+2", "000123.4500", "5."] {
            let f = Self.fast(s)
            #expect(f != nil, "\(s) takes the fast path")
            #expect(Self.same(f, Self.strtodValue(s)), "\(s): \(String(describing: f)) vs \(String(describing: Self.strtodValue(s)))")
        }
    }

    @Test func whatItCannotDoItLeavesToStrtod() {
        for s in ["", "-", ".", "e5", "1e", "1e+", "inf", "nan", "0x1p3", " 1", "1 ", "1,5", "12345678901234567890", "9007199254740993", "123456789012345678",
                  "1e23", "1e-23", "1.2.3", "--1", "١٢"] {
            #expect(Self.fast(s) == nil, "\(s) is declined")
        }
    }

    /// Random decimals of every length and exponent the fast path takes, against strtod.
    @Test func randomDecimalsMatchStrtodBitForBit() {
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed }
        var fastPath = 0
        for _ in 0..<200_000 {
            let digits = Int(next() % 18) + 1
            var text = ""
            for k in 0..<digits { text += String(next() % 10); if k == 0 && next() % 4 == 0 { text += "." } }
            if !text.contains("."), next() % 2 == 0 {
                let point = Int(next() % UInt64(digits + 1))
                let i = text.index(text.startIndex, offsetBy: point)
                text.insert(".", at: i)
                if text.hasPrefix(".") { text = "0" + text }
            }
            if next() % 3 == 0 { text += "e\(Int(next() % 30) - 15)" }
            if next() % 5 == 0 { text = "-" + text }
            let f = Self.fast(text)
            if f != nil { fastPath += 1 }
            if let f { #expect(Self.same(f, Self.strtodValue(text)), "\(text)") }
        }
        #expect(fastPath > 150_000)
    }
}
