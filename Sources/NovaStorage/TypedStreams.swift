import Foundation

/// Records written field by field into streams by type (small codes, variable-length
/// integers, dictionary strings, and a stream per double field) and read back in the same
/// order: no text is made per record, and zstd finds each stream's regularities (a double is
/// XOR'd with the previous value of the same field, so a repeated or slowly moving value is
/// mostly zero bytes).
///
/// Layout "NPT2" (written now): the number of double fields, then the stream lengths, all
/// UInt32 LE (codes, varints, dictionary, each double field), then the streams in that order.
/// Layout "NPT1" (blocks written before 2026-12-08, still read): the four lengths (codes,
/// varints, all doubles interleaved, dictionary) and the streams. The dictionary holds each
/// string once, as its UTF-8 length (varint) and bytes, in order of first use; a string field
/// is its dictionary index + 1 in the varints, 0 = nil.
struct TypedStreamWriter {
    private var codes: [UInt8] = []
    private var ints: [UInt8] = []
    /// One stream per double field: a field's values sit together, so zstd sees a price next
    /// to the previous price, not next to a strength (11% smaller blocks than one stream).
    private var doubles: [[UInt8]]
    private var dictionary: [UInt8] = []
    private var index: [String: Int] = [:]
    private var lastBits: [UInt64]

    /// NPT1 (one interleaved double stream): only to test that old blocks still read.
    private let interleaved: Bool

    /// `doubleFields`: how many distinct double fields the records have (each XOR'd with its own previous).
    init(doubleFields: Int, layoutV1 interleaved: Bool = false) {
        self.interleaved = interleaved
        lastBits = Array(repeating: 0, count: doubleFields)
        doubles = Array(repeating: [], count: interleaved ? 1 : doubleFields)
    }

    mutating func code(_ v: UInt8) { codes.append(v) }
    mutating func bool(_ v: Bool) { codes.append(v ? 1 : 0) }

    mutating func int(_ v: Int64) {
        var z = UInt64(bitPattern: (v << 1) ^ (v >> 63))       // zigzag: small negatives stay small
        while z >= 0x80 { ints.append(UInt8(z & 0x7F) | 0x80); z >>= 7 }
        ints.append(UInt8(z))
    }

    mutating func double(_ v: Double, field: Int) {
        let bits = v.bitPattern
        var x = bits ^ lastBits[field]
        lastBits[field] = bits
        let stream = interleaved ? 0 : field
        for _ in 0..<8 { doubles[stream].append(UInt8(x & 0xFF)); x >>= 8 }
    }

    mutating func optionalDouble(_ v: Double?, field: Int) {
        bool(v != nil)
        if let v { double(v, field: field) }
    }

    /// The last string written in each slot and its dictionary index: most string fields
    /// repeat the previous record's value (the pair, the action, the regime), and comparing
    /// with it is far cheaper than hashing it (hashing was 5% of a full-stack run).
    private var lastInSlot: [(text: String, index: Int)?] = Array(repeating: nil, count: 16)

    /// `s` in slot `slot` (0..<16): the same as `string(s)`, looked up in the slot's last value first.
    mutating func string(_ s: String?, slot: Int) {
        guard let s else { int(0); return }
        if let last = lastInSlot[slot], last.text == s { int(Int64(last.index + 1)); return }
        string(s)
        lastInSlot[slot] = (s, index[s]!)
    }

    mutating func string(_ s: String?) {
        guard let s else { int(0); return }
        if let k = index[s] { int(Int64(k + 1)); return }
        let k = index.count
        index[s] = k
        var n = UInt64(s.utf8.count)
        while n >= 0x80 { dictionary.append(UInt8(n & 0x7F) | 0x80); n >>= 7 }
        dictionary.append(UInt8(n))
        dictionary.append(contentsOf: s.utf8)
        int(Int64(k + 1))
    }

    /// "NPT2", the number of double fields (UInt32 LE), the stream lengths (UInt32 LE: codes,
    /// varints, dictionary, then each double field's), the streams in that order.
    /// NPT1 (tests only): the four lengths (codes, varints, the doubles, dictionary) and the streams.
    func bytes() -> Data {
        let (magic, fieldCount, parts) = interleaved
            ? ("NPT1", [Int](), [codes, ints, doubles[0], dictionary])
            : ("NPT2", [doubles.count], [codes, ints, dictionary] + doubles)
        var out = Data(magic.utf8)
        for n in fieldCount + parts.map(\.count) {
            var v = UInt32(n).littleEndian
            withUnsafeBytes(of: &v) { out.append(contentsOf: $0) }
        }
        for part in parts { out.append(contentsOf: part) }
        return out
    }
}

struct TypedStreamReader {
    struct Damaged: Error {}
    private let codes: [UInt8], ints: [UInt8]
    /// NPT2: a stream per double field; NPT1 (blocks written before): one stream for all.
    private let doubles: [[UInt8]]
    private var d: [Int]
    private let interleaved: Bool
    /// An NPT1 block: its records chained their doubles as that layout's writer did.
    var isLayoutV1: Bool { interleaved }
    private var strings: [String] = []
    private var c = 0, i = 0
    private var lastBits: [UInt64]

    init(_ data: Data, doubleFields: Int) throws {
        let b = [UInt8](data)
        guard b.count >= 8, b[0] == 0x4E, b[1] == 0x50, b[2] == 0x54, b[3] == 0x31 || b[3] == 0x32 else { throw Damaged() }
        func u32(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24 }
        interleaved = b[3] == 0x31
        // NPT1: codes, varints, doubles, dictionary. NPT2: field count, codes, varints, dictionary, each field.
        let fields = interleaved ? 1 : u32(4)
        guard interleaved || fields == doubleFields else { throw Damaged() }
        let first = interleaved ? 4 : 8
        let streams = interleaved ? 4 : 3 + fields
        guard b.count >= first + 4 * streams else { throw Damaged() }
        let lengths = (0..<streams).map { u32(first + 4 * $0) }
        guard first + 4 * streams + lengths.reduce(0, +) == b.count else { throw Damaged() }
        var at = first + 4 * streams
        var parts: [[UInt8]] = []
        for n in lengths { parts.append(Array(b[at..<at + n])); at += n }
        codes = parts[0]; ints = parts[1]
        let dict: [UInt8]
        if interleaved {
            doubles = [parts[2]]; dict = parts[3]
        } else {
            dict = parts[2]; doubles = Array(parts[3...])
        }
        d = Array(repeating: 0, count: doubles.count)
        lastBits = Array(repeating: 0, count: doubleFields)
        // The dictionary, whole.
        var k = 0
        while k < dict.count {
            var n = 0, shift = 0
            while true {
                guard k < dict.count else { throw Damaged() }
                let byte = dict[k]; k += 1
                n |= Int(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
                guard shift < 64 else { throw Damaged() }
            }
            guard k + n <= dict.count else { throw Damaged() }
            strings.append(String(decoding: dict[k..<k + n], as: UTF8.self))
            k += n
        }
    }

    var atEnd: Bool { c == codes.count && i == ints.count && zip(d, doubles).allSatisfy { $0 == $1.count } }

    mutating func code() throws -> UInt8 {
        guard c < codes.count else { throw Damaged() }
        c += 1
        return codes[c - 1]
    }

    mutating func bool() throws -> Bool { try code() != 0 }

    mutating func int() throws -> Int64 {
        var z: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard i < ints.count, shift < 64 else { throw Damaged() }
            let byte = ints[i]; i += 1
            z |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
    }

    mutating func double(field: Int) throws -> Double {
        let stream = interleaved ? 0 : field
        guard field < lastBits.count, d[stream] + 8 <= doubles[stream].count else { throw Damaged() }
        var x: UInt64 = 0
        for k in 0..<8 { x |= UInt64(doubles[stream][d[stream] + k]) << (8 * UInt64(k)) }
        d[stream] += 8
        let bits = x ^ lastBits[field]
        lastBits[field] = bits
        return Double(bitPattern: bits)
    }

    mutating func optionalDouble(field: Int) throws -> Double? {
        try bool() ? try double(field: field) : nil
    }

    mutating func string() throws -> String? {
        let k = try int()
        if k == 0 { return nil }
        guard k > 0, Int(k) <= strings.count else { throw Damaged() }
        return strings[Int(k) - 1]
    }
}
