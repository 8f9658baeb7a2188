import Foundation
import NovaVenue

/// An error from Coinbase or the way to it, typed by what the caller should do about it
/// (exchange-crib.md §3.4-3.5; the seed's exception hierarchy), as `KrakenError` is for Kraken.
/// Only `transient`, `rateLimit` and `transport` are retried, and an order submit never blindly:
/// its outcome is unknown until reconciliation finds it by its client order id.
public struct CoinbaseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// 5xx, an HTML or empty body: retry reads with backoff.
        case transient
        /// HTTP 429 (or a 401 right after a burst: allowed one retry with a fresh JWT first).
        case rateLimit = "rate_limit"
        /// 401/403: expired or mis-signed JWT, wrong `uri` claim, missing permission.
        case authentication
        case insufficientFunds = "insufficient_funds"
        /// Size or price off the product's increments, a bad product, a bad request.
        case invalidOrder = "invalid_order"
        case belowMinimum = "below_minimum"
        /// A post-only limit that would cross: Coinbase rejects it at submit.
        case postOnlyWouldCross = "post_only"
        case unsupportedOrder = "unsupported_order"
        /// Get or cancel of an order Coinbase does not know.
        case unknownOrder = "unknown_order"
        /// Order entry disabled, cancel-only or an ineligible pair.
        case marketRestricted = "market_restricted"
        case noLiquidity = "no_liquidity"
        /// No reply, a lost connection, a reply that is not JSON.
        case transport
        /// A code this adapter does not know: never guessed transient.
        case unknown
    }

    public var kind: Kind
    /// Coinbase's own code and text (`INSUFFICIENT_FUND: Insufficient balance in source account`).
    public var message: String
    /// The HTTP status, when one came back.
    public var status: Int?

    public init(kind: Kind, message: String, status: Int? = nil) {
        self.kind = kind; self.message = message; self.status = status
    }

    public var description: String { "Coinbase \(kind.rawValue): \(message)" }

    /// Whether a read (not a submit) may be sent again after a pause.
    public var isRetryableRead: Bool { kind == .transient || kind == .rateLimit || kind == .transport }

    /// A create-order failure code (`error_response.error`, or its `preview_failure_reason`).
    /// Unknown codes are `unknown`: the order is refused, never guessed placed.
    public static func classifyOrderFailure(_ code: String, message: String = "") -> CoinbaseError {
        let c = code.hasPrefix("PREVIEW_") ? String(code.dropFirst("PREVIEW_".count)) : code
        let text = message.isEmpty ? code : "\(code): \(message)"
        func k(_ kind: Kind) -> CoinbaseError { CoinbaseError(kind: kind, message: text) }
        switch c {
        case "INSUFFICIENT_FUND", "INSUFFICIENT_FUNDS": return k(.insufficientFunds)
        case "INVALID_LIMIT_PRICE_POST_ONLY": return k(.postOnlyWouldCross)
        case "INVALID_SIZE_PRECISION", "INVALID_PRICE_PRECISION", "INVALID_LIMIT_PRICE", "INVALID_PRODUCT_ID", "INVALID_REQUEST",
             "INVALID_STOP_PRICE", "INVALID_SIDE", "INVALID_END_TIME":
            return k(.invalidOrder)
        case "INVALID_SIZE", "ORDER_SIZE_TOO_SMALL", "INVALID_QUOTE_SIZE_TOO_SMALL", "INVALID_BASE_SIZE_TOO_SMALL": return k(.belowMinimum)
        case "UNSUPPORTED_ORDER_CONFIGURATION": return k(.unsupportedOrder)
        case "ORDER_ENTRY_DISABLED", "INELIGIBLE_PAIR", "CANCEL_ONLY_MODE", "POST_ONLY_MODE", "LIMIT_ONLY_MODE": return k(.marketRestricted)
        case "INVALID_NO_LIQUIDITY": return k(.noLiquidity)
        default:
            if message.lowercased().contains("minimum") { return k(.belowMinimum) }
            return k(.unknown)
        }
    }

    /// A failure with an HTTP status (anything but 200 with a JSON body of the expected shape):
    /// `{error, code, message}` bodies are read, `Unauthorized` in plain text too.
    public static func classifyHTTP(status: Int, body: Data) -> CoinbaseError {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let code = (json?["error"] as? String) ?? ""
        let text = (json?["message"] as? String) ?? String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = "HTTP \(status)" + (code.isEmpty ? "" : " \(code)") + (text.isEmpty ? "" : ": \(text)")
        func k(_ kind: Kind) -> CoinbaseError { CoinbaseError(kind: kind, message: message, status: status) }
        switch status {
        case 429: return k(.rateLimit)
        case 401, 403: return k(.authentication)
        case 404: return k(.unknownOrder)
        case 500...599: return k(.transient)
        case 400:
            if json == nil { return k(.transport) }
            return k(.invalidOrder)
        default:
            return json == nil ? k(.transport) : k(.unknown)
        }
    }

    /// The engine's reason for a refused order.
    public var rejectReason: VenueRejectReason {
        switch kind {
        case .insufficientFunds: return .insufficientFunds
        case .rateLimit: return .rateLimited
        case .authentication: return .authentication
        case .transient, .transport, .marketRestricted: return .unavailable
        case .belowMinimum: return .belowMinimum
        case .postOnlyWouldCross: return .postOnlyWouldCross
        case .unsupportedOrder: return .unsupportedOrder
        case .noLiquidity: return .noMarketData
        case .invalidOrder, .unknownOrder, .unknown: return .invalidOrder
        }
    }
}
