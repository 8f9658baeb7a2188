/// The exchanges NovaPulse models. The simulated venue takes its fee schedule and rules from
/// the profile of the exchange named here.
public enum ExchangeID: String, Sendable, Codable, Hashable, CaseIterable, CustomStringConvertible {
    case kraken
    case coinbase

    public init(parsing text: String) throws(CoreError) {
        guard let id = ExchangeID(rawValue: text.lowercased()) else { throw .invalidExchange(text) }
        self = id
    }

    public var description: String { rawValue }
}
