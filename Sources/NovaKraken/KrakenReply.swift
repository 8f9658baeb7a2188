import Foundation

/// Kraken's REST envelope, `{"error": [...], "result": {...}}` (exchange-crib.md §1.1): an
/// empty `error` is success (strings starting with `W` are warnings); a body that is not this
/// envelope (a Cloudflare 52x page, a cut-off reply) is a transport failure, never a result.
public enum KrakenReply {
    /// The `result` object of a reply with HTTP `status` and `body`, or the typed error.
    public static func result(status: Int, body: Data) throws(KrakenError) -> [String: Any] {
        guard let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            let head = String(decoding: body.prefix(80), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            throw KrakenError(kind: status >= 500 || status == 0 ? .transient : .transport,
                              message: "HTTP \(status), not a Kraken reply: \(head.isEmpty ? "(empty body)" : head)")
        }
        let errors = (obj["error"] as? [String] ?? []).filter { !$0.hasPrefix("W") }
        if let first = errors.first { throw KrakenError.classify(first) }
        guard (200..<300).contains(status) else {
            throw KrakenError(kind: status >= 500 ? .transient : .transport, message: "HTTP \(status)")
        }
        guard let result = obj["result"] as? [String: Any] else {
            throw KrakenError(kind: .transport, message: "HTTP \(status): the reply has no result object")
        }
        return result
    }
}

/// Reading loosely typed JSON values: Kraken sends decimals as strings in REST and as numbers
/// in WebSocket v2; both are read here.
enum JSONValue {
    static func double(_ v: Any?) -> Double? {
        switch v {
        case let s as String: return Double(s)
        case let n as NSNumber: return n.doubleValue
        case let d as Double: return d
        case let i as Int: return Double(i)
        default: return nil
        }
    }
    static func int64(_ v: Any?) -> Int64? {
        switch v {
        case let s as String: return Int64(s) ?? Double(s).flatMap { Int64(checked: $0) }
        case let n as NSNumber: return n.int64Value
        case let i as Int: return Int64(i)
        default: return nil
        }
    }
}
