/// Errors in parsing the core value types from user text. Each message names the bad value
/// and what would be accepted.
public enum CoreError: Error, Equatable, CustomStringConvertible {
    case invalidPair(String)
    case duplicatePair(String)
    case invalidTimeframe(String)
    case invalidExchange(String)
    case invalidTime(String)

    public var description: String {
        switch self {
        case .invalidPair(let text):
            // Quoted up to 100 characters: a 5,000-character argument is not echoed whole.
            let shown = text.count > 100 ? text.prefix(97) + "... (\(text.count) characters)" : text
            return "invalid pair '\(shown)': write it as BASE/QUOTE of letters and digits, e.g. BTC/USD (several: BTC/USD,ETH/USD)"
        case .duplicatePair(let text):
            return "pair \(text) is listed twice"
        case .invalidTimeframe(let text):
            return "invalid timeframe '\(text)': use a number and a unit, e.g. 1m, 5m, 15m, 1h, 4h, 1d"
        case .invalidExchange(let text):
            return "unknown exchange '\(text)': use kraken or coinbase"
        case .invalidTime(let text):
            return "invalid date or time '\(text)': use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z], or unix seconds/milliseconds"
        }
    }
}
