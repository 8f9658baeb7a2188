import Foundation

/// A spot trading pair written `BASE/QUOTE`, e.g. `BTC/USD`.
///
/// Symbols are normalised to upper case; Kraken's legacy `XBT` is an alias of `BTC` so that
/// `XBT/USD` and `BTC/USD` name the same market in the catalog.
public struct Pair: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let base: String
    public let quote: String

    public init(base: String, quote: String) {
        self.base = Pair.normalise(base)
        self.quote = Pair.normalise(quote)
    }

    /// Parses `BTC/USD` (also accepts `BTC-USD`, the Coinbase spelling).
    public init(parsing text: String) throws(CoreError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(whereSeparator: { $0 == "/" || $0 == "-" }).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts.allSatisfy({ $0.count <= 32 }),
              parts.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber } })
        else { throw .invalidPair(text) }
        self.init(base: parts[0], quote: parts[1])
    }

    /// Parses a comma-separated list such as `BTC/USD,ETH/USD`; duplicates are an error.
    public static func parseList(_ text: String) throws(CoreError) -> [Pair] {
        var pairs: [Pair] = []
        for item in text.split(separator: ",") {
            let pair = try Pair(parsing: String(item))
            if pairs.contains(pair) { throw .duplicatePair(pair.description) }
            pairs.append(pair)
        }
        if pairs.isEmpty { throw .invalidPair(text) }
        return pairs
    }

    public var description: String { "\(base)/\(quote)" }
    /// File-system safe form, `BTC-USD`.
    public var slug: String { "\(base)-\(quote)" }

    public static func < (a: Pair, b: Pair) -> Bool { a.description < b.description }

    static func normalise(_ symbol: String) -> String {
        let upper = symbol.uppercased()
        return upper == "XBT" ? "BTC" : upper
    }

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

/// A pair as a dictionary key in Codable output (`{"BTC/USD": ...}` rather than an array of
/// alternating keys and values in hash order): a checkpoint of the same state is the same text.
extension Pair: CodingKeyRepresentable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    public var codingKey: any CodingKey { Key(stringValue: description) }
    public init?<T: CodingKey>(codingKey: T) {
        guard let pair = try? Pair(parsing: codingKey.stringValue) else { return nil }
        self = pair
    }
}
