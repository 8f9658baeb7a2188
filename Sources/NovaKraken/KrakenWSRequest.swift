import Foundation

/// Requests sent on Kraken's WebSocket v2 (exchange-crib.md §2.2, §2.5), as JSON text.
public enum KrakenWSRequest {
    public static func subscribe(channel: String, symbols: [String], reqID: Int, extra: [String: Any] = [:]) -> String {
        var params: [String: Any] = ["channel": channel, "symbol": symbols]
        for (k, v) in extra { params[k] = v }
        return encode(["method": "subscribe", "params": params, "req_id": reqID])
    }

    public static func unsubscribe(channel: String, symbols: [String], reqID: Int, extra: [String: Any] = [:]) -> String {
        var params: [String: Any] = ["channel": channel, "symbol": symbols]
        for (k, v) in extra { params[k] = v }
        return encode(["method": "unsubscribe", "params": params, "req_id": reqID])
    }

    /// A private channel (`executions`, `balances`): the token goes in `params`.
    public static func subscribePrivate(channel: String, token: String, reqID: Int, extra: [String: Any] = [:]) -> String {
        var params: [String: Any] = ["channel": channel, "token": token]
        for (k, v) in extra { params[k] = v }
        return encode(["method": "subscribe", "params": params, "req_id": reqID])
    }

    public static func ping(reqID: Int) -> String { encode(["method": "ping", "req_id": reqID]) }

    static func encode(_ obj: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
