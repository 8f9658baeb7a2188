import Foundation
import NovaCore
import NovaVenue

/// A number Coinbase sends as a string (`"0.00000001"`), or now and then as a JSON number.
/// A value that is neither fails the decode, naming the field (DecodingError's coding path).
public struct CoinbaseNumber: Decodable, Sendable, Equatable {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(s.prefix(40))' is not a finite number")
            }
            value = v
        } else {
            let v = try c.decode(Double.self)
            guard v.isFinite else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a finite number") }
            value = v
        }
    }
}

/// Coinbase's RFC 3339 times (`2024-06-01T12:00:00.123456Z`) as Unix milliseconds.
enum CoinbaseTime {
    static func ms(_ text: String?) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        return try? UTCTime.parse(text)
    }
}

/// One product of `GET /products` (exchange-crib.md §3.3): the instrument rules orders follow.
public struct CoinbaseProduct: Decodable, Sendable, Equatable {
    public var productID: String
    public var baseIncrement: CoinbaseNumber
    public var quoteIncrement: CoinbaseNumber
    public var priceIncrement: CoinbaseNumber
    public var baseMinSize: CoinbaseNumber
    public var baseMaxSize: CoinbaseNumber?
    public var quoteMinSize: CoinbaseNumber?
    public var status: String?
    public var tradingDisabled: Bool?
    public var cancelOnly: Bool?
    public var limitOnly: Bool?
    public var postOnly: Bool?
    public var isDisabled: Bool?

    enum CodingKeys: String, CodingKey {
        case productID = "product_id", baseIncrement = "base_increment", quoteIncrement = "quote_increment"
        case priceIncrement = "price_increment", baseMinSize = "base_min_size", baseMaxSize = "base_max_size"
        case quoteMinSize = "quote_min_size", status, tradingDisabled = "trading_disabled", cancelOnly = "cancel_only"
        case limitOnly = "limit_only", postOnly = "post_only", isDisabled = "is_disabled"
    }

    /// The rules as the venue layer states them (tick, lot decimals, minimum size and cost).
    public var instrument: InstrumentSpec {
        InstrumentSpec(tickSize: priceIncrement.value, lotDecimals: Self.decimals(of: baseIncrement.value),
                       minSize: baseMinSize.value, minCost: quoteMinSize?.value ?? 0)
    }

    /// Why no new order can go in now, nil when trading is open.
    public var restriction: String? {
        if tradingDisabled == true || isDisabled == true { return "\(productID): trading disabled" }
        if cancelOnly == true { return "\(productID): cancel only" }
        if let s = status, !s.isEmpty, s.lowercased() != "online" { return "\(productID): status \(s)" }
        return nil
    }

    /// Decimal places of an increment (`0.00000001` -> 8; 1 -> 0).
    static func decimals(of increment: Double) -> Int {
        guard increment > 0, increment < 1 else { return 0 }
        var places = 0
        var x = increment
        while places < 16 && abs(x - x.rounded()) > 1e-9 * max(1, x) { x *= 10; places += 1 }
        return places
    }
}

public struct CoinbaseProducts: Decodable, Sendable {
    public var products: [CoinbaseProduct]
}

/// `GET /products/{id}/candles`: strings, newest first (exchange-crib.md §3.3).
public struct CoinbaseCandles: Decodable, Sendable {
    public struct Candle: Decodable, Sendable {
        public var start: String
        public var low: CoinbaseNumber
        public var high: CoinbaseNumber
        public var open: CoinbaseNumber
        public var close: CoinbaseNumber
        public var volume: CoinbaseNumber
    }
    public var candles: [Candle]

    /// Closed bars oldest first: the candle still forming at `nowMs` (its minute not over) is
    /// left out, as are duplicates and candles whose start is not a Unix time.
    public func closedBars(intervalMs: Int64 = 60_000, nowMs: Int64) -> [Bar] {
        var byStart: [Int64: Bar] = [:]
        for c in candles {
            guard let s = Int64(c.start), let t = Int64.milliseconds(fromSeconds: s) else { continue }
            guard t + intervalMs <= nowMs else { continue }
            byStart[t] = Bar(timestampMs: t, open: c.open.value, high: c.high.value, low: c.low.value, close: c.close.value, volume: c.volume.value)
        }
        return byStart.keys.sorted().map { byStart[$0]! }
    }
}

/// `GET /accounts`: one wallet per currency; `available_balance` excludes the `hold`.
public struct CoinbaseAccounts: Decodable, Sendable {
    public struct Amount: Decodable, Sendable { public var value: CoinbaseNumber; public var currency: String }
    public struct Account: Decodable, Sendable {
        public var currency: String
        public var availableBalance: Amount
        public var hold: Amount?
        enum CodingKeys: String, CodingKey { case currency, availableBalance = "available_balance", hold }
    }
    public var accounts: [Account]
    public var hasNext: Bool?
    public var cursor: String?
    enum CodingKeys: String, CodingKey { case accounts, hasNext = "has_next", cursor }

    /// Available balances by currency (several wallets of one currency add up).
    public var available: [String: Double] {
        accounts.reduce(into: [:]) { $0[$1.currency, default: 0] += $1.availableBalance.value.value }
    }
}

/// An order as `GET /orders/historical/...` lists it: its cumulative state.
public struct CoinbaseOrder: Decodable, Sendable, Equatable {
    public var orderID: String
    public var clientOrderID: String?
    public var productID: String
    public var side: String
    public var status: String
    public var filledSize: CoinbaseNumber?
    public var averageFilledPrice: CoinbaseNumber?
    public var totalFees: CoinbaseNumber?
    public var createdTime: String?
    public var lastFillTime: String?
    public var rejectReason: String?
    public var cancelMessage: String?

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id", clientOrderID = "client_order_id", productID = "product_id", side, status
        case filledSize = "filled_size", averageFilledPrice = "average_filled_price", totalFees = "total_fees"
        case createdTime = "created_time", lastFillTime = "last_fill_time", rejectReason = "reject_reason", cancelMessage = "cancel_message"
    }

    /// FILLED, CANCELLED, EXPIRED and FAILED are final (exchange-crib.md §3.4).
    public var isTerminal: Bool { ["FILLED", "CANCELLED", "EXPIRED", "FAILED"].contains(status) }

    public func report(orderID id: OrderID, nowMs: Int64) -> OrderStatusReport {
        let state: OrderStatusReport.State
        switch status {
        case "FILLED": state = .filled
        case "CANCELLED": state = .cancelled
        case "EXPIRED": state = .expired
        case "FAILED": state = .rejected
        case "OPEN", "PENDING", "QUEUED", "CANCEL_QUEUED", "EDIT_QUEUED": state = .working
        default: state = .unknown
        }
        return OrderStatusReport(orderID: id, state: state, filledQuantity: filledSize?.value ?? 0,
                                 averagePrice: averageFilledPrice?.value ?? 0, totalFee: totalFees?.value ?? 0,
                                 atMs: CoinbaseTime.ms(lastFillTime) ?? CoinbaseTime.ms(createdTime) ?? nowMs)
    }
}

public struct CoinbaseOrderReply: Decodable, Sendable { public var order: CoinbaseOrder }

public struct CoinbaseOrderList: Decodable, Sendable {
    public var orders: [CoinbaseOrder]
    public var hasNext: Bool?
    public var cursor: String?
    enum CodingKeys: String, CodingKey { case orders, hasNext = "has_next", cursor }
}

/// `GET /orders/historical/fills`: one execution each; `commission` is in quote for spot.
public struct CoinbaseFills: Decodable, Sendable {
    public struct Fill: Decodable, Sendable, Equatable {
        public var tradeID: String
        public var orderID: String
        public var productID: String
        public var price: CoinbaseNumber
        public var size: CoinbaseNumber
        public var commission: CoinbaseNumber
        public var liquidityIndicator: String?
        public var tradeTime: String?
        public var side: String?
        enum CodingKeys: String, CodingKey {
            case tradeID = "trade_id", orderID = "order_id", productID = "product_id", price, size, commission
            case liquidityIndicator = "liquidity_indicator", tradeTime = "trade_time", side
        }
        public var isMaker: Bool { liquidityIndicator == "MAKER" }
    }
    public var fills: [Fill]
    public var cursor: String?
}

/// `POST /orders`: HTTP 200 either way; `success` says which (exchange-crib.md §3.4).
public struct CoinbaseCreateOrderReply: Decodable, Sendable {
    public struct Success: Decodable, Sendable {
        public var orderID: String
        public var clientOrderID: String?
        enum CodingKeys: String, CodingKey { case orderID = "order_id", clientOrderID = "client_order_id" }
    }
    public struct Failure: Decodable, Sendable {
        public var error: String?
        public var message: String?
        public var previewFailureReason: String?
        public var newOrderFailureReason: String?
        enum CodingKeys: String, CodingKey {
            case error, message, previewFailureReason = "preview_failure_reason", newOrderFailureReason = "new_order_failure_reason"
        }
    }
    public var success: Bool
    public var successResponse: Success?
    public var errorResponse: Failure?
    public var failureReason: String?
    enum CodingKeys: String, CodingKey {
        case success, successResponse = "success_response", errorResponse = "error_response", failureReason = "failure_reason"
    }

    /// The order id when placed; the typed refusal otherwise. A `success: true` without an
    /// order id is not taken as placed: its outcome goes to reconciliation.
    public func outcome() -> Result<String, CoinbaseError> {
        if success, let id = successResponse?.orderID, !id.isEmpty { return .success(id) }
        if success { return .failure(CoinbaseError(kind: .transport, message: "success without an order_id")) }
        let e = errorResponse
        let code = [e?.error, e?.previewFailureReason, e?.newOrderFailureReason, failureReason]
            .compactMap { $0 }.first { !$0.isEmpty && !$0.hasPrefix("UNKNOWN_") } ?? e?.error ?? failureReason ?? "UNKNOWN_FAILURE_REASON"
        return .failure(CoinbaseError.classifyOrderFailure(code, message: e?.message ?? ""))
    }
}

/// `POST /orders/batch_cancel`: `success` means the cancel was accepted, not that it is done.
public struct CoinbaseCancelReply: Decodable, Sendable {
    public struct Result: Decodable, Sendable, Equatable {
        public var success: Bool
        public var failureReason: String?
        public var orderID: String
        enum CodingKeys: String, CodingKey { case success, failureReason = "failure_reason", orderID = "order_id" }
    }
    public var results: [Result]
}
