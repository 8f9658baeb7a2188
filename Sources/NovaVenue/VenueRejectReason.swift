import NovaCore

/// Why a venue refused an order, in the families of the seed's exception hierarchy.
public enum VenueRejectReason: String, Sendable, Codable, Equatable, CaseIterable {
    case insufficientFunds = "insufficient_funds"
    /// A price off the tick grid, a size off the lot grid, a non-positive quantity.
    case invalidOrder = "invalid_order"
    /// Below the exchange's minimum size or cost.
    case belowMinimum = "below_minimum"
    /// A post-only order that would have taken liquidity.
    case postOnlyWouldCross = "post_only"
    /// An order type the exchange does not offer (a stop-market order on Coinbase).
    case unsupportedOrder = "unsupported_order"
    case rateLimited = "rate_limited"
    /// The venue is down or in maintenance (an outage window).
    case unavailable = "unavailable"
    case noMarketData = "no_market_data"
    /// The key, signature or nonce was refused (Kraken `EAPI:Invalid key`, Coinbase HTTP 401).
    case authentication = "authentication"

    /// The seed's exception hierarchy (`ExchangeError > TransientExchangeError > RateLimitError`,
    /// `PermanentExchangeError > AuthenticationError > InsufficientFundsError > InvalidOrderError`):
    /// which family a refusal belongs to decides what the executor does with it.
    public enum Family: String, Sendable, Equatable, Codable {
        /// Worth sending again after a pause (outage, maintenance).
        case transient
        /// Transient, and the venue asked us to slow down.
        case rateLimit = "rate_limit"
        /// Credentials refused: nothing will work until a human fixes them.
        case authentication
        /// Not enough balance for this order.
        case insufficientFunds = "insufficient_funds"
        /// The order itself is wrong (grid, minimum, type, post-only): the same order fails again.
        case invalidOrder = "invalid_order"

        public var isTransient: Bool { self == .transient || self == .rateLimit }
    }

    public var family: Family {
        switch self {
        case .rateLimited: return .rateLimit
        case .unavailable: return .transient
        case .authentication: return .authentication
        case .insufficientFunds: return .insufficientFunds
        case .invalidOrder, .belowMinimum, .postOnlyWouldCross, .unsupportedOrder, .noMarketData: return .invalidOrder
        }
    }

    /// Transient errors are worth retrying; permanent ones are not.
    public var isTransient: Bool { family.isTransient }

    /// The error text the exchange itself sends for this reason (exchange-crib.md sections 1.5,
    /// 3.4 and 6), so logs and notes read as they would live.
    public func exchangeCode(_ exchange: ExchangeID) -> String {
        switch (exchange, self) {
        case (.kraken, .insufficientFunds): return "EOrder:Insufficient funds"
        case (.kraken, .invalidOrder): return "EOrder:Invalid price"
        case (.kraken, .belowMinimum): return "EOrder:Order minimum not met"
        case (.kraken, .postOnlyWouldCross): return "Post only order"
        case (.kraken, .unsupportedOrder): return "EGeneral:Invalid arguments:ordertype"
        case (.kraken, .rateLimited): return "EOrder:Rate limit exceeded"
        case (.kraken, .unavailable): return "EService:Unavailable"
        case (.kraken, .noMarketData): return "EService:Market in cancel_only mode"
        case (.kraken, .authentication): return "EAPI:Invalid key"
        case (.coinbase, .authentication): return "HTTP 401 UNAUTHENTICATED"
        case (.coinbase, .insufficientFunds): return "INSUFFICIENT_FUND"
        case (.coinbase, .invalidOrder): return "INVALID_PRICE_PRECISION"
        case (.coinbase, .belowMinimum): return "INVALID_SIZE"
        case (.coinbase, .postOnlyWouldCross): return "INVALID_LIMIT_PRICE_POST_ONLY"
        case (.coinbase, .unsupportedOrder): return "UNSUPPORTED_ORDER_CONFIGURATION"
        case (.coinbase, .rateLimited): return "HTTP 429"
        case (.coinbase, .unavailable): return "ORDER_ENTRY_DISABLED"
        case (.coinbase, .noMarketData): return "INVALID_NO_LIQUIDITY"
        }
    }
}
