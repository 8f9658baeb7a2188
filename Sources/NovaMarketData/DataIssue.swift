/// One problem found in a data file, with where it is.
public struct DataIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case unparsable = "unparsable value"
        case wrongFieldCount = "wrong number of fields"
        case notANumber = "NaN value"
        case notFinite = "infinite value"
        case nonPositivePrice = "zero or negative price"
        case negativeVolume = "negative volume"
        case highBelowOpenClose = "high below max(open, close)"
        case lowAboveOpenClose = "low above min(open, close)"
        case outOfOrder = "timestamp earlier than the previous row"
        case duplicateTimestamp = "duplicate timestamp"
        case conflictingDuplicate = "duplicate timestamp with different values"
        case offGrid = "timestamp not on the timeframe grid"
        case crossedBook = "crossed book (best bid >= best ask)"
    }

    public var kind: Kind
    /// 1-based line in the file (the header is line 1 when present).
    public var line: Int
    public var detail: String

    public init(kind: Kind, line: Int, detail: String) {
        self.kind = kind
        self.line = line
        self.detail = detail
    }

    public var description: String { "line \(line): \(kind.rawValue): \(detail)" }

    /// Whether `--repair` can fix it (by sorting or dropping an exact duplicate).
    public var isRepairable: Bool { kind == .outOfOrder || kind == .duplicateTimestamp }
}

/// Issues collected during an import: every one is counted, the first few are kept whole.
public struct DataIssueLog: Sendable {
    public private(set) var firstIssues: [DataIssue] = []
    public private(set) var counts: [DataIssue.Kind: Int] = [:]
    public let keep: Int

    public init(keep: Int = 10) { self.keep = keep }

    public mutating func add(_ issue: DataIssue) {
        counts[issue.kind, default: 0] += 1
        if firstIssues.count < keep { firstIssues.append(issue) }
    }

    public var total: Int { counts.values.reduce(0, +) }
    public var isEmpty: Bool { counts.isEmpty }

    /// "line 12: ...", one per kept issue, then the count of each kind.
    public func summary(path: String) -> String {
        var lines = firstIssues.map { "  \(path):\($0.line): \($0.kind.rawValue): \($0.detail)" }
        if total > firstIssues.count { lines.append("  ... and \(total - firstIssues.count) more") }
        let kinds = counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
        lines.append("  totals: " + kinds.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}

/// A field's text as an error quotes it: at most 100 characters, then how long it was (a
/// 50 MB field is named, not copied to the terminal).
public enum FieldText {
    public static let limit = 100

    public static func quote(_ bytes: UnsafePointer<CChar>, length: Int) -> String {
        guard length > limit else { return String(cString: bytes) }
        let head = UnsafeBufferPointer(start: UnsafeRawPointer(bytes).assumingMemoryBound(to: UInt8.self), count: limit)
        return String(decoding: head, as: UTF8.self) + "... (\(length) bytes)"
    }

    public static func quote(_ text: String) -> String {
        guard text.utf8.count > limit else { return text }
        return String(text.prefix(limit)) + "... (\(text.utf8.count) bytes)"
    }
}
