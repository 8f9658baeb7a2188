import Foundation
import NovaCore
import Yams

/// An experiment file (YAML, examples in `experiments/`): what to vary, what to optimise, on
/// which data, how to search. Loaded and checked here; every mistake names the file and key.
///
/// ```yaml
/// name: keltner-sweep
/// data: {pair: BTC/USDT, exchange: kraken, timeframe: 1m, from: 2023-06-25, to: 2024-06-25}
/// base: {backtest: {strategy: keltner_channel}}          # config keys, as in config/novapulse.yaml
/// space:
///   strategies.keltner_channel.multiplier: {range: [1.5, 3.0], step: 0.5}
///   strategies.keltner_channel.ema_period: {range: [10, 40], step: 10}
///   risk.risk_per_trade: {log_range: [0.0025, 0.02], steps: 4}
///   strategies.keltner_channel.atr_period: {choices: [10, 14, 20]}
/// objective: {metric: sharpe, goal: maximize}    # or a list: a Pareto front
/// constraints: ["trades >= 30"]
/// sampler: grid                                  # grid | random | tpe
/// trials: 40
/// seed: 7
/// walk_forward: {mode: rolling, train_days: 90, test_days: 30}
/// ```
public struct ExperimentSpec: Sendable, Equatable {
    public struct DataWindow: Sendable, Equatable {
        public var pairs: [Pair]
        public var exchange: ExchangeID?
        public var timeframe: Timeframe?
        public var fromMs: Int64?
        public var toMs: Int64?
    }

    public enum Domain: Sendable, Equatable {
        /// lo, lo + step, ... up to hi (whole numbers when all three are).
        case range(lo: Double, hi: Double, step: Double, integer: Bool)
        /// `steps` values evenly spaced in log between lo and hi, both included.
        case logRange(lo: Double, hi: Double, steps: Int)
        /// These values, in this order.
        case choices([ParamValue])
    }

    public struct Parameter: Sendable, Equatable {
        public var key: String
        public var domain: Domain
    }

    public struct Objective: Sendable, Equatable {
        public var metric: String
        public var maximize: Bool
    }

    public struct Constraint: Sendable, Equatable {
        public var metric: String
        public var op: String
        public var value: Double
        public func holds(_ v: Double?) -> Bool {
            guard let v, v.isFinite else { return false }
            switch op {
            case ">=": return v >= value
            case ">": return v > value
            case "<=": return v <= value
            case "<": return v < value
            default: return v == value
            }
        }
        public var description: String { "\(metric) \(op) \(ParamValue.number(value).text)" }
    }

    public enum Sampler: String, Sendable, Equatable { case grid, random, tpe }

    public struct WalkForward: Sendable, Equatable {
        /// Rolling: a train window of fixed length moves on; anchored: it always starts at the beginning.
        public var anchored: Bool
        public var trainMs: Int64
        public var testMs: Int64
        public var stepMs: Int64
    }

    public var name: String
    public var data: DataWindow
    /// Config overrides, as dotted `key=value` parameters (the backtest's `--param` form).
    public var base: [String]
    public var space: [Parameter]
    public var objectives: [Objective]
    public var constraints: [Constraint]
    public var sampler: Sampler
    public var trials: Int
    public var seed: UInt64
    public var walkForward: WalkForward?
    /// The file's text, canonicalised: part of the experiment's identity.
    public var canonical: String

    /// The metrics an objective or constraint can name (the scalar metrics of a run).
    public static let metricNames = RunMetrics.scalarNames

    public static func load(path: String) throws(ConfigError) -> ExperimentSpec {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "\(error.localizedDescription)" : "no such file")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws(ConfigError) -> ExperimentSpec {
        let loaded: Any?
        do { loaded = try SafeYAML.load(text) } catch { throw .unreadable(path: source, reason: "\(error)") }
        guard let root = loaded as? [String: Any] else { throw .unreadable(path: source, reason: "the top level must be a mapping (name:, data:, space:, objective:, ...)") }
        let known = ["name", "data", "base", "space", "objective", "constraints", "sampler", "trials", "seed", "walk_forward"]
        // A run configuration (config/novapulse.yaml) given to optimize: say what it is, not
        // which of its keys is unknown here.
        let configKeys = Set(ConfigLoader.defaultTree().keys)
        let foreign = root.keys.filter { !known.contains($0) }
        if !foreign.isEmpty, foreign.allSatisfy(configKeys.contains), root["space"] == nil {
            throw .wrongKind(path: source, message: "a run configuration (its keys \(foreign.sorted().prefix(4).joined(separator: ", "))), not an "
                + "experiment: optimize takes name, data, space and objective (examples in experiments/). Give this file to backtest --config, "
                + "or put its keys under base: in an experiment")
        }
        for key in foreign.sorted() { throw .unknownKey(keyPath: key, source: source, known: known) }
        func bad(_ key: String, _ value: Any?, _ expected: String) -> ConfigError {
            .badValue(keyPath: key, value: ConfigLoader.describe(value), expected: expected, source: source)
        }
        func number(_ v: Any?) -> Double? { (v as? NSNumber).map(\.doubleValue) ?? (v as? Int).map(Double.init) ?? (v as? Double) }

        let name = root["name"] as? String ?? ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        // data
        var data = DataWindow(pairs: [], exchange: nil, timeframe: nil, fromMs: nil, toMs: nil)
        guard let d = root["data"] as? [String: Any] else { throw bad("data", root["data"], "a mapping with pair (and exchange, timeframe, from, to)") }
        for key in d.keys where !["pair", "exchange", "timeframe", "from", "to"].contains(key) {
            throw .unknownKey(keyPath: "data.\(key)", source: source, known: ["pair", "exchange", "timeframe", "from", "to"])
        }
        guard let pairText = d["pair"] as? String, let pairs = try? Pair.parseList(pairText) else { throw bad("data.pair", d["pair"], "a pair such as BTC/USD") }
        data.pairs = pairs
        if let e = d["exchange"] {
            guard let text = e as? String, let id = try? ExchangeID(parsing: text) else { throw bad("data.exchange", e, "kraken or coinbase") }
            data.exchange = id
        }
        if let t = d["timeframe"] {
            guard let text = t as? String, let tf = try? Timeframe(parsing: text) else { throw bad("data.timeframe", t, "a timeframe such as 1m or 1h") }
            data.timeframe = tf
        }
        for key in ["from", "to"] {
            guard let v = d[key] else { continue }
            // YAML reads `2024-06-01` as a date (midnight UTC): a date alone, like the text form.
            let date = v as? Date
            let text = (v as? String) ?? date.map { ISO8601DateFormatter().string(from: $0) } ?? "\(v)"
            guard var ms = try? UTCTime.parse(text) else { throw bad("data.\(key)", v, "a date (YYYY-MM-DD) or ISO time") }
            let dateAlone = text.count == 10 || (date != nil && ms % 86_400_000 == 0)
            if key == "to" && dateAlone { ms += 86_400_000 }   // a date alone includes that day
            if key == "from" { data.fromMs = ms } else { data.toMs = ms }
        }
        // base: a config mapping, flattened to key=value parameters (checked by the config loader).
        var base: [String] = []
        if let b = root["base"] {
            guard let tree = b as? [String: Any] else { throw bad("base", b, "a mapping of config sections, as in config/novapulse.yaml") }
            base = flatten(tree, prefix: "")
        }
        // space
        guard let s = root["space"] as? [String: Any], !s.isEmpty else { throw bad("space", root["space"], "a mapping from config keys to ranges or choices") }
        var space: [Parameter] = []
        for key in orderedKeys(text: text, section: "space", keys: Array(s.keys)) {
            let v = s[key]!
            let path = "space.\(key)"
            guard let spec = v as? [String: Any] else { throw bad(path, v, "{range: [lo, hi], step: s}, {log_range: [lo, hi], steps: n} or {choices: [...]}") }
            if let r = spec["range"] {
                guard let pair = r as? [Any], pair.count == 2, let lo = number(pair[0]), let hi = number(pair[1]), lo <= hi else {
                    throw bad(path + ".range", r, "[lo, hi] with lo <= hi")
                }
                guard let step = number(spec["step"]), step > 0 else { throw bad(path + ".step", spec["step"], "a positive step") }
                let integer = [lo, hi, step].allSatisfy { $0.rounded() == $0 } && !(pair[0] is Double && "\(pair[0])".contains("."))
                space.append(Parameter(key: key, domain: .range(lo: lo, hi: hi, step: step, integer: integer)))
            } else if let r = spec["log_range"] {
                guard let pair = r as? [Any], pair.count == 2, let lo = number(pair[0]), let hi = number(pair[1]), lo > 0, lo <= hi else {
                    throw bad(path + ".log_range", r, "[lo, hi] with 0 < lo <= hi")
                }
                guard let steps = spec["steps"] as? Int, steps >= 2 else { throw bad(path + ".steps", spec["steps"], "a whole number of values, at least 2") }
                space.append(Parameter(key: key, domain: .logRange(lo: lo, hi: hi, steps: steps)))
            } else if let c = spec["choices"] {
                guard let list = c as? [Any], !list.isEmpty else { throw bad(path + ".choices", c, "a non-empty list") }
                space.append(Parameter(key: key, domain: .choices(list.map { number($0).map(ParamValue.number) ?? .text("\($0)") })))
            } else {
                throw bad(path, v, "one of range (with step), log_range (with steps) or choices")
            }
        }
        // objective(s)
        var objectives: [Objective] = []
        let objectiveItems: [Any] = (root["objective"] as? [Any]) ?? (root["objective"].map { [$0] } ?? [])
        guard !objectiveItems.isEmpty else { throw bad("objective", nil, "{metric: sharpe, goal: maximize} or a list of them") }
        for (i, item) in objectiveItems.enumerated() {
            let path = objectiveItems.count == 1 ? "objective" : "objective[\(i)]"
            guard let o = item as? [String: Any], let metric = o["metric"] as? String else { throw bad(path, item, "{metric: NAME, goal: maximize|minimize}") }
            guard metricNames.contains(metric) else { throw bad(path + ".metric", metric, "one of \(metricNames.joined(separator: ", "))") }
            let goal = o["goal"] as? String ?? "maximize"
            guard ["maximize", "minimize", "maximise", "minimise"].contains(goal) else { throw bad(path + ".goal", goal, "maximize or minimize") }
            objectives.append(Objective(metric: metric, maximize: goal.hasPrefix("max")))
        }
        // constraints
        var constraints: [Constraint] = []
        for (i, item) in ((root["constraints"] as? [Any]) ?? []).enumerated() {
            let path = "constraints[\(i)]"
            let parts = "\(item)".split(separator: " ").map(String.init)
            guard parts.count == 3, [">=", ">", "<=", "<", "=="].contains(parts[1]), let value = Double(parts[2]) else {
                throw bad(path, item, "'METRIC OP NUMBER', e.g. 'trades >= 30' (OP one of >=, >, <=, <, ==)")
            }
            guard metricNames.contains(parts[0]) else { throw bad(path, item, "a metric, one of \(metricNames.joined(separator: ", "))") }
            constraints.append(Constraint(metric: parts[0], op: parts[1], value: value))
        }
        if root["constraints"] != nil && !(root["constraints"] is [Any]) { throw bad("constraints", root["constraints"], "a list such as ['trades >= 30']") }
        // sampler, trials, seed
        let samplerText = root["sampler"] as? String ?? "grid"
        guard let sampler = Sampler(rawValue: samplerText) else { throw bad("sampler", root["sampler"], "grid, random or tpe") }
        // Counted before anything is listed: a 9 x 10-value grid is 10^9 points (it once filled
        // 5.5 GB in 10 s without a word).
        for p in space where ParameterSpace.count(p.domain) > ParameterSpace.maxValuesPerParameter {
            throw bad("space.\(p.key)", "\(Int(ParameterSpace.count(p.domain))) values", "at most \(Int(ParameterSpace.maxValuesPerParameter)) values per parameter (a coarser step)")
        }
        let points = space.reduce(1.0) { $0 * ParameterSpace.count($1.domain) }
        if sampler == .grid && points > ParameterSpace.maxGridPoints {
            throw bad("space", String(format: "%.0f grid points (%@)", points, space.map { "\(Int(ParameterSpace.count($0.domain)))" }.joined(separator: " x ")),
                      "at most \(Int(ParameterSpace.maxGridPoints)) for sampler: grid; narrow the space, or use sampler: random (or tpe) with trials: N")
        }
        let gridSize = Int(min(points, Double(Int.max / 2)))
        // A value that is there but not a whole number (`ten`, 4.5, a number past Int) is an
        // error, never the default in disguise.
        let trials: Int
        if let given = root["trials"] {
            guard let n = given as? Int, n >= 1, n <= 10_000_000 else {
                throw bad("trials", given, "a whole number of trials from 1 to 10000000")
            }
            trials = n
        } else {
            trials = sampler == .grid ? gridSize : 50
        }
        let seedValue = root["seed"] ?? 1
        guard let seed = seedValue as? Int, seed >= 0 else { throw bad("seed", root["seed"], "a whole number, 0 or more") }
        // walk-forward
        var walkForward: WalkForward?
        if let w = root["walk_forward"] {
            guard let m = w as? [String: Any] else { throw bad("walk_forward", w, "{mode: rolling|anchored, train_days: N, test_days: N}") }
            let mode = m["mode"] as? String ?? "rolling"
            guard ["rolling", "anchored"].contains(mode) else { throw bad("walk_forward.mode", m["mode"], "rolling or anchored") }
            guard let train = number(m["train_days"]), train > 0 else { throw bad("walk_forward.train_days", m["train_days"], "a positive number of days") }
            guard let test = number(m["test_days"]), test > 0 else { throw bad("walk_forward.test_days", m["test_days"], "a positive number of days") }
            let step = number(m["step_days"]) ?? test
            guard step > 0 else { throw bad("walk_forward.step_days", m["step_days"], "a positive number of days") }
            walkForward = WalkForward(anchored: mode == "anchored", trainMs: Int64(train * 86_400_000), testMs: Int64(test * 86_400_000),
                                      stepMs: Int64(step * 86_400_000))
        }
        let canonical = canonicalText(root)
        return ExperimentSpec(name: name, data: data, base: base, space: space, objectives: objectives, constraints: constraints,
                              sampler: sampler, trials: trials, seed: UInt64(seed), walkForward: walkForward, canonical: canonical)
    }

    /// `a.b=value` for every leaf of a config mapping.
    static func flatten(_ tree: [String: Any], prefix: String) -> [String] {
        tree.sorted { $0.key < $1.key }.flatMap { key, value -> [String] in
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let sub = value as? [String: Any] { return flatten(sub, prefix: path) }
            if let list = value as? [Any] {
                let data = (try? JSONSerialization.data(withJSONObject: list)).map { String(decoding: $0, as: UTF8.self) } ?? "\(list)"
                return ["\(path)=\(data)"]
            }
            return ["\(path)=\(value)"]
        }
    }

    /// The keys of a section in the order the file lists them (YAML mappings load unordered):
    /// the grid's order, and so the trial numbers, follow the file.
    static func orderedKeys(text: String, section: String, keys: [String]) -> [String] {
        var order: [String: Int] = [:]
        var inSection = false
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("\(section):") { inSection = true; continue }
            if inSection, let first = line.first, !first.isWhitespace, first != "#" { inSection = false }
            guard inSection else { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let colon = trimmed.firstIndex(of: ":") {
                let key = String(trimmed[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                if keys.contains(key) && order[key] == nil { order[key] = n }
            }
        }
        return keys.sorted { (order[$0] ?? Int.max, $0) < (order[$1] ?? Int.max, $1) }
    }

    static func canonicalText(_ root: [String: Any]) -> String {
        func clean(_ v: Any) -> Any {
            if let d = v as? [String: Any] { return d.mapValues(clean) }
            if let a = v as? [Any] { return a.map(clean) }
            if let date = v as? Date { return ISO8601DateFormatter().string(from: date) }
            return v
        }
        let data = (try? JSONSerialization.data(withJSONObject: clean(root), options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A parameter's value in a trial: a number or a word.
public enum ParamValue: Sendable, Equatable, Hashable, Codable {
    case number(Double)
    case text(String)

    /// As it goes into a `key=value` parameter and into reports: whole numbers without ".0".
    public var text: String {
        switch self {
        case .number(let x):
            if x.rounded() == x && abs(x) < 1e15 { return String(Int64(x)) }
            return String(x)
        case .text(let s): return s
        }
    }

    public var number: Double? { if case .number(let x) = self { return x } else { return nil } }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let x = try? c.decode(Double.self) { self = .number(x) } else { self = .text(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let x): try c.encode(x)
        case .text(let s): try c.encode(s)
        }
    }
}
