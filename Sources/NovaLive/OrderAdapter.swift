import NovaCore
import NovaVenue

/// What an exchange's order side tells the runtime: the engine's events, and lines for the
/// thought log (rejections, unknown outcomes, orders of no session, connection changes).
public enum OrderAdapterEvent: Sendable, Equatable {
    case venue(VenueEvent)
    case note(severity: String, text: String)
    /// A reconciliation with the exchange ran: when, why, and what it changed (empty: the
    /// books agreed). `novapulse live status` shows the last one.
    case reconciled(atMs: Int64, reason: String, changes: [String])
    /// The exchange refuses our orders for a reason no retry mends (the key, the nonce): new
    /// entries stop until the session is restarted; exits and stops still go out.
    case halt(reason: String)
}

/// An order the engine still holds as working after a restart, with what it already counted.
public struct ResumedOrder: Sendable, Equatable {
    public var request: OrderRequest
    public var filledQuantity: Double
    public var filledNotional: Double
    public var fees: Double
    public init(request: OrderRequest, filledQuantity: Double, filledNotional: Double, fees: Double) {
        self.request = request; self.filledQuantity = filledQuantity; self.filledNotional = filledNotional; self.fees = fees
    }
}

/// The order side of one exchange, as `novapulse live --mode live` holds it: the engine's
/// commands go out, the exchange's answers come back later as `OrderAdapterEvent`s through the
/// runtime actor, exactly as the async parity suite's late venue answers. Nothing is answered
/// inside `submit`. An exchange is this adapter (Kraken: `KrakenOrderAdapter`) next to its
/// market-data feed; the runtime knows nothing else of it.
public protocol OrderAdapter: Sendable {
    /// Opens the private channel (fills, order states, balances); what it hears goes to
    /// `events`, in order. Returns once it listens, or throws why it cannot.
    func start(events: @escaping @Sendable ([OrderAdapterEvent]) -> Void) async throws
    /// Sends an order. `referencePrice`: the pair's last close, to size a buy given in quote.
    func submit(_ order: OrderRequest, referencePrice: Double) async
    /// Asks for an order to be cancelled; the answer is a `cancelled` or `cancelRejected` event.
    func cancel(_ id: OrderID) async
    /// Orders the engine holds as working after a journal replay: looked up at the exchange by
    /// client id at the next reconciliation, never sent again.
    func resume(_ orders: [ResumedOrder]) async
    /// Compares the books with the exchange (open and closed orders, fills, balances) and says
    /// what differed as events; `reason`: start, reconnect, timer.
    func reconcile(reason: String, balances: Bool) async
    /// Closes the private channel. Resting orders stay at the exchange.
    func stop() async
}
