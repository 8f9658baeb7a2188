/// JSON text written by hand where a record is written hundreds of thousands of times and
/// `JSONEncoder` (an encoder, a container and a boxed value per field) was most of the cost:
/// a trade's metadata. The text is what `JSONEncoder` (`.sortedKeys`) writes for the same
/// values, tested character for character on real trades (`TradeMetadataTests`).
public enum JSONText {
    /// `s` as a JSON string literal: quotes, backslashes and every control character escaped.
    public static func string(_ s: String) -> String {
        WorkCount.add()
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        var plainStart = s.startIndex
        // Copies runs of plain characters whole; escapes the few that need it.
        for i in s.unicodeScalars.indices {
            let v = s.unicodeScalars[i].value
            guard v < 0x20 || v == 0x22 || v == 0x5C else { continue }
            out += s[plainStart..<i]
            switch v {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            default:
                let hex = String(v, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
            plainStart = s.unicodeScalars.index(after: i)
        }
        out += s[plainStart...]
        out += "\""
        return out
    }

    /// `x` as a JSON number that reads back as exactly `x`; nil for NaN and infinities, which
    /// JSON cannot hold (`JSONEncoder` refuses them too).
    public static func number(_ x: Double) -> String? {
        WorkCount.add()
        guard x.isFinite else { return nil }
        // Swift's shortest round-trip form, an integral value without its ".0" (as the encoder).
        let d = x.description
        return d.hasSuffix(".0") ? String(d.dropLast(2)) : d
    }

    /// An object built field by field, written with its keys sorted (as `JSONEncoder` with
    /// `.sortedKeys`); a nil value leaves its field out (as `encodeIfPresent`).
    public struct Object {
        private var fields: [(key: String, text: String)] = []
        /// False once a non-finite number was given: the object cannot be written.
        private var isValid = true

        public init() {}

        public mutating func add(_ key: String, _ x: Double?) {
            guard let x else { return }
            guard let n = JSONText.number(x) else { isValid = false; return }
            fields.append((key, n))
        }
        public mutating func add(_ key: String, _ x: Int?) { if let x { fields.append((key, String(x))) } }
        public mutating func add(_ key: String, _ x: Int64?) { if let x { fields.append((key, String(x))) } }
        public mutating func add(_ key: String, _ x: Bool?) { if let x { fields.append((key, x ? "true" : "false")) } }
        public mutating func add(_ key: String, _ s: String?) { if let s { fields.append((key, JSONText.string(s))) } }
        public mutating func add(_ key: String, _ o: Object?) {
            guard let o else { return }
            guard let text = o.text else { isValid = false; return }
            fields.append((key, text))
        }
        public mutating func add(_ key: String, array: [Object]?) {
            guard let array else { return }
            var parts: [String] = []
            for o in array {
                guard let t = o.text else { isValid = false; return }
                parts.append(t)
            }
            fields.append((key, "[" + parts.joined(separator: ",") + "]"))
        }
        /// A map of numbers, keys sorted.
        public mutating func add(_ key: String, numbers: [String: Double]?) {
            guard let numbers else { return }
            var o = Object()
            for (k, v) in numbers { o.add(k, v) }
            add(key, o)
        }

        /// The object's text; nil when a number in it was not finite.
        public var text: String? {
            guard isValid else { return nil }
            var out = "{"
            for (n, f) in fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if n > 0 { out += "," }
                out += JSONText.string(f.key)
                out += ":"
                out += f.text
            }
            return out + "}"
        }
    }
}
