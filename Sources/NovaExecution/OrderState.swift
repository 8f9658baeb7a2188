import NovaCore
import NovaVenue

/// Where one order is in its life, as the engine knows it from the venue's events.
///
///     pendingNew --accepted--> working --fill--> partiallyFilled --fill(leaves 0)--> filled
///         |                      |                     |
///         |                      +--- cancel asked --> pendingCancel --cancelled--> cancelled
///         +--rejected--> rejected            (fills on the way are applied)
///
/// An order leaves the books only on a terminal state. A submit whose answer never came
/// (transport error, timeout after sending) stays `pendingNew` with `outcomeUnknown` set until
/// the venue or a reconciliation says what happened: it is never taken as rejected by guess.
public enum OrderState: String, Sendable, Equatable, Codable {
    case pendingNew = "pending_new"
    case working
    case partiallyFilled = "partially_filled"
    case pendingCancel = "pending_cancel"
    case filled
    case cancelled
    case rejected
    case expired

    public var isTerminal: Bool {
        switch self {
        case .filled, .cancelled, .rejected, .expired: return true
        case .pendingNew, .working, .partiallyFilled, .pendingCancel: return false
        }
    }
}

/// One order the executor placed, with what the venue has said about it so far.
public struct TrackedOrder: Sendable, Equatable, Codable {
    public var request: OrderRequest
    /// The strategy slot (pair and strategy instance) it belongs to.
    public var slot: Int
    public var state: OrderState
    /// Units filled so far, and what they cost (for the average and for reconciling
    /// cumulative status reports).
    public var filledQuantity = 0.0
    public var filledNotional = 0.0
    public var fees = 0.0
    public var fillCount = 0
    /// The submit's answer never came: only a status report or a later event can settle it.
    public var outcomeUnknown = false
    public var purpose: OrderPurpose { request.purpose }
    public var isLive: Bool { !state.isTerminal }
}

/// The executor's books of orders: a state machine per order, fed by venue events.
public struct OrderTracker: Sendable, Codable {
    public private(set) var orders: [OrderID: TrackedOrder] = [:]
    private var byClientID: [String: OrderID] = [:]

    public init() {}

    /// What an event did to an order.
    public enum Transition: Sendable, Equatable, Codable {
        case accepted
        /// A fill to apply to cash and position (also for an order that is pending cancel).
        case fill(Fill)
        /// The order ended unfilled or with part filled: `state` says how, `reason` why.
        case ended(state: OrderState, reason: String, rejectReason: VenueRejectReason?)
        case cancelRefused(reason: String)
        /// Nothing changed (a repeated ack, a status report that matches the books).
        case none
    }

    public subscript(id: OrderID) -> TrackedOrder? { orders[id] }

    /// Whether an order with this client order id is already known (a resend after a restart).
    public func id(forClientID cid: String) -> OrderID? { byClientID[cid] }

    public mutating func track(_ request: OrderRequest, slot: Int) {
        precondition(orders[request.id] == nil, "order \(request.id) is tracked twice")
        orders[request.id] = TrackedOrder(request: request, slot: slot, state: .pendingNew)
        if !request.clientOrderID.isEmpty { byClientID[request.clientOrderID] = request.id }
    }

    /// Marks a live order as pending cancel; false when it is terminal (or unknown), so no
    /// cancel needs sending.
    public mutating func requestCancel(_ id: OrderID) -> Bool {
        guard var o = orders[id], o.isLive else { return false }
        if o.state == .pendingCancel { return false }
        o.state = .pendingCancel
        orders[id] = o
        return true
    }

    /// The submit of `id` had no answer (timeout or transport error after sending).
    public mutating func markOutcomeUnknown(_ id: OrderID) {
        orders[id]?.outcomeUnknown = true
    }

    /// Applies one event. Events for orders the tracker never placed come back as `.none`, with
    /// the exception of fills, which are money: `orphanFills` keeps them for the run's notes.
    public mutating func apply(_ event: VenueEvent) -> (TrackedOrder, Transition)? {
        switch event {
        case .accepted(let id, _):
            guard var o = orders[id] else { return nil }
            o.outcomeUnknown = false
            guard o.state == .pendingNew else { return (o, .none) }
            o.state = .working
            orders[id] = o
            return (o, .accepted)
        case .rejected(let id, let reason, let message, _):
            guard var o = orders[id], o.isLive else { return orders[id].map { ($0, .none) } }
            // A reject after fills cannot happen at a sane venue; the fills stand.
            o.state = o.filledQuantity > 0 ? .cancelled : .rejected
            o.outcomeUnknown = false
            orders[id] = o
            return (o, .ended(state: o.state, reason: message, rejectReason: reason))
        case .filled(let f):
            guard var o = orders[f.orderID] else { return nil }
            o.outcomeUnknown = false
            o.filledQuantity += f.quantity
            o.filledNotional += f.notional
            o.fees += f.fee
            o.fillCount += 1
            if f.completesOrder { o.state = .filled }
            else if o.state == .pendingNew || o.state == .working { o.state = .partiallyFilled }
            orders[f.orderID] = o
            return (o, .fill(f))
        case .cancelled(let id, let reason, _):
            guard var o = orders[id], o.isLive else { return orders[id].map { ($0, .none) } }
            o.state = reason.lowercased().contains("expire") ? .expired : .cancelled
            o.outcomeUnknown = false
            orders[id] = o
            return (o, .ended(state: o.state, reason: reason, rejectReason: nil))
        case .cancelRejected(let id, let reason, _):
            guard var o = orders[id] else { return nil }
            // The cancel came too late; the order is still whatever its fills make it. Back
            // to working if it is not done: a later fill or status report ends it.
            if o.state == .pendingCancel { o.state = o.filledQuantity > 0 ? .partiallyFilled : .working }
            orders[id] = o
            return (o, .cancelRefused(reason: reason))
        case .orderStatus(let r):
            return applyStatus(r)
        case .balance, .marginCharge, .liquidated:
            return nil
        }
    }

    /// A status report: fills the books missed are derived from the cumulative figures
    /// (quantity = increase of the cumulative size, price from the change of the cost), then
    /// the state is taken from the venue. The caller applies the derived fill first.
    private mutating func applyStatus(_ r: OrderStatusReport) -> (TrackedOrder, Transition)? {
        guard var o = orders[r.orderID] else { return nil }
        o.outcomeUnknown = r.state == .unknown
        let missed = r.filledQuantity - o.filledQuantity
        let step = 1e-12 * max(1, r.filledQuantity)
        if missed > step {
            let cost = r.averagePrice * r.filledQuantity - o.filledNotional
            let fee = max(0, r.totalFee - o.fees)
            // Only a filled report completes the order here; one that ended otherwise keeps
            // what it did not fill, so its end is a transition of its own.
            let leaves: Double
            if r.state == .filled { leaves = 0 }
            else if case .base(let q) = o.request.quantity { leaves = max(step, q - r.filledQuantity) }
            else { leaves = step }
            let price = cost / missed
            let fill = Fill(orderID: o.request.id, pair: o.request.pair, side: o.request.side, price: price, quantity: missed, fee: fee,
                            feeRate: cost > 0 ? fee / cost : 0, isMaker: false, timestampMs: r.atMs, leavesQuantity: leaves)
            orders[r.orderID] = o
            // Applying the derived fill moves the books; a terminal state other than filled
            // (cancelled with part filled) follows when the same report is applied again,
            // which then has no fill left to derive and ends the order (`Executor.apply`).
            return apply(.filled(fill))
        }
        switch r.state {
        case .working:
            if o.state == .pendingNew { o.state = o.filledQuantity > 0 ? .partiallyFilled : .working; orders[r.orderID] = o; return (o, .accepted) }
            orders[r.orderID] = o
            return (o, .none)
        case .unknown:
            orders[r.orderID] = o
            return (o, .none)
        case .filled:
            guard o.isLive else { return (o, .none) }
            o.state = .filled
            orders[r.orderID] = o
            return (o, .none)
        case .cancelled, .expired, .rejected:
            guard o.isLive else { return (o, .none) }
            o.state = r.state == .expired ? .expired : (r.state == .rejected && o.filledQuantity == 0 ? .rejected : .cancelled)
            orders[r.orderID] = o
            return (o, .ended(state: o.state, reason: "status report: \(r.state.rawValue)", rejectReason: nil))
        }
    }

    /// Orders not yet terminal, in id order.
    public var live: [TrackedOrder] { orders.values.filter(\.isLive).sorted { $0.request.id < $1.request.id } }
}
