import NovaConfig
import NovaCore
import NovaEngine
import NovaSignals
import NovaVenue

/// The venue of `--mode live`: it answers nothing at once. Every command the engine gives is
/// kept for the runtime, which hands it to the exchange's `OrderAdapter`; the exchange's
/// answers come back later through `ExchangeStack.venue`. The engine and the executor are the
/// very ones of paper and backtest: only this seam differs.
struct ExchangeVenue: Venue, Codable {
    final class Outbox { var commands: [VenueCommand] = [] }
    let profile: VenueProfile
    /// Commands not yet handed to the runtime: empty between turns, so not checkpointed.
    let outbox = Outbox()
    init(profile: VenueProfile) { self.profile = profile }
    private enum CodingKeys: String, CodingKey { case profile }
    mutating func submit(_ order: OrderRequest, events: inout [VenueEvent]) { outbox.commands.append(.submit(order)) }
    mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent]) { outbox.commands.append(.cancel(id, atMs: atMs)) }
}

/// The decision stack with real orders. Its clock is moved by what it is given (a bar's close,
/// an exchange event's time), never read from the wall: replaying the journal's bars and
/// exchange events into a fresh stack rebuilds the same state, with the same order ids.
final class ExchangeStack<S: Strategy>: SessionStack {
    var session: Session<ExchangeVenue, S>
    let clock: ReplayClock
    var peakEquity: Double

    /// `runTag`: the client order ids' prefix for this journal (`np2` gives `np2-0-12-sl1`): a
    /// new journal never reuses an id an earlier one gave the exchange.
    init(config: NovaPulseConfig, pairs: [Pair], runTag: String, make: () -> S) {
        var engine = config.engineConfig
        engine.runTag = runTag
        // On spot the exchange holds a resting sell's units: the stop rests, targets are taken on touch.
        engine.takeProfitOnTouch = true
        clock = ReplayClock()
        session = Session(venue: ExchangeVenue(profile: config.venueProfile), pairs: pairs, config: engine, clock: clock, makeStrategy: make)
        peakEquity = config.backtest.initialCash
    }

    func bar(_ slot: Int, _ bar: Bar) {
        let closeMs = bar.timestampMs + 60_000
        clock.advance(to: closeMs)
        session.timersDue(now: closeMs)
        session.deliverBar(slot: slot, bar, closeMs: closeMs, now: closeMs)
    }
    func book(_ slot: Int, _ analysis: OrderBookAnalysis?) { session.deliver(.book(slot: slot, analysis)) }
    func venue(_ e: VenueEvent) {
        clock.advance(to: e.timeMs)
        session.deliver(venue: e)
    }
    func takeCommands() -> [VenueCommand] {
        defer { session.venue.outbox.commands.removeAll() }
        return session.venue.outbox.commands
    }
    var liveOrders: [ResumedOrder] {
        session.engine.executor.tracker.live.map {
            ResumedOrder(request: $0.request, filledQuantity: $0.filledQuantity, filledNotional: $0.filledNotional, fees: $0.fees)
        }
    }
}

struct ExchangeStackVisitor: StrategyCatalog.Visitor {
    let config: NovaPulseConfig
    let pairs: [Pair]
    let runTag: String
    func visit<S: Strategy>(_ make: @escaping @Sendable () -> S) throws -> any LiveStack {
        ExchangeStack(config: config, pairs: pairs, runTag: runTag, make: make)
    }
}
