import NovaCore
import NovaVenue

/// One order's outcome at one venue (the exchange, or a simulated venue shadowing it), built
/// from the venue's own events: what filled, at what average price, with which fees, maker or
/// taker, when it first filled and how it ended. `--mode shadow` keeps one for the exchange and
/// one per simulator setting for every order, side by side (`ShadowFills`).
public struct ShadowOutcome: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        /// Still working (or its end not heard yet).
        case working
        /// Filled in full.
        case filled
        /// Left the book (our cancel, immediate-or-cancel, one-cancels-other, post-only) with
        /// `filledQuantity` filled before.
        case cancelled
        /// Never reached the book.
        case rejected
    }

    public var state: State = .working
    public var filledQuantity = 0.0
    /// Sum of price times quantity over the fills (quote).
    public var notional = 0.0
    public var fees = 0.0
    /// Of `filledQuantity`, what filled as a maker.
    public var makerQuantity = 0.0
    public var firstFillMs: Int64?
    public var endedMs: Int64?
    /// Why it was rejected or cancelled, as the venue said.
    public var reason: String?

    public init() {}

    public var isTerminal: Bool { state != .working }
    public var averagePrice: Double? { filledQuantity > 0 ? notional / filledQuantity : nil }
    public var didFill: Bool { filledQuantity > 0 }

    /// Takes in one of the venue's events about this order (events of other orders are the
    /// caller's to route). Cumulative status reports (reconciliation) add what the fills
    /// heard so far lack, as the engine does: a missed fill still counts.
    public mutating func apply(_ e: VenueEvent) {
        switch e {
        case .accepted, .cancelRejected, .balance, .marginCharge:
            return
        case .rejected(_, _, let message, let at):
            guard !isTerminal else { return }
            state = .rejected; endedMs = at; reason = message
        case .filled(let f), .liquidated(let f):
            filledQuantity += f.quantity
            notional += f.price * f.quantity
            fees += f.fee
            if f.isMaker { makerQuantity += f.quantity }
            firstFillMs = min(firstFillMs ?? f.timestampMs, f.timestampMs)
            if f.leavesQuantity <= 0 { state = .filled; endedMs = f.timestampMs }
        case .cancelled(_, let why, let at):
            guard !isTerminal else { return }
            state = .cancelled; endedMs = at; reason = why
        case .orderStatus(let r):
            if r.filledQuantity > filledQuantity * (1 + 1e-9) + 1e-12 {
                // What the report counts and the fills did not: at the average that makes the
                // totals the report's.
                let missed = r.filledQuantity - filledQuantity
                notional = max(notional, r.averagePrice * r.filledQuantity)
                filledQuantity += missed
                firstFillMs = firstFillMs ?? r.atMs
            }
            fees = max(fees, r.totalFee)
            guard !isTerminal else { return }
            switch r.state {
            case .filled: state = .filled; endedMs = r.atMs
            case .cancelled, .expired: state = .cancelled; endedMs = r.atMs; reason = reason ?? "the exchange reports it \(r.state.rawValue)"
            case .rejected: state = .rejected; endedMs = r.atMs; reason = reason ?? "the exchange reports it rejected"
            case .working, .unknown: break
            }
        }
    }

    /// The fill price's distance from `decisionPrice` in basis points, signed so that positive
    /// is worse for us (paid more on a buy, got less on a sell); nil when nothing filled.
    public func slippageBps(side: Side, decisionPrice: Double) -> Double? {
        guard let p = averagePrice, decisionPrice > 0 else { return nil }
        let d = (p - decisionPrice) / decisionPrice * 10_000
        return side == .buy ? d : -d
    }
}
