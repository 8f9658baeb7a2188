import Foundation

/// A bar interval, stored as whole seconds. Written `1m`, `5m`, `15m`, `1h`, `4h`, `1d`.
public struct Timeframe: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let seconds: Int64

    public init(seconds: Int64) {
        precondition(seconds > 0, "a timeframe is a positive number of seconds")
        self.seconds = seconds
    }

    public init(parsing text: String) throws(CoreError) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = t.last, let n = Int64(t.dropLast()), n > 0 else { throw .invalidTimeframe(text) }
        switch unit {
        case "s": self.init(seconds: n)
        case "m": self.init(seconds: n * 60)
        case "h": self.init(seconds: n * 3600)
        case "d": self.init(seconds: n * 86400)
        default: throw .invalidTimeframe(text)
        }
    }

    public static let oneMinute = Timeframe(seconds: 60)
    public var milliseconds: Int64 { seconds * 1000 }

    public var description: String {
        if seconds % 86400 == 0 { return "\(seconds / 86400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// Bars in a 365-day year: crypto trades around the clock, so annualisation uses 365 days.
    public var barsPerYear: Double { 365.0 * 86400.0 / Double(seconds) }

    public static func < (a: Timeframe, b: Timeframe) -> Bool { a.seconds < b.seconds }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
