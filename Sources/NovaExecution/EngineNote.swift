import NovaCore

/// Something the engine wants the researcher to know about a run: a rejected or cancelled
/// order, an order left unfilled at the end of the data. Kept in the run's log.
public struct EngineNote: Sendable, Equatable, Codable {
    public var timestampMs: Int64
    public var pair: String
    public var message: String

    public init(timestampMs: Int64, pair: String, message: String) {
        self.timestampMs = timestampMs
        self.pair = pair
        self.message = message
    }
}

/// The executor's notes: the first `limit` kept whole, the rest counted by what they say
/// (numbers aside). A broke account refuses an order on every signal for years: measured, a
/// run of 1 M bars wrote 36,199 notes (4 MB of results) and one of 10 M bars went past
/// SQLite's largest string and crashed. Reads like the array it was.
public struct EngineNotes: Sendable, Equatable, Codable, RandomAccessCollection {
    public static let limit = 1_000
    public private(set) var kept: [EngineNote] = []
    /// Notes past the limit, counted by their message with each number written `#`.
    public private(set) var dropped: [String: Int] = [:]

    public init() {}

    public var startIndex: Int { kept.startIndex }
    public var endIndex: Int { kept.endIndex }
    public subscript(i: Int) -> EngineNote { kept[i] }

    public mutating func append(_ note: EngineNote) {
        if kept.count < Self.limit { kept.append(note) } else { dropped[Self.shape(note.message), default: 0] += 1 }
    }

    public var droppedCount: Int { dropped.values.reduce(0, +) }

    /// What stays of a message with its numbers taken out: `exit retry 2 of 3` and `exit
    /// retry 3 of 3` are one kind.
    static func shape(_ message: String) -> String {
        var out = ""
        var inNumber = false
        for c in message {
            if c.isASCII && c.isNumber || (inNumber && c == ".") {
                if !inNumber { out.append("#") }
                inNumber = true
            } else {
                inNumber = false
                out.append(c)
            }
        }
        return out
    }

    /// The dropped notes as lines for a run's notes, most frequent first (at most `kinds`).
    public func droppedSummary(kinds: Int = 10) -> [String] {
        guard !dropped.isEmpty else { return [] }
        let sorted = dropped.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var lines = ["\(droppedCount) more engine notes past the first \(Self.limit), counted by kind:"]
        lines += sorted.prefix(kinds).map { "  \($0.value) x \($0.key)" }
        if sorted.count > kinds { lines.append("  and \(sorted.count - kinds) other kinds (\(sorted.dropFirst(kinds).reduce(0) { $0 + $1.value }) notes)") }
        return lines
    }
}
