import NovaCore

/// What a venue tells the engine about its orders and account. A simulated venue emits these
/// while it replays market data; a live venue emits the same events later, from its WebSocket
/// or a reconciliation poll. They may arrive late, out of order (a fill before the
/// confirmation of a cancel that was requested first), or not at all (a lost ack): the engine
/// relies on none of these being prompt.
public enum VenueEvent: Sendable, Equatable, Codable {
    /// The order is on the book (or working at the exchange).
    case accepted(OrderID, atMs: Int64)
    /// The order never reached the book. Terminal.
    case rejected(OrderID, reason: VenueRejectReason, message: String, atMs: Int64)
    /// (Part of) the order traded; `Fill.leavesQuantity == 0` makes it terminal (filled).
    case filled(Fill)
    /// The order left the book with `leavesQuantity` unfilled (by our cancel, an expiry, a
    /// post-only cross, one-cancels-other, the venue's own risk checks). Terminal.
    case cancelled(OrderID, reason: String, atMs: Int64)
    /// A cancel request failed: the order is unknown or already done. Not terminal by itself;
    /// its fills (or a status report) say how it ended.
    case cancelRejected(OrderID, reason: String, atMs: Int64)
    /// What the venue says about an order when asked (reconciliation after a restart, a
    /// reconnect or a submit whose answer was lost). Cumulative figures: the engine derives
    /// any fills it missed from them.
    case orderStatus(OrderStatusReport)
    /// The venue's balance of one asset (free, not reserved by open orders).
    case balance(asset: String, available: Double, atMs: Int64)
    /// A margin fee line (opening fee, 4-hourly rollover) of `pair`'s margin position, in quote.
    case marginCharge(pair: Pair, amount: Double, kind: MarginChargeKind, atMs: Int64)
    /// The venue closed `pair`'s margin position itself (the margin level fell to the
    /// liquidation level): a fill of no order the engine placed (`orderID` 0). Its resting
    /// orders on the pair are cancelled with it.
    case liquidated(Fill)
}

extension VenueEvent {
    /// When the venue says it happened.
    public var timeMs: Int64 {
        switch self {
        case .accepted(_, let t), .rejected(_, _, _, let t), .cancelled(_, _, let t), .cancelRejected(_, _, let t), .balance(_, _, let t),
             .marginCharge(_, _, _, let t): return t
        case .filled(let f), .liquidated(let f): return f.timestampMs
        case .orderStatus(let r): return r.atMs
        }
    }

    /// The order the event is about; nil for account events and a liquidation (a fill of no
    /// order the engine placed).
    public var orderID: OrderID? {
        switch self {
        case .accepted(let id, _), .rejected(let id, _, _, _), .cancelled(let id, _, _), .cancelRejected(let id, _, _): return id
        case .filled(let f): return f.orderID
        case .orderStatus(let r): return r.orderID
        case .balance, .marginCharge, .liquidated: return nil
        }
    }
}

/// The venue's view of one order, in cumulative terms (exchange-crib.md: Kraken `vol_exec`,
/// `cost`, `fee`; Coinbase `filled_size`, `average_filled_price`, `total_fees`).
public struct OrderStatusReport: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Equatable, Codable { case working, filled, cancelled, rejected, expired, unknown }
    public var orderID: OrderID
    public var state: State
    public var filledQuantity: Double
    public var averagePrice: Double
    public var totalFee: Double
    public var atMs: Int64

    public init(orderID: OrderID, state: State, filledQuantity: Double, averagePrice: Double, totalFee: Double, atMs: Int64) {
        self.orderID = orderID; self.state = state; self.filledQuantity = filledQuantity
        self.averagePrice = averagePrice; self.totalFee = totalFee; self.atMs = atMs
    }
}

/// What the engine asks of a venue. Commands only: every answer comes back as a `VenueEvent`.
public enum VenueCommand: Sendable, Equatable, Codable {
    case submit(OrderRequest)
    case cancel(OrderID, atMs: Int64)
}

/// An exchange, simulated or real. The engine talks to every venue through these commands
/// only, and hears back through `VenueEvent`s, so backtest, paper and live run the same code.
///
/// A synchronous venue (the simulator) may append its answers to `events` at once; an
/// asynchronous one (a live adapter) appends nothing and delivers its answers later through
/// the session's event entry point. The engine treats both alike: an order's fate is whatever
/// the events say, whenever they say it. Market data is not part of this seam: the simulator
/// has its own replay interface (`ReplayVenue`), a live venue its own feed.
public protocol Venue {
    /// Fee schedule, instrument rules and naming of the exchange this venue stands for.
    var profile: VenueProfile { get }
    /// Sends an order.
    mutating func submit(_ order: OrderRequest, events: inout [VenueEvent])
    /// Asks for an open order to be cancelled. The answer is `cancelled`, or `cancelRejected`
    /// when the order is no longer open (it filled meanwhile), possibly later.
    mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent])
}

extension Venue {
    /// Carries out one command.
    public mutating func execute(_ command: VenueCommand, events: inout [VenueEvent]) {
        switch command {
        case .submit(let order): submit(order, events: &events)
        case .cancel(let id, let atMs): cancel(id, atMs: atMs, events: &events)
        }
    }
}
