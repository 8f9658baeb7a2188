import NovaVenue

/// An error from Kraken or the way to it, typed by what the caller should do about it
/// (exchange-crib.md §1.5; the seed's exception hierarchy). Only `transient` and `rateLimit`
/// are retried, and an order submit never blindly: its outcome is unknown until reconciled.
public struct KrakenError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Busy, unavailable, internal error, non-JSON 5xx: retry reads with backoff.
        case transient
        /// A call counter is full: back off (`retryAfterMs` when the venue said until when).
        case rateLimit = "rate_limit"
        /// Nonce not increasing: resynchronise the nonce and retry once.
        case nonce
        /// Bad key, bad signature, lockout, missing permission: nothing works until fixed.
        case authentication
        case insufficientFunds = "insufficient_funds"
        /// Grid, minimum, bad price, unsupported argument: the same order fails again.
        case invalidOrder = "invalid_order"
        /// Cancel or query of an order the exchange does not know (or no longer lists open).
        case unknownOrder = "unknown_order"
        /// The market or system is in maintenance, cancel-only or post-only.
        case marketRestricted = "market_restricted"
        /// No reply, a lost connection, a reply that is not Kraken's envelope.
        case transport
        /// An error string this adapter does not know.
        case unknown
    }

    public var kind: Kind
    /// Kraken's own text (`EOrder:Insufficient funds`) or what went wrong on the way.
    public var message: String
    /// From `EService:Throttled: <unix ts>`: when calls may resume.
    public var retryAfterMs: Int64?

    public init(kind: Kind, message: String, retryAfterMs: Int64? = nil) {
        self.kind = kind; self.message = message; self.retryAfterMs = retryAfterMs
    }

    public var description: String { "Kraken \(kind.rawValue): \(message)" }

    /// Whether a read (not a submit) may be sent again after a pause.
    public var isRetryableRead: Bool { kind == .transient || kind == .rateLimit || kind == .transport || kind == .nonce }

    /// Maps one `error[]` string. Unknown strings are `unknown`, never guessed transient.
    public static func classify(_ text: String) -> KrakenError {
        let t = text.trimmingCharacters(in: .whitespaces)
        func k(_ kind: Kind) -> KrakenError { KrakenError(kind: kind, message: t) }
        if t.hasPrefix("EService:Throttled") {
            let ts = t.split(separator: ":").last.flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            return KrakenError(kind: .rateLimit, message: t, retryAfterMs: ts.map { $0 * 1000 })
        }
        switch t {
        case "EAPI:Invalid nonce": return k(.nonce)
        case "EAPI:Invalid key", "EAPI:Invalid signature", "EGeneral:Temporary lockout", "EGeneral:Permission denied",
             "EAPI:Bad request", "EAPI:Feature disabled":
            return k(.authentication)
        case "EAPI:Rate limit exceeded", "EOrder:Rate limit exceeded": return k(.rateLimit)
        case "EOrder:Insufficient funds", "EOrder:Insufficient initial margin", "EOrder:Insufficient margin":
            return k(.insufficientFunds)
        case "EOrder:Unknown order": return k(.unknownOrder)
        case "EService:Unavailable", "EService:Busy", "EGeneral:Internal error", "EService:Timeout", "EService:Deadline elapsed":
            return k(.transient)
        default: break
        }
        if t.hasPrefix("EService:Market in") || t.hasPrefix("EGeneral:Market in") { return k(.marketRestricted) }
        if t.hasPrefix("EOrder:") || t.hasPrefix("EGeneral:Invalid arguments") || t.hasPrefix("EQuery:Unknown asset pair") {
            return k(.invalidOrder)
        }
        return k(.unknown)
    }

    /// The engine's reason for a refused order.
    public var rejectReason: VenueRejectReason {
        switch kind {
        case .insufficientFunds: return .insufficientFunds
        case .rateLimit: return .rateLimited
        case .authentication, .nonce: return .authentication
        case .transient, .transport, .marketRestricted: return .unavailable
        case .invalidOrder, .unknownOrder, .unknown:
            if message.contains("minimum not met") { return .belowMinimum }
            if message.contains("Post only") { return .postOnlyWouldCross }
            return .invalidOrder
        }
    }
}
