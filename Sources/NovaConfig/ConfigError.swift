import NovaCore

/// A problem with configuration: a config file, a `--param`, or a flag value. Names the key
/// path, the value and what is allowed. The CLI exits with code 2.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unknownKey(keyPath: String, source: String, known: [String])
    case badValue(keyPath: String, value: String, expected: String, source: String)
    case badParam(String, reason: String)
    case several([ConfigError])
    /// A file of one kind given where another is expected (a run config to `optimize`).
    case wrongKind(path: String, message: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the config: \(reason)"
        case .unknownKey(let keyPath, let source, let known):
            // The last part of the path is the one to compare: "risk.risk_per_trad" -> "risk_per_trad".
            let last = String(keyPath.split(separator: ".").last ?? Substring(keyPath))
            let hint = DidYouMean.suggestion(for: last, among: known).map { near in
                "; did you mean '\(keyPath.dropLast(last.count))\(near)'?"
            } ?? ""
            return "\(source): unknown key '\(keyPath)'\(hint) (known here: \(known.sorted().joined(separator: ", ")))"
        case .badValue(let keyPath, let value, let expected, let source):
            return "\(source): \(keyPath) = \(value) is not allowed: \(expected)"
        case .badParam(let text, let reason):
            return "--param \(text): \(reason) (write KEY=VALUE, e.g. --param fast=10 or --param risk.risk_per_trade=0.02)"
        case .several(let errors):
            return errors.map(\.description).joined(separator: "\n")
        case .wrongKind(let path, let message):
            return "\(path): \(message)"
        }
    }
}
