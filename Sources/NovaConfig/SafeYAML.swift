import Foundation
import Yams

/// YAML as config and experiment files are read: refused past a size, and past a number of
/// nodes once aliases are expanded. Files are shared between people, and a nine-line "billion
/// laughs" (nested aliases, each level nine references to the one above) once ran a minute and
/// reached 8 GB. Composing keeps an alias as a shared copy of its anchor (cheap); the blow-up
/// happens when the tree becomes Swift values, so the nodes are counted first, with a budget,
/// and only a tree within it is turned into values.
public enum SafeYAML {
    public static let maxBytes = 1 << 20
    public static let maxNodes = 200_000

    public enum Failure: Error, CustomStringConvertible {
        case tooLarge(bytes: Int)
        case tooManyNodes
        case invalid(String)

        public var description: String {
            switch self {
            case .tooLarge(let b):
                return "\(b) bytes of YAML, at most \(SafeYAML.maxBytes) are read"
            case .tooManyNodes:
                return "more than \(SafeYAML.maxNodes) values once its aliases are expanded (an alias bomb?); refused"
            case .invalid(let m):
                return "not valid YAML: \(m)"
            }
        }
    }

    /// The document as Swift values (`[String: Any]`, `[Any]`, scalars), or nil when empty.
    public static func load(_ text: String) throws(Failure) -> Any? {
        guard text.utf8.count <= maxBytes else { throw .tooLarge(bytes: text.utf8.count) }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw .invalid(clipped("\(error)")) }
        guard let node else { return nil }
        var budget = maxNodes
        guard count(node, budget: &budget) else { throw .tooManyNodes }
        return Constructor.default.any(from: node)
    }

    /// A parser message as the terminal shows it: Yams quotes the offending line, which in a
    /// one-line document of 100 KB is the whole document; each line is cut at 160 characters
    /// and the message at 8 lines.
    static func clipped(_ message: String) -> String {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).prefix(8).map { line in
            line.count > 160 ? String(line.prefix(160)) + "... (\(line.utf8.count) bytes)" : String(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Visits the expanded tree, spending one unit per node; false once the budget runs out
    /// (so a bomb costs at most `maxNodes` visits, not its expansion).
    static func count(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        if budget < 0 { return false }
        if let m = node.mapping {
            for (k, v) in m {
                guard count(k, budget: &budget), count(v, budget: &budget) else { return false }
            }
        } else if let s = node.sequence {
            for v in s { guard count(v, budget: &budget) else { return false } }
        }
        return true
    }
}
