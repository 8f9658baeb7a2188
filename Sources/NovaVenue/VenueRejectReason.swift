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

    /// Transient errors are worth retrying; permanent ones are not.
    public var isTransient: Bool { self == .rateLimited || self == .unavailable }

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
