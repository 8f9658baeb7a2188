import NovaCore
import NovaVenue

/// Our orders at Coinbase as the `user` channel and the REST replies tell them, turned into the
/// engine's `VenueEvent`s (exchange-crib.md §3.4, §4.2-4.3). No networking.
///
/// The user channel carries each order's **cumulative** state, not executions. A fill is the
/// increase of `cumulative_quantity` over what is already counted; its price comes from the
/// change of the filled value (`avg_price` x `cumulative_quantity`), its fee from the change of
/// `total_fees`. So a message repeated after a reconnect adds nothing, and fills missed while
/// disconnected are not lost: the next snapshot or update shows them. Only orders this tracker
/// knows (sent by this process, or resumed with what the engine already counted) are turned
/// into fills: a snapshot's figures for any other order are history, never fills.
public struct CoinbaseOrderTracker: Sendable {
    public struct Order: Sendable, Equatable {
        public var request: OrderRequest
        public var clientOrderID: String
        /// The base size sent (nil: a market buy by quote, its units known only as it fills).
        public var baseSize: Double?
        public var exchangeID: String?
        public var cumQty = 0.0
        public var cumValue = 0.0
        public var cumFee = 0.0
        public var accepted = false
        public var ended = false
        public var sentAtMs: Int64 = 0
    }

    public private(set) var orders: [OrderID: Order] = [:]
    private var byClient: [String: OrderID] = [:]
    private var byExchange: [String: OrderID] = [:]

    public init() {}

    /// An order about to be sent (recorded first: the user channel can beat the REST reply).
    public mutating func sent(_ o: OrderRequest, clientOrderID: String, baseSize: Double?, atMs: Int64) {
        var order = Order(request: o, clientOrderID: clientOrderID, baseSize: baseSize)
        order.sentAtMs = atMs
        orders[o.id] = order
        byClient[clientOrderID] = o.id
    }

    /// An order the engine holds as working after a restart, with what it already counted.
    public mutating func resume(_ o: OrderRequest, filled: Double, value: Double, fee: Double) {
        var order = Order(request: o, clientOrderID: o.clientOrderID, baseSize: nil)
        if case .base(let q) = o.quantity { order.baseSize = q }
        order.cumQty = filled; order.cumValue = value; order.cumFee = fee
        order.accepted = true
        order.sentAtMs = o.createdAtMs
        orders[o.id] = order
        byClient[o.clientOrderID] = o.id
    }

    /// `POST /orders` said success with Coinbase's order id.
    public mutating func placed(_ id: OrderID, exchangeID: String, atMs: Int64) -> [VenueEvent] {
        guard var o = orders[id] else { return [] }
        o.exchangeID = exchangeID
        byExchange[exchangeID] = id
        let first = !o.accepted && !o.ended
        o.accepted = true
        orders[id] = o
        return first ? [.accepted(id, atMs: atMs)] : []
    }

    /// Coinbase refused the order at submit: it never reached the book.
    public mutating func refused(_ id: OrderID, _ error: CoinbaseError, atMs: Int64) -> [VenueEvent] {
        guard var o = orders[id], !o.ended else { return [] }
        o.ended = true
        orders[id] = o
        return [.rejected(id, reason: error.rejectReason, message: error.message, atMs: atMs)]
    }

    public func id(clientOrderID: String) -> OrderID? { byClient[clientOrderID] }
    public func id(exchangeID: String) -> OrderID? { byExchange[exchangeID] }
    public var open: [Order] { orders.values.filter { !$0.ended }.sorted { $0.request.id < $1.request.id } }

    /// One order of a `user` event (snapshot or update). `foreign`: an open order nobody here
    /// sent (reconciliation decides about it).
    public mutating func apply(_ u: CoinbaseWSMessage.UserOrder, nowMs: Int64) -> (events: [VenueEvent], foreign: Bool) {
        guard let id = u.clientOrderID.flatMap({ byClient[$0] }) ?? byExchange[u.orderID], var o = orders[id] else {
            return ([], ["OPEN", "PENDING", "QUEUED"].contains(u.status))
        }
        let at = u.timeMs ?? nowMs
        if o.exchangeID == nil { o.exchangeID = u.orderID; byExchange[u.orderID] = id }
        var events: [VenueEvent] = []
        if !o.accepted && !o.ended && u.status != "FAILED" {
            o.accepted = true
            events.append(.accepted(id, atMs: at))
        }
        let eps = Self.eps(o.baseSize ?? u.cumulativeQuantity)
        if u.cumulativeQuantity - o.cumQty > eps {
            let step = u.cumulativeQuantity - o.cumQty
            let value = u.averagePrice * u.cumulativeQuantity - o.cumValue
            let fee = max(0, u.totalFees - o.cumFee)
            o.cumQty = u.cumulativeQuantity
            o.cumValue = u.averagePrice * u.cumulativeQuantity
            o.cumFee = max(o.cumFee, u.totalFees)
            let terminal = u.status == "FILLED" || u.status == "CANCELLED" || u.status == "EXPIRED"
            let leaves: Double
            if u.status == "FILLED" { leaves = 0 }
            else if let b = o.baseSize { leaves = max(0, b - o.cumQty) <= eps ? 0 : max(0, b - o.cumQty) }
            else { leaves = u.leavesQuantity > eps ? u.leavesQuantity : (terminal ? 0 : u.leavesQuantity) }
            if leaves == 0 { o.ended = true }
            let price = value > 0 ? value / step : u.averagePrice
            events.append(.filled(Fill(orderID: id, pair: o.request.pair, side: o.request.side, price: price, quantity: step, fee: fee,
                                       feeRate: value > 0 ? fee / value : 0, isMaker: false, timestampMs: at, leavesQuantity: leaves)))
        }
        switch u.status {
        case "FILLED":
            o.ended = true
        case "CANCELLED", "EXPIRED":
            if !o.ended {
                o.ended = true
                let why = u.cancelReason.flatMap { $0.isEmpty ? nil : $0 } ?? (u.status == "EXPIRED" ? "expired at Coinbase" : "cancelled at Coinbase")
                events.append(.cancelled(id, reason: why, atMs: at))
            }
        case "FAILED":
            if !o.ended {
                o.ended = true
                let why = u.rejectReason.flatMap { $0.isEmpty ? nil : $0 } ?? "failed at Coinbase"
                events.append(o.accepted ? .cancelled(id, reason: why, atMs: at)
                                         : .rejected(id, reason: CoinbaseError.classifyOrderFailure(why).rejectReason, message: why, atMs: at))
            }
        default:
            break
        }
        orders[id] = o
        return (events, false)
    }

    /// What `GET /orders/historical/{id}` says of one of our orders: its cumulative state to
    /// the engine when it says more than is known (fills missed, its end).
    public mutating func status(_ info: CoinbaseOrder, for id: OrderID, nowMs: Int64) -> [VenueEvent] {
        guard var o = orders[id] else { return [] }
        if o.exchangeID == nil { o.exchangeID = info.orderID; byExchange[info.orderID] = id }
        var events: [VenueEvent] = []
        if !o.accepted && !o.ended && info.status != "FAILED" {
            o.accepted = true
            events.append(.accepted(id, atMs: CoinbaseTime.ms(info.createdTime) ?? nowMs))
        }
        let filled = info.filledSize?.value ?? 0
        let more = filled - o.cumQty > Self.eps(o.baseSize ?? filled)
        if more || (info.isTerminal && !o.ended) {
            if more {
                o.cumQty = filled
                o.cumValue = filled * (info.averageFilledPrice?.value ?? 0)
                o.cumFee = info.totalFees?.value ?? o.cumFee
            }
            if info.isTerminal { o.ended = true }
            events.append(.orderStatus(info.report(orderID: id, nowMs: nowMs)))
        }
        orders[id] = o
        return events
    }

    /// Sizes closer than this are the same (Coinbase's figures are decimal strings).
    static func eps(_ size: Double) -> Double { max(1e-12, abs(size) * 1e-9) }
}
