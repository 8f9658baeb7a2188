import NovaCore
import NovaSimulator
import NovaVenue

/// A venue that answers late, the way a real exchange's WebSocket does: it wraps the simulated
/// matching engine (so fills are still honest) and holds every answer back for a seeded random
/// number of bars before handing it over. On top of that, as `Misbehaviour` says, it
/// - lets a cancel request reach the matching engine only after a delay, so an order can fill
///   while its cancel is on the way (the fill then arrives before `cancelRejected`);
/// - loses some acks (the order works, the engine never hears `accepted`);
/// - rejects some stops later: accepted first, then refused a bar or two after;
/// - answers with events of different orders out of order (one order's own events keep theirs).
///
/// It keeps the client order ids of every order it was sent. Fills come only out of `replay`,
/// `settle` and `drain`, so a test that delivers those events one by one knows, after each,
/// what the engine has been told (`Told`).
struct LateVenue: ReplayVenue {
    struct Misbehaviour {
        /// Answers are held for 0...maxDelayBars bars.
        var maxDelayBars = 2
        var cancelDelayBars = 1
        var loseAckProbability = 0.2
        var lateStopRejectProbability = 0.25
        /// The first this-many stops are refused later, whatever the probability.
        var lateRejectFirstStops = 0
        /// The kind of refusal a late stop reject carries.
        var lateRejectReason = VenueRejectReason.unavailable
    }

    var inner: SimulatedVenue
    var misbehaviour: Misbehaviour
    var random: SeededRandom
    private(set) var bar = 0
    private var held: [(releaseBar: Int, seq: Int, event: VenueEvent)] = []
    private var seq = 0
    private var lastRelease: [OrderID: Int] = [:]
    private var pendingCancels: [(dueBar: Int, id: OrderID, atMs: Int64)] = []
    private var lateRejects: [(dueBar: Int, id: OrderID, atMs: Int64)] = []
    private(set) var clientIDs: [String] = []
    private(set) var lostAcks = 0
    private(set) var lateStopRejects = 0
    private(set) var fillsBeforeCancelAnswer = 0

    init(inner: SimulatedVenue, seed: UInt64, misbehaviour: Misbehaviour = Misbehaviour()) {
        self.inner = inner
        self.misbehaviour = misbehaviour
        self.random = SeededRandom(seed: seed)
    }

    var profile: VenueProfile { inner.profile }
    var barMs: Int64 { inner.barMs }
    var isQuiet: Bool { held.isEmpty && pendingCancels.isEmpty && lateRejects.isEmpty }

    mutating func submit(_ order: OrderRequest, events: inout [VenueEvent]) {
        clientIDs.append(order.clientOrderID)
        let forced = order.purpose == .stopLoss && lateStopRejects < misbehaviour.lateRejectFirstStops
        if order.purpose == .stopLoss && (forced || random.unit() < misbehaviour.lateStopRejectProbability) {
            // Acknowledged now, refused later; it never reaches the matching engine.
            hold(.accepted(order.id, atMs: order.createdAtMs))
            lateRejects.append((bar + 1 + Int(random.next() % 2), order.id, order.createdAtMs))
            lateStopRejects += 1
            return
        }
        var answers: [VenueEvent] = []
        inner.submit(order, events: &answers)
        for a in answers {
            if case .accepted = a, random.unit() < misbehaviour.loseAckProbability { lostAcks += 1; continue }
            hold(a)
        }
        // Answers due now come back with the request (a REST response); the rest later.
        release(upTo: bar, into: &events)
    }

    mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent]) {
        if let k = lateRejects.firstIndex(where: { $0.id == id }) {
            // Not at the matching engine: the cancel succeeds once it gets there.
            lateRejects.remove(at: k)
            pendingCancels.append((bar + misbehaviour.cancelDelayBars, id, atMs))
            fakeOrders.insert(id)
            if misbehaviour.cancelDelayBars == 0 {
                applyDueCancels(force: false)
                release(upTo: bar, into: &events)
            }
            return
        }
        pendingCancels.append((bar + misbehaviour.cancelDelayBars, id, atMs))
        if misbehaviour.cancelDelayBars == 0 {
            applyDueCancels(force: false)
            release(upTo: bar, into: &events)
        }
    }

    private var fakeOrders = Set<OrderID>()

    mutating func replay(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent]) {
        let first = bar.timestampMs != lastBarMs
        if first {
            lastBarMs = bar.timestampMs
            self.bar += 1
            for r in lateRejects where r.dueBar <= self.bar {
                hold(.rejected(r.id, reason: misbehaviour.lateRejectReason,
                               message: "\(misbehaviour.lateRejectReason.exchangeCode(profile.exchange)) (stop refused after its ack)", atMs: bar.timestampMs))
            }
            lateRejects.removeAll { $0.dueBar <= self.bar }
        }
        var answers: [VenueEvent] = []
        inner.replay(pair, bar, events: &answers)
        for a in answers {
            if case .filled(let f) = a, pendingCancels.contains(where: { $0.id == f.orderID }) { fillsBeforeCancelAnswer += 1 }
            hold(a)
        }
        // Cancels due reach the matching engine after this bar's trading: the order had the
        // bar to fill in, and its fill comes back before the cancel's answer.
        if first { applyDueCancels(force: false) }
        release(upTo: self.bar, into: &events)
    }

    private var lastBarMs = Int64.min

    mutating func settle(_ pair: Pair, atMs: Int64, price: Double, events: inout [VenueEvent]) {
        var answers: [VenueEvent] = []
        inner.settle(pair, atMs: atMs, price: price, events: &answers)
        for a in answers { hold(a) }
        release(upTo: Int.max, into: &events)
    }

    /// Everything still held, cancels included, handed over (the end of a test).
    mutating func drain(into events: inout [VenueEvent]) {
        applyDueCancels(force: true)
        for r in lateRejects {
            hold(.rejected(r.id, reason: misbehaviour.lateRejectReason, message: "stop refused after its ack", atMs: r.atMs))
        }
        lateRejects.removeAll()
        release(upTo: Int.max, into: &events)
    }

    private mutating func applyDueCancels(force: Bool) {
        let due = pendingCancels.filter { force || $0.dueBar <= bar }
        pendingCancels.removeAll { force || $0.dueBar <= bar }
        for c in due {
            if fakeOrders.remove(c.id) != nil {
                hold(.cancelled(c.id, reason: "cancelled by the engine", atMs: c.atMs))
                continue
            }
            var answers: [VenueEvent] = []
            inner.cancel(c.id, atMs: c.atMs, events: &answers)
            for a in answers { hold(a) }
        }
    }

    private mutating func hold(_ e: VenueEvent) {
        let id = e.orderID
        var release = bar + Int(random.next() % UInt64(misbehaviour.maxDelayBars + 1))
        // One order's events keep their order (as one exchange connection delivers them).
        if let id, let last = lastRelease[id] { release = max(release, last) }
        if let id { lastRelease[id] = release }
        seq += 1
        held.append((release, seq, e))
    }

    private mutating func release(upTo bar: Int, into events: inout [VenueEvent]) {
        let due = held.filter { $0.releaseBar <= bar }.sorted { ($0.releaseBar, $0.seq) < ($1.releaseBar, $1.seq) }
        held.removeAll { $0.releaseBar <= bar }
        for d in due { events.append(d.event) }
    }
}

/// The account as the venue's delivered fills describe it.
struct Told {
    var cash: Double
    var units = 0.0
    var fills = 0

    mutating func hear(_ e: VenueEvent) {
        guard case .filled(let f) = e else { return }
        fills += 1
        if f.side == .buy { cash -= f.notional + f.fee; units += f.quantity } else { cash += f.notional - f.fee; units -= f.quantity }
    }
}
