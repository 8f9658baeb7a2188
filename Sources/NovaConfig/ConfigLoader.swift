import Foundation
import NovaCore
import Yams

/// Loads a `NovaPulseConfig`: built-in defaults, then the YAML file, then `--param` overrides,
/// then validation of every value. An unknown key anywhere is an error naming it (a typo must
/// never silently fall back to a default).
///
/// How: the defaults are encoded to a JSON tree, which is also the schema of known keys; the
/// user's YAML tree is checked against it, merged over it and decoded back.
public enum ConfigLoader {
    public static func load(path: String?, params: [String] = [], strategy: String? = nil) throws(ConfigError) -> NovaPulseConfig {
        let defaults = defaultTree()
        let user = try userTree(path: path, params: params, strategy: strategy, defaults: defaults)
        let merged = merge(defaults, user)
        // 1e400, .inf, .nan or --param x=1e999: named by their key, not JSON's "Invalid number value (inf)".
        if let (key, value) = firstNonFinite(merged, prefix: "") {
            throw .badValue(keyPath: key, value: "\(value)", expected: "a finite number", source: path ?? "command line")
        }
        let config: NovaPulseConfig
        do {
            let data = try JSONSerialization.data(withJSONObject: merged)
            config = try JSONDecoder().decode(NovaPulseConfig.self, from: data)
        } catch let error as DecodingError {
            throw locateProblem(user: user, defaults: defaults, fallback: decodingProblem(error, tree: merged, source: path ?? "configuration"),
                                source: path ?? "configuration")
        } catch {
            throw .unreadable(path: path ?? "configuration", reason: "\(error)")
        }
        try ConfigValidator.validate(config, source: path ?? "configuration")
        return config
    }

    /// What the file and `--param`s set, as a tree (the defaults not merged in), checked
    /// against the known keys.
    static func userTree(path: String?, params: [String], strategy: String?, defaults: [String: Any]) throws(ConfigError) -> [String: Any] {
        var user: [String: Any] = [:]
        if let path {
            let text: String
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw .unreadable(path: path, reason: "a directory, not a config file (give the YAML file itself)")
            }
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "\(error.localizedDescription)" : "no such file")
            }
            let loaded: Any?
            do { loaded = try SafeYAML.load(text) } catch {
                throw .unreadable(path: path, reason: "\(error)")
            }
            if let loaded, !(loaded is NSNull) {
                guard let dict = loaded as? [String: Any] else {
                    throw .unreadable(path: path, reason: "the top level must be a mapping of sections (backtest:, risk:, ...)")
                }
                user = dict
            }
            try checkKnown(user, against: defaults, prefix: "", source: path)
        }
        for param in params {
            try apply(param: param, to: &user, defaults: defaults, strategy: strategy)
        }
        return user
    }

    /// Whether the file or a `--param` sets the dotted `keyPath` itself (a default left alone
    /// is not set, even when a file spells out the same value elsewhere).
    public static func sets(_ keyPath: String, path: String?, params: [String], strategy: String?) throws(ConfigError) -> Bool {
        var node: Any? = try userTree(path: path, params: params, strategy: strategy, defaults: defaultTree())
        for k in keyPath.split(separator: ".") { node = (node as? [String: Any])?[String(k)] }
        return node != nil
    }

    /// Keys whose default is unset: absent from the encoded defaults (so the canonical JSON,
    /// run hashes and live journal fingerprints of configs that leave them unset do not
    /// change), known to the schema all the same.
    static let optionalKeys: [[String]] = [["backtest", "trade_from"]]

    /// The defaults as a JSON-like tree (the schema of known keys).
    public static func defaultTree() -> [String: Any] {
        let encoder = JSONEncoder()
        let data = try! encoder.encode(NovaPulseConfig())
        var tree = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        for path in optionalKeys { setValue(NSNull(), at: path[...], in: &tree) }
        return tree
    }

    /// The effective config as canonical JSON (sorted keys): stored with each run and hashed.
    public static func canonicalJSON(_ config: NovaPulseConfig) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(config), as: UTF8.self)
    }

    static func checkKnown(_ tree: [String: Any], against schema: [String: Any], prefix: String, source: String) throws(ConfigError) {
        for (key, value) in tree {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            guard let known = schema[key] else {
                throw .unknownKey(keyPath: path, source: source, known: Array(schema.keys))
            }
            if let sub = value as? [String: Any] {
                guard let knownSub = known as? [String: Any] else {
                    throw .badValue(keyPath: path, value: "a mapping", expected: "a single value, like \(describe(known))", source: source)
                }
                try checkKnown(sub, against: knownSub, prefix: path, source: source)
            } else if known is [String: Any], !(value is NSNull) {
                throw .badValue(keyPath: path, value: describe(value), expected: "a mapping with keys \((known as! [String: Any]).keys.sorted().joined(separator: ", "))", source: source)
            }
        }
    }

    static func apply(param: String, to tree: inout [String: Any], defaults: [String: Any], strategy: String?) throws(ConfigError) {
        guard let eq = param.firstIndex(of: "="), eq != param.startIndex else { throw .badParam(param, reason: "missing '='") }
        let key = String(param[..<eq]).trimmingCharacters(in: .whitespaces)
        let rawValue = String(param[param.index(after: eq)...])
        var path = key.split(separator: ".").map(String.init)
        if path.count == 1 {
            guard let strategy else { throw .badParam(param, reason: "no strategy chosen for a bare parameter name") }
            guard let section = (defaults["strategies"] as? [String: Any])?[strategy] as? [String: Any] else {
                throw .badParam(param, reason: "strategy \(strategy) has no parameters")
            }
            guard section[key] != nil else {
                throw .badParam(param, reason: "strategy \(strategy) has no parameter '\(key)' (it has: \(section.keys.sorted().joined(separator: ", ")))")
            }
            path = ["strategies", strategy, key]
        }
        var value: Any = rawValue
        if let parsed = try? Yams.load(yaml: rawValue), !(parsed is NSNull) { value = parsed }
        var single: [String: Any] = [:]
        setValue(value, at: path[...], in: &single)
        do { try checkKnown(single, against: defaults, prefix: "", source: "--param \(key)") } catch {
            throw .badParam(param, reason: "\(error)")
        }
        tree = merge(tree, single)
    }

    static func setValue(_ value: Any, at path: ArraySlice<String>, in tree: inout [String: Any]) {
        guard let head = path.first else { return }
        if path.count == 1 { tree[head] = value; return }
        var sub = tree[head] as? [String: Any] ?? [:]
        setValue(value, at: path.dropFirst(), in: &sub)
        tree[head] = sub
    }

    static func merge(_ base: [String: Any], _ over: [String: Any]) -> [String: Any] {
        var out = base
        for (key, value) in over {
            if let sub = value as? [String: Any], let baseSub = base[key] as? [String: Any] {
                out[key] = merge(baseSub, sub)
            } else {
                out[key] = value
            }
        }
        return out
    }

    public static func describe(_ value: Any?) -> String {
        guard let value else { return "nothing" }
        if value is NSNull { return "null" }
        if let s = value as? String { return "'\(s)'" }
        if let a = value as? [Any] { return "[" + a.map { describe($0) }.joined(separator: ", ") + "]" }
        return "\(value)"
    }

    /// Some decoding errors (a fraction in a whole-number field, on Linux) come without a key
    /// path. Decode the user's values one at a time over the defaults to find the culprit.
    static func locateProblem(user: [String: Any], defaults: [String: Any], fallback: ConfigError, source: String) -> ConfigError {
        if case .badValue(let keyPath, _, _, _) = fallback, !keyPath.isEmpty { return fallback }
        func leaves(_ tree: [String: Any], _ prefix: [String]) -> [([String], Any)] {
            tree.sorted { $0.key < $1.key }.flatMap { key, value -> [([String], Any)] in
                if let sub = value as? [String: Any] { return leaves(sub, prefix + [key]) }
                return [(prefix + [key], value)]
            }
        }
        for (path, value) in leaves(user, []) {
            var single: [String: Any] = [:]
            setValue(value, at: path[...], in: &single)
            let data = try? JSONSerialization.data(withJSONObject: merge(defaults, single))
            if let data, (try? JSONDecoder().decode(NovaPulseConfig.self, from: data)) == nil {
                let expected: String
                if let n = value as? Double, n.rounded() != n { expected = "expected a whole number" } else { expected = "expected a value of the default's type" }
                return .badValue(keyPath: path.joined(separator: "."), value: describe(value), expected: expected, source: source)
            }
        }
        return fallback
    }

    static func decodingProblem(_ error: DecodingError, tree: [String: Any], source: String) -> ConfigError {
        func keyPath(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        func lookup(_ path: [any CodingKey]) -> Any? {
            var node: Any? = tree
            for key in path {
                if let i = key.intValue { node = (node as? [Any]).flatMap { i < $0.count ? $0[i] : nil } }
                else { node = (node as? [String: Any])?[key.stringValue] }
            }
            return node
        }
        switch error {
        case .typeMismatch(let type, let context):
            return .badValue(keyPath: keyPath(context.codingPath), value: describe(lookup(context.codingPath)),
                             expected: "expected \(friendly(type))", source: source)
        case .valueNotFound(let type, let context):
            return .badValue(keyPath: keyPath(context.codingPath), value: "null", expected: "expected \(friendly(type))", source: source)
        case .dataCorrupted(let context):
            return .badValue(keyPath: keyPath(context.codingPath), value: describe(lookup(context.codingPath)),
                             expected: context.debugDescription, source: source)
        case .keyNotFound(let key, let context):
            return .badValue(keyPath: keyPath(context.codingPath + [key]), value: "missing", expected: "a value is required", source: source)
        @unknown default:
            return .unreadable(path: source, reason: "\(error)")
        }
    }

    static func friendly(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "text"
        default: return "\(type)"
        }
    }

    /// The first number in `tree` that is infinite or NaN, with its dotted key.
    static func firstNonFinite(_ tree: Any, prefix: String) -> (String, Double)? {
        if let d = tree as? [String: Any] {
            for k in d.keys.sorted() {
                if let hit = firstNonFinite(d[k]!, prefix: prefix.isEmpty ? k : prefix + "." + k) { return hit }
            }
            return nil
        }
        if let a = tree as? [Any] {
            for (i, v) in a.enumerated() { if let hit = firstNonFinite(v, prefix: "\(prefix)[\(i)]") { return hit } }
            return nil
        }
        if let n = tree as? Double, !n.isFinite { return (prefix, n) }
        return nil
    }
}
