import Foundation

/// UTC time helpers for millisecond timestamps (Int64 ms since the unix epoch).
///
/// Hand-written rather than Foundation's `ISO8601DateFormatter` because the importer parses
/// millions of timestamps: this works on raw bytes with no allocation, and it has no time zone
/// state to get wrong (everything is UTC).
public enum UTCTime {
    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    @inlinable
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Days in a month of the proleptic Gregorian calendar (2024-02 has 29, 2023-02 has 28): a
    /// date like 2024-02-30 is refused, not rolled over into March.
    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The (year, month, day) of a day count since 1970-01-01.
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `2024-06-01T00:01:00Z`; milliseconds are written only when they are not zero.
    public static func iso(_ ms: Int64) -> String {
        WorkCount.add()
        // Through the byte writer: one small buffer, not seven Strings (a million timestamps
        // in a report's CSVs).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendISO(ms, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `iso(ms)` to a byte buffer, without building a String.
    public static func appendISO(_ ms: Int64, to out: inout [UInt8]) {
        WorkCount.add()
        let days = ms >= 0 ? ms / 86_400_000 : -((-ms + 86_399_999) / 86_400_000)
        let rem = ms - days * 86_400_000
        let (y, mo, d) = civilFromDays(days)
        @inline(__always) func digits(_ v: Int64, _ width: Int) {
            var div: Int64 = 1
            for _ in 1..<width { div *= 10 }
            var x = v
            if x < 0 || x >= div * 10 { out.append(contentsOf: String(x).utf8); return }
            while div > 0 { out.append(UInt8(48 + x / div)); x %= div; div /= 10 }
        }
        digits(y, 4); out.append(45); digits(mo, 2); out.append(45); digits(d, 2); out.append(84)
        digits(rem / 3_600_000, 2); out.append(58); digits(rem / 60_000 % 60, 2); out.append(58); digits(rem / 1000 % 60, 2)
        if rem % 1000 != 0 { out.append(46); digits(rem % 1000, 3) }
        out.append(90)
    }

    /// The date part only, `2024-06-01`.
    public static func isoDate(_ ms: Int64) -> String { String(iso(ms).prefix(10)) }

    /// Parses user-facing times: `2024-01-01`, ISO 8601 with `T` or a space (optional seconds,
    /// fraction and `Z`/`+00:00`), or a unix time in seconds or milliseconds.
    public static func parse(_ text: String) throws(CoreError) -> Int64 {
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        let value = bytes.withUnsafeBufferPointer { parseTimestamp($0) }
        guard let value else { throw .invalidTime(text) }
        return value
    }

    /// Parses a timestamp field from raw bytes: integer or decimal unix time (seconds below
    /// 1e11, milliseconds below 1e14, microseconds above), or ISO 8601. Returns nil when the
    /// bytes are not a time. Allocation-free.
    @inlinable
    public static func parseTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !b.isEmpty else { return nil }
        // Numeric unix time?
        var allNumeric = true
        var dots = 0
        for (i, c) in b.enumerated() {
            if c == UInt8(ascii: ".") { dots += 1; continue }
            if c == UInt8(ascii: "-") && i == 0 { continue }
            if c < 48 || c > 57 { allNumeric = false; break }
        }
        if allNumeric && dots <= 1 && b.count <= 20 && !(b.count == 1 && b[0] == UInt8(ascii: "-")) {
            return parseUnix(b)
        }
        return parseISO(b)
    }

    @usableFromInline
    static func parseUnix(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var intPart: Int64 = 0
        var fracPart: Int64 = 0
        var fracDigits = 0
        var seenDot = false
        var negative = false
        var digits = 0
        for (i, c) in b.enumerated() {
            if c == UInt8(ascii: "-") && i == 0 { negative = true; continue }
            if c == UInt8(ascii: ".") { seenDot = true; continue }
            let d = Int64(c &- 48)
            if seenDot {
                if fracDigits < 6 { fracPart = fracPart * 10 + d; fracDigits += 1 }
            } else {
                intPart = intPart * 10 + d
                digits += 1
                if digits > 18 { return nil }
            }
        }
        guard digits > 0 else { return nil }
        var ms: Int64
        let magnitude = intPart
        if magnitude < 100_000_000_000 {            // seconds
            var frac = fracPart
            var fd = fracDigits
            while fd < 3 { frac *= 10; fd += 1 }
            while fd > 3 { frac /= 10; fd -= 1 }
            ms = intPart * 1000 + frac
        } else if magnitude < 100_000_000_000_000 { // milliseconds
            ms = intPart
        } else {                                     // microseconds
            ms = intPart / 1000
        }
        if negative { ms = -ms }
        return ms
    }

    @usableFromInline
    static func parseISO(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        // YYYY-MM-DD[(T| )HH:MM[:SS[.fff...]]][Z|+HH:MM|-HH:MM|+HHMM]
        var i = 0
        func num(_ width: Int) -> Int64? {
            guard i + width <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<width {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += width
            return v
        }
        func expect(_ ch: UInt8) -> Bool {
            guard i < b.count, b[i] == ch else { return false }
            i += 1
            return true
        }
        guard let y = num(4), expect(UInt8(ascii: "-")), let mo = num(2), expect(UInt8(ascii: "-")), let d = num(2),
              (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y) else { return nil }
        var ms = daysFromCivil(year: y, month: mo, day: d) * 86_400_000
        if i == b.count { return ms }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let h = num(2), expect(UInt8(ascii: ":")), let mi = num(2), h < 24, mi < 60 else { return nil }
        ms += h * 3_600_000 + mi * 60_000
        if i < b.count && b[i] == UInt8(ascii: ":") {
            i += 1
            guard let s = num(2), s < 61 else { return nil }
            ms += s * 1000
            if i < b.count && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
                i += 1
                var frac: Int64 = 0, digits = 0
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    if digits < 3 { frac = frac * 10 + Int64(b[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                var scaled = frac
                for _ in min(digits, 3)..<3 { scaled *= 10 }
                ms += scaled
            }
        }
        if i == b.count { return ms }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return i + 1 == b.count ? ms : nil }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = b[i] == UInt8(ascii: "+") ? 1 : -1
        i += 1
        guard let oh = num(2) else { return nil }
        _ = expect(UInt8(ascii: ":"))
        // Real offsets lie within -12:00 and +14:00: +25:00 or +99:99 is a typo, not a zone.
        guard let om = num(2), i == b.count, oh <= 14, om < 60 else { return nil }
        return ms - sign * (oh * 3_600_000 + om * 60_000)
    }
}
