import NovaCore
import NovaVenue

/// A simulator setting `--mode shadow` tries: the order-entry latency and the volume cap of
/// the candle fill model (`simulator.latency_ms`, `simulator.participation`).
public struct ShadowCandidate: Sendable, Equatable, Hashable, Codable {
    public var latencyMs: Int64
    public var participation: Double
    public init(latencyMs: Int64, participation: Double) { self.latencyMs = latencyMs; self.participation = participation }

    public var label: String {
        "latency_ms=\(latencyMs) participation=\(participation == 0 ? "0" : "\(participation)")"
    }

    /// The configured setting first (the one the report compares in detail), then a small grid
    /// around it. With the candle model, latency matters in whole bars only: an order that
    /// arrives after a bar opened waits for the next one, so 0 and "any" latency are the two
    /// cases; the volume cap is tried off, at 10% and at 1% of a bar.
    public static func grid(configured: SimulatorSettings) -> [ShadowCandidate] {
        var out = [ShadowCandidate(latencyMs: configured.latencyMs, participation: configured.participation)]
        for latency: Int64 in [0, 1_000] {
            for participation in [0, 0.1, 0.01] {
                let c = ShadowCandidate(latencyMs: latency, participation: participation)
                if !out.contains(c) { out.append(c) }
            }
        }
        return out
    }
}

/// One real order and what each simulated venue did with the same order.
public struct ShadowOrder: Sendable, Equatable, Codable {
    public var clientOrderID: String
    public var orderID: OrderID
    public var pair: Pair
    public var side: Side
    public var kind: OrderKind
    public var quantity: OrderQuantity
    public var purpose: OrderPurpose
    /// The pair's last close when the engine decided (what slippage is measured against).
    public var decisionPrice: Double
    public var decidedAtMs: Int64
    public var real = ShadowOutcome()
    /// Aligned with `candidates`: the first is the configured simulator.
    public var simulated: [ShadowOutcome]
    public var candidates: [ShadowCandidate]
    /// Bars of its pair closed since the real order ended (the simulator's grace).
    public var barsSinceRealEnded = 0
    /// Both sides ended (or the simulator's grace ran out): the comparison is final.
    public var settled = false

    public var primary: ShadowOutcome { simulated[0] }
}

/// `--mode shadow`: every order the engine sends to the exchange also goes to simulated venues
/// (one per `ShadowCandidate`) that see the same live bars, so each real outcome has its
/// simulated counterparts. Pure state: the runtime feeds it commands, bars and the exchange's
/// events, and takes the orders once settled.
///
/// The simulated venues are comparison instruments, not accounts: their cash is unbounded and a
/// sell is credited the units it sells, so no simulated order is refused for funds the real
/// account had (the real account's balance is the exchange's business). They match on the
/// candle model (live order books are analysed, not recorded, so the book model's queue has no
/// snapshots to replay).
public struct ShadowFills {
    public let candidates: [ShadowCandidate]
    /// Bars a simulated order may go on working after its real order ended (a stop that fired
    /// at the exchange within a bar is matched by the simulator at that bar's close).
    public var graceBars = 2
    var venues: [SimulatedVenue]
    var orders: [OrderID: ShadowOrder] = [:]
    var settledOut: [ShadowOrder] = []

    public init(profile: VenueProfile, settings: SimulatorSettings, candidates: [ShadowCandidate]? = nil) {
        let list = candidates ?? ShadowCandidate.grid(configured: settings)
        self.candidates = list
        venues = list.map { c in
            var s = settings
            s.fillModel = .candle
            s.latencyMs = c.latencyMs
            s.participation = c.participation
            s.faults = .none
            return SimulatedVenue(profile: profile, initialCash: 1e15, settings: s)
        }
    }

    /// Orders sent and not settled yet.
    public var pending: [ShadowOrder] { orders.values.sorted { $0.orderID < $1.orderID } }

    /// The engine's command as it goes to the exchange.
    public mutating func command(_ c: VenueCommand, decisionPrice: Double) {
        switch c {
        case .submit(let o): submit(o, decisionPrice: decisionPrice)
        case .cancel(let id, let at): cancel(id, atMs: at)
        }
    }

    public mutating func submit(_ o: OrderRequest, decisionPrice: Double) {
        orders[o.id] = ShadowOrder(clientOrderID: o.clientOrderID, orderID: o.id, pair: o.pair, side: o.side, kind: o.kind,
                                   quantity: o.quantity, purpose: o.purpose, decisionPrice: decisionPrice, decidedAtMs: o.createdAtMs,
                                   simulated: candidates.map { _ in ShadowOutcome() }, candidates: candidates)
        for k in venues.indices {
            // A spot sell is given its units: the comparison is of fills, not of balances.
            if o.side == .sell, o.leverage == nil, case .base(let units) = o.quantity { venues[k].holdings[o.pair, default: 0] += units }
            var events: [VenueEvent] = []
            venues[k].submit(o, events: &events)
            simulated(k, events)
        }
    }

    public mutating func cancel(_ id: OrderID, atMs: Int64) {
        guard orders[id] != nil else { return }
        for k in venues.indices {
            var events: [VenueEvent] = []
            venues[k].cancel(id, atMs: atMs, events: &events)
            simulated(k, events)
        }
    }

    /// A live bar closed: the simulated venues match their working orders against it; real
    /// orders that ended give their simulated twins `graceBars` more, then the rest is cancelled.
    public mutating func bar(_ pair: Pair, _ bar: Bar) {
        for k in venues.indices {
            var events: [VenueEvent] = []
            venues[k].replay(pair, bar, events: &events)
            simulated(k, events)
        }
        for (id, o) in orders where o.pair == pair && o.real.isTerminal {
            orders[id]!.barsSinceRealEnded += 1
            if orders[id]!.barsSinceRealEnded > graceBars {
                let at = bar.timestampMs + barMs
                for k in venues.indices where !o.simulated[k].isTerminal {
                    // Taken off the simulated book; the venue's own "cancelled by the engine" is not the reason.
                    var ignored: [VenueEvent] = []
                    venues[k].cancel(id, atMs: at, events: &ignored)
                    orders[id]!.simulated[k].apply(.cancelled(id, reason: "not filled by the simulator", atMs: at))
                }
                settle(id)
            }
        }
    }

    var barMs: Int64 { venues.first?.barMs ?? 60_000 }

    /// What the exchange said (events of orders it does not know are ignored: a previous
    /// session's orders, a liquidation).
    public mutating func real(_ e: VenueEvent) {
        guard let id = e.orderID, orders[id] != nil else { return }
        orders[id]!.real.apply(e)
        settleIfDone(id)
    }

    /// The orders whose comparison is final, each once.
    public mutating func takeSettled() -> [ShadowOrder] {
        defer { settledOut.removeAll() }
        return settledOut
    }

    private mutating func simulated(_ k: Int, _ events: [VenueEvent]) {
        for e in events {
            guard let id = e.orderID, orders[id] != nil else { continue }
            orders[id]!.simulated[k].apply(e)
            settleIfDone(id)
        }
    }

    private mutating func settleIfDone(_ id: OrderID) {
        guard let o = orders[id], o.real.isTerminal, o.simulated.allSatisfy(\.isTerminal) else { return }
        settle(id)
    }

    private mutating func settle(_ id: OrderID) {
        guard var o = orders.removeValue(forKey: id) else { return }
        o.settled = true
        settledOut.append(o)
    }
}
