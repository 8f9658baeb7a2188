import Foundation

/// The fake's replies as text it controls byte for byte: Kraken sends prices and sizes as exact
/// decimals (strings in REST, numbers in WebSocket v2), and keys in a stable order make the
/// frames comparable in tests. `JSONSerialization` would print doubles (`0.30000000000000004`)
/// and shuffle keys.
indirect enum FakeJSON {
    case string(String)
    case number(Decimal)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([FakeJSON])
    case object([(String, FakeJSON)])

    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .string(let s): Self.quote(s, to: &out)
        case .number(let d): out += d.description
        case .int(let i): out += String(i)
        case .double(let d): out += String(d)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out += "," }
                Self.quote(k, to: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, to out: inout String) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: c.value < 0x20 ? (out += String(format: "\\u%04x", c.value)) : out.unicodeScalars.append(c)
            }
        }
        out += "\""
    }
}

/// Decimal arithmetic the fake's matching engine needs (exchange-crib.md: never binary floats).
enum Dec {
    static func round(_ d: Decimal, _ places: Int, _ mode: NSDecimalNumber.RoundingMode = .plain) -> Decimal {
        var v = d
        var out = Decimal()
        NSDecimalRound(&out, &v, places, mode)
        return out
    }

    /// `d` with exactly `places` decimals, as Kraken's REST strings are (`"0.50000000"`).
    static func fixed(_ d: Decimal, _ places: Int) -> String {
        var s = round(d, places).description
        guard places > 0 else { return s }
        if !s.contains(".") { s += "." }
        let have = s.count - 1 - (s.firstIndex(of: ".").map { s.distance(from: s.startIndex, to: $0) } ?? 0)
        return s + String(repeating: "0", count: max(0, places - have))
    }

    /// Decimal places written in `text` ("37500" 0, "0.125" 3); nil if not a plain decimal.
    static func places(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !text.isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return nil }
        return parts.count == 2 ? parts[1].count : 0
    }

    static func parse(_ text: String?) -> Decimal? {
        guard let text, places(text) != nil else { return nil }
        return Decimal(string: text)
    }

    /// A print from a bar's double, as its shortest text (`23456.78`, not `23456.780000000002`).
    static func from(_ x: Double) -> Decimal { Decimal(string: "\(x)") ?? Decimal(x) }
}
