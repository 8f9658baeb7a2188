import Foundation

/// One Kraken REST call, before transport: which method, its parameters in the order they are
/// sent (the signature covers the exact bytes), and what it costs on the REST call counter.
public struct KrakenRequest: Sendable, Equatable {
    public var method: String
    public var isPrivate: Bool
    public var parameters: [(String, String)]

    public init(public method: String, _ parameters: [(String, String)] = []) {
        self.method = method; self.isPrivate = false; self.parameters = parameters
    }
    public init(private method: String, _ parameters: [(String, String)] = []) {
        self.method = method; self.isPrivate = true; self.parameters = parameters
    }

    public static func == (a: KrakenRequest, b: KrakenRequest) -> Bool {
        a.method == b.method && a.isPrivate == b.isPrivate && a.parameters.map { $0.0 + "=" + $0.1 } == b.parameters.map { $0.0 + "=" + $0.1 }
    }

    /// `/0/public/Time`, `/0/private/AddOrder`.
    public var path: String { "/0/\(isPrivate ? "private" : "public")/\(method)" }

    /// Whether sending it twice could do something twice (AddOrder): such a call is never
    /// retried after a lost reply; reconciliation finds out what happened.
    public var isOrderEntry: Bool { method == "AddOrder" || method == "AddOrderBatch" || method == "EditOrder" }

    /// Points on the per-key REST counter (§1.6): 1 per call, 2 for ledger and trade history,
    /// 0 for AddOrder and CancelOrder (they count on the trading engine's counter instead).
    public var counterCost: Double {
        guard isPrivate else { return 0 }
        switch method {
        case "AddOrder", "CancelOrder", "CancelAll", "CancelAllOrdersAfter", "AddOrderBatch", "CancelOrderBatch": return 0
        case "TradesHistory", "QueryTrades", "Ledgers", "QueryLedgers": return 2
        default: return 1
        }
    }

    /// `application/x-www-form-urlencoded` of `pairs`, in order.
    public static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// A private call's body with the nonce first (as Kraken's own examples send it).
    public func body(nonce: UInt64) -> String { Self.formEncode([("nonce", String(nonce))] + parameters) }

    /// A public call's query string.
    public var query: String { Self.formEncode(parameters) }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
    static func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s }
}
