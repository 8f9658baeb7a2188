import NovaCore
import NovaVenue

/// Our orders at Kraken as the authenticated `executions` channel tells them (exchange-crib.md
/// §2.5), turned into the engine's `VenueEvent`s. No networking: the live adapter feeds it the
/// REST replies it got and every execution element it hears.
///
/// - Orders are found by `cl_ord_id` (known before the AddOrder reply: an execution can beat
///   it), else by Kraken's order id once known.
/// - `new` is the order accepted (once, whichever of it and the REST reply comes first).
/// - A `trade` is a fill, deduplicated by `exec_id` (a reconnect's snapshot repeats fills);
///   its quantity is the increase of `cum_qty`, so a trade missed in between is not lost and a
///   repeated one is not counted twice. Kraken's `trade` says `partially_filled` even when it
///   completed the order: what is left is computed from `cum_qty`, never from the status.
/// - `filled`, `canceled` and `expired` end the order; fills they show that no `trade` told
///   are derived from their cumulative figures first.
public struct KrakenExecutionTracker: Sendable {
    public struct Order: Sendable, Equatable {
        public var request: OrderRequest
        /// The `cl_ord_id` Kraken was given, and the volume sent (its `order_qty`).
        public var wireID: String
        public var volume: Double
        public var txid: String?
        public var cumQty = 0.0
        public var cumCost = 0.0
        public var cumFee = 0.0
        public var accepted = false
        public var ended = false
        /// When it was sent (a resumed order: when the engine decided it).
        public var sentAtMs: Int64 = 0
        /// Sent by an earlier process: whether it reached the book is not known yet.
        public var resumed = false
        public var remaining: Double { max(0, volume - cumQty) }
    }

    public private(set) var orders: [OrderID: Order] = [:]
    private var byWire: [String: OrderID] = [:]
    private var byTxid: [String: OrderID] = [:]
    private var execIDs: Set<String> = []

    public init() {}

    /// An order about to be sent (recorded first: its executions may arrive before the reply).
    public mutating func sent(_ o: OrderRequest, wireID: String, volume: Double, atMs: Int64 = 0) {
        var order = Order(request: o, wireID: wireID, volume: volume)
        order.sentAtMs = atMs
        orders[o.id] = order
        byWire[wireID] = o.id
    }

    /// An order the engine holds as working after a restart (sent by the last process, or not
    /// at all if it stopped first), with what the engine already counted of it: its
    /// `cl_ord_id` finds it at Kraken; fills beyond what is known are new.
    public mutating func resume(_ o: OrderRequest, filled: Double, cost: Double, fee: Double) {
        var order = Order(request: o, wireID: KrakenOrderParams.wireClientID(o.clientOrderID), volume: 0)
        if case .base(let q) = o.quantity { order.volume = q }
        order.cumQty = filled
        order.cumCost = cost
        order.cumFee = fee
        order.accepted = true
        order.resumed = true
        order.sentAtMs = o.createdAtMs
        orders[o.id] = order
        byWire[order.wireID] = o.id
    }

    /// What Kraken lists for one of our orders (QueryOrders, OpenOrders, ClosedOrders): its
    /// cumulative state to the engine when it says more than is known (fills missed, its end).
    public mutating func status(_ info: KrakenOrderInfo, for id: OrderID, nowMs: Int64) -> [VenueEvent] {
        guard var o = orders[id] else { return [] }
        if o.txid == nil { o.txid = info.txid; byTxid[info.txid] = id }
        if o.volume == 0 { o.volume = info.volume }
        var events: [VenueEvent] = []
        if !o.accepted && !o.ended && info.status != "canceled" && info.status != "expired" {
            o.accepted = true
            events.append(.accepted(id, atMs: info.openedAtMs > 0 ? info.openedAtMs : nowMs))
        }
        let more = info.executedVolume - o.cumQty > Self.eps(o.volume)
        let terminal = ["closed", "canceled", "expired"].contains(info.status)
        if more || (terminal && !o.ended) {
            if more {
                o.cumQty = info.executedVolume
                o.cumCost = info.cost
                o.cumFee = info.fee
            }
            if terminal { o.ended = true }
            events.append(.orderStatus(info.report(orderID: id, nowMs: nowMs)))
        }
        o.resumed = false
        orders[id] = o
        return events
    }

    /// AddOrder answered with Kraken's order id: the order is accepted (if `new` has not said so).
    public mutating func placed(_ id: OrderID, txid: String, atMs: Int64) -> [VenueEvent] {
        guard var o = orders[id] else { return [] }
        o.txid = txid
        byTxid[txid] = id
        let first = !o.accepted && !o.ended
        o.accepted = true
        orders[id] = o
        return first ? [.accepted(id, atMs: atMs)] : []
    }

    /// Kraken said no: the order never reached the book.
    public mutating func refused(_ id: OrderID, reason: VenueRejectReason, message: String, atMs: Int64) -> [VenueEvent] {
        guard var o = orders[id], !o.ended else { return [] }
        o.ended = true
        orders[id] = o
        return [.rejected(id, reason: reason, message: message, atMs: atMs)]
    }

    public func order(wireID: String) -> Order? { byWire[wireID].flatMap { orders[$0] } }
    public func id(wireID: String) -> OrderID? { byWire[wireID] }
    public func id(txid: String) -> OrderID? { byTxid[txid] }
    public func order(txid: String) -> Order? { byTxid[txid].flatMap { orders[$0] } }

    /// Orders still working (or not known to have ended).
    public var open: [Order] { orders.values.filter { !$0.ended }.sorted { $0.request.id < $1.request.id } }

    /// One element of the `executions` channel. Unknown orders give no event; `foreign` says
    /// so (reconciliation decides about them).
    public mutating func apply(_ e: KrakenExecution, nowMs: Int64) -> (events: [VenueEvent], foreign: Bool) {
        guard let id = e.clientOrderID.flatMap({ byWire[$0] }) ?? byTxid[e.orderID], var o = orders[id] else {
            // Past fills of orders no session tracks any more (a snapshot's last 50) are history;
            // an open order of someone else's is worth saying.
            return ([], e.execType == "new" || e.execType == "pending_new")
        }
        let at = e.timeMs ?? nowMs
        if o.txid == nil, !e.orderID.isEmpty { o.txid = e.orderID; byTxid[e.orderID] = id }
        var events: [VenueEvent] = []
        func accept() {
            if !o.accepted && !o.ended { o.accepted = true; events.append(.accepted(id, atMs: at)) }
        }
        switch e.execType {
        case "new":
            accept()
            catchUp(&o, e, at: at, leaves: nil, into: &events)
        case "trade":
            guard let execID = e.execID, execIDs.insert(execID).inserted else { break }
            accept()
            let qty = e.lastQty ?? 0
            let cum = e.cumQty ?? (o.cumQty + qty)
            let step = cum - o.cumQty
            guard step > Self.eps(o.volume), qty > 0 else { break }
            // The price of what this event adds: its own trade, or (trades missed before it)
            // the increase of the cumulative cost.
            let cost = step > qty + Self.eps(o.volume) ? (e.cumCost.map { $0 - o.cumCost } ?? (e.lastPrice ?? 0) * step) : (e.lastPrice ?? 0) * qty
            let fee = e.feeQuote ?? 0
            o.cumQty = cum
            o.cumCost += cost
            o.cumFee += fee
            let leaves = o.remaining <= Self.eps(o.volume) ? 0 : o.remaining
            if leaves == 0 { o.ended = true }
            events.append(.filled(Fill(orderID: id, pair: o.request.pair, side: o.request.side, price: cost / step, quantity: step, fee: fee,
                                       feeRate: cost > 0 ? fee / cost : 0, isMaker: e.isMaker ?? false, timestampMs: at, leavesQuantity: leaves)))
        case "filled":
            accept()
            catchUp(&o, e, at: at, leaves: 0, into: &events)
            o.ended = true
        case "canceled", "expired":
            catchUp(&o, e, at: at, leaves: nil, into: &events)
            if !o.ended {
                o.ended = true
                let why = e.reason ?? (e.execType == "expired" ? "expired at Kraken" : "cancelled at Kraken")
                events.append(.cancelled(id, reason: e.execType == "expired" && !why.lowercased().contains("expire") ? "expired: \(why)" : why, atMs: at))
            }
        default:
            break   // pending_new, status (triggered), amended, restated: nothing for the engine
        }
        orders[id] = o
        return (events, false)
    }

    /// A fill the cumulative figures show and no `trade` told (a reconnect's gap): derived from
    /// the increase of `cum_qty` and `cum_cost` (its fee is not in these figures: 0 here,
    /// reconciliation's order state has it).
    private func catchUp(_ o: inout Order, _ e: KrakenExecution, at: Int64, leaves: Double?, into events: inout [VenueEvent]) {
        guard let cum = e.cumQty, cum - o.cumQty > Self.eps(o.volume) else { return }
        let step = cum - o.cumQty
        let cost = e.cumCost.map { $0 - o.cumCost } ?? (e.avgPrice ?? e.lastPrice ?? 0) * step
        guard cost > 0 else { return }
        o.cumQty = cum
        o.cumCost += cost
        let left = leaves ?? (o.remaining <= Self.eps(o.volume) ? 0 : o.remaining)
        if left == 0 { o.ended = true }
        events.append(.filled(Fill(orderID: o.request.id, pair: o.request.pair, side: o.request.side, price: cost / step, quantity: step, fee: 0,
                                   feeRate: 0, isMaker: false, timestampMs: at, leavesQuantity: left)))
    }

    /// What our working orders hold of `asset` (Kraken's balance includes it): a sell its
    /// unfilled base, a buy its unfilled quote at its limit price.
    public func held(_ asset: String) -> Double {
        var sum = 0.0
        for o in orders.values where !o.ended {
            let r = o.request
            if r.side == .sell, r.pair.base == asset { sum += o.remaining }
            if r.side == .buy, r.pair.quote == asset {
                switch r.kind {
                case .limit(let p), .stop(let p), .stopLimit(_, let p): sum += o.remaining * p
                case .market: break
                }
            }
        }
        return sum
    }

    /// The `balances` channel (our asset codes): each asset free of what our orders hold.
    public func balanceEvents(_ balances: [String: Double], atMs: Int64) -> [VenueEvent] {
        balances.keys.sorted().map { .balance(asset: $0, available: max(0, balances[$0]! - held($0)), atMs: atMs) }
    }

    static func eps(_ volume: Double) -> Double { 1e-9 * max(1, volume) }
}
