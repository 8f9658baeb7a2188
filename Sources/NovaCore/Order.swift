/// Identifies an order for its whole life; assigned by the engine, unique within a run.
public typealias OrderID = Int

/// How an order meets the market.
public enum OrderKind: Sendable, Equatable, Codable {
    /// Takes liquidity at the next price the venue can give.
    case market
    /// Never fills at a worse price than `price`.
    case limit(price: Double)
    /// Becomes a market order once the market trades through `trigger`
    /// (a sell stop triggers at or below it, a buy stop at or above it).
    case stop(trigger: Double)
    /// Becomes a limit order at `limit` once the market trades through `trigger` (Kraken's
    /// `stop-loss-limit`, Coinbase's `stop_limit_stop_limit_gtc`): it never fills worse than
    /// `limit`, so a gap through the limit leaves it unfilled.
    case stopLimit(trigger: Double, limit: Double)

    public var name: String {
        switch self {
        case .market: return "market"
        case .limit: return "limit"
        case .stop: return "stop"
        case .stopLimit: return "stop_limit"
        }
    }

    /// The trigger of a stop or stop-limit order.
    public var trigger: Double? {
        switch self {
        case .stop(let t), .stopLimit(let t, _): return t
        case .market, .limit: return nil
        }
    }
}

/// How much an order is for.
public enum OrderQuantity: Sendable, Equatable, Codable {
    /// A size in units of the base asset (BTC for BTC/USD).
    case base(Double)
    /// Spend this much quote currency, fee included (a market buy "by cost", as Coinbase's
    /// `quote_size` and Kraken's `viqc` flag allow); the venue works out the units at the fill.
    case quoteIncludingFee(Double)
}

/// Why an order was placed: it ends up as a trade's entry or exit reason.
public enum OrderPurpose: String, Sendable, Codable, Equatable {
    case entry
    case exitSignal = "signal"
    case stopLoss = "stop_loss"
    case takeProfit = "take_profit"
    case endOfData = "end_of_data"
    /// A smart-exit tier: a partial take-profit.
    case smartExit = "smart_exit"
    /// The venue closed a margin position: the margin level fell to its liquidation level.
    case liquidation
    /// The operator's close-all (`novapulse live close-all`): a market exit decided by hand.
    case operatorClose = "close_all"
}

/// An order as the engine asks a venue for it.
public struct OrderRequest: Sendable, Equatable, Codable {
    public var id: OrderID
    public var pair: Pair
    public var side: Side
    public var kind: OrderKind
    public var quantity: OrderQuantity
    public var purpose: OrderPurpose
    /// Orders sharing a group cancel each other when one fills (one-cancels-other), as a
    /// position's stop-loss and take-profit do.
    public var ocoGroup: Int?
    /// Whether this order's fill cancels the rest of its group. A position's stop does; its
    /// smart-exit tiers do not (a tier taking profit on part of the position leaves the stop
    /// and the other tiers in place).
    public var cancelsGroupOnFill: Bool = true
    /// Time the engine decided to place it (ms): a bar's close for decisions on a closed bar,
    /// the fill's time for orders placed on a fill.
    public var createdAtMs: Int64
    /// A limit order that may only add liquidity (Kraken `oflags=post`, Coinbase `post_only`):
    /// if it would cross the book it is not filled (Kraken cancels it, Coinbase rejects it).
    public var postOnly: Bool = false
    /// The id the exchange is given for this order (Kraken `cl_ord_id`, Coinbase
    /// `client_order_id`): derived from the run, the position and the leg, never random, so a
    /// restart or a reconciliation that sends the same order again is recognised, not duplicated.
    public var clientOrderID: String = ""
    /// A margin order (Kraken AddOrder `leverage`): a sell opens or adds to a short, a buy
    /// closes it (reduce-only). nil: a spot order.
    public var leverage: Double?
    /// Immediate-or-cancel (Kraken `timeinforce=IOC`): what does not fill at once is
    /// cancelled, never left resting (a take-profit sent when the price touches its target).
    public var immediateOrCancel = false

    public init(id: OrderID, pair: Pair, side: Side, kind: OrderKind, quantity: OrderQuantity,
                purpose: OrderPurpose, ocoGroup: Int? = nil, cancelsGroupOnFill: Bool = true, createdAtMs: Int64,
                postOnly: Bool = false, clientOrderID: String = "", leverage: Double? = nil, immediateOrCancel: Bool = false) {
        self.leverage = leverage
        self.immediateOrCancel = immediateOrCancel
        self.postOnly = postOnly
        self.clientOrderID = clientOrderID
        self.id = id
        self.pair = pair
        self.side = side
        self.kind = kind
        self.quantity = quantity
        self.purpose = purpose
        self.ocoGroup = ocoGroup
        self.cancelsGroupOnFill = cancelsGroupOnFill
        self.createdAtMs = createdAtMs
    }
}

/// One execution of (part of) an order.
public struct Fill: Sendable, Equatable, Codable {
    public var orderID: OrderID
    public var pair: Pair
    public var side: Side
    public var price: Double
    public var quantity: Double
    /// Fee charged in quote currency for this fill.
    public var fee: Double
    public var feeRate: Double
    public var isMaker: Bool
    public var timestampMs: Int64
    /// Units of the order still unfilled after this fill (0: the order is complete). An order
    /// with units left keeps working (the venue sends more fills, or a `cancelled`).
    public var leavesQuantity: Double

    public init(orderID: OrderID, pair: Pair, side: Side, price: Double, quantity: Double, fee: Double,
                feeRate: Double, isMaker: Bool, timestampMs: Int64, leavesQuantity: Double = 0) {
        self.leavesQuantity = leavesQuantity
        self.orderID = orderID
        self.pair = pair
        self.side = side
        self.price = price
        self.quantity = quantity
        self.fee = fee
        self.feeRate = feeRate
        self.isMaker = isMaker
        self.timestampMs = timestampMs
    }

    /// Quote currency that changes hands, before the fee.
    public var notional: Double { price * quantity }
    /// Whether the order has nothing left to fill.
    public var completesOrder: Bool { leavesQuantity <= 0 }
}
