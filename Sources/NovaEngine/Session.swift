import NovaCore
import NovaExecution
import NovaSignals
import NovaVenue

/// An engine connected to a venue and a clock: the one wiring of backtest, paper and live.
/// Events go in through `deliver`; the commands they lead to go to the venue, and a venue that
/// answers at once (the simulator) has its answers delivered in turn, until nothing is left to
/// send. A venue that answers later (an exchange adapter) hands its events to `deliver` when
/// they arrive. The backtest's replay (NovaBacktest) and the live runtime are both built on it.
///
/// Reads of the engine's books go straight through: `session.trades`, `session.cash`, ...
@dynamicMemberLookup
public struct Session<V: Venue, S: Strategy> {
    public internal(set) var engine: Engine<S>
    public var venue: V
    public let clock: any Clock
    /// The replay clock, when this session replays data (the backtest moves it).
    public let replayClock: ReplayClock?
    private var answers: [VenueEvent] = []
    private var venueEvents: [VenueEvent] = []
    var nextPositionCheckMs = Int64.min
    private let positionCheckIntervalMs: Int64

    public init(venue: V, pairs: [Pair], config: EngineConfig, clock: any Clock = ReplayClock(), makeStrategy: () -> S) {
        self.venue = venue
        self.clock = clock
        self.replayClock = clock as? ReplayClock
        self.engine = Engine(profile: venue.profile, pairs: pairs, config: config, makeStrategy: makeStrategy)
        self.positionCheckIntervalMs = max(1, config.positionCheckIntervalMs)
        answers.reserveCapacity(8)
        venueEvents.reserveCapacity(8)
    }

    public subscript<T>(dynamicMember path: KeyPath<Engine<S>, T>) -> T { engine[keyPath: path] }

    /// Handles one event now, then sends what it led to.
    public mutating func deliver(_ event: EngineEvent) {
        engine.handle(event, now: clock.nowMs())
        if engine.hasCommands { flush() }
    }

    /// `deliver(.venue(e))` without building the event.
    public mutating func deliver(venue e: VenueEvent) {
        engine.venueEvent(e, now: clock.nowMs())
        if engine.hasCommands { flush() }
    }

    /// `deliver(.bar(...))` at `now`, without building the event (the replay's per-bar path).
    public mutating func deliverBar(slot: Int, _ bar: Bar, closeMs: Int64, now: Int64) {
        engine.barClosed(slot, bar, closeMs: closeMs, now: now)
        if engine.hasCommands { flush() }
    }

    /// Sends the engine's commands to the venue; answers that come back at once are handled
    /// in turn (and may lead to more commands) until none is left.
    public mutating func flush() {
        while engine.hasCommands {
            for command in engine.takeCommands() {
                answers.removeAll(keepingCapacity: true)
                venue.execute(command, events: &answers)
                for e in answers { engine.venueEvent(e, now: clock.nowMs()) }
            }
        }
    }

    /// Time has moved to `now`: timers due fire (the position check, only when prices arrived
    /// since the last one: a check with nothing new to look at is skipped, not queued).
    public mutating func timersDue(now: Int64) {
        guard now >= nextPositionCheckMs, engine.executor.pricesSinceCheck else { return }
        deliver(.timer(.positionCheck, atMs: now))
        nextPositionCheckMs = now - now % positionCheckIntervalMs + positionCheckIntervalMs
    }

    /// Lets the venue speak (`body` appends its events: a replayed bar's fills, a live
    /// adapter's queue) and delivers what it said, again until it has nothing more to say or
    /// `rounds` more rounds have passed. The buffer is reused: no allocation per call.
    public mutating func pump(rounds: Int, _ body: (inout V, inout [VenueEvent]) -> Void) {
        var round = 0
        while true {
            if !venueEvents.isEmpty { venueEvents.removeAll(keepingCapacity: true) }
            body(&venue, &venueEvents)
            if venueEvents.isEmpty { return }
            let batch = venueEvents
            for e in batch { deliver(venue: e) }
            if round == rounds { return }
            round += 1
        }
    }

    /// Entries refused for every slot with `reason` (nil opens them again).
    public mutating func blockEntries(_ reason: String?) { engine.entryBlock = reason }
    /// Entries refused for one slot (nil opens them again).
    public mutating func blockEntries(slot: Int, _ reason: String?) { engine.slotEntryBlock[slot] = reason }

    /// Slot `i`'s strategy, part by part (the status endpoint's `/strategies`).
    public func components(slot i: Int) -> [StrategyComponent] { engine.components(slot: i) }

    /// The operator's close-all: every open position exits now.
    @discardableResult
    public mutating func closeAll() -> [(slot: Int, reason: String)] {
        let refused = engine.closeAll(atMs: clock.nowMs())
        if engine.hasCommands { flush() }
        return refused
    }

    /// The data or the session ends: the engine calls off what is still working (see
    /// `Executor.finish`) and the resulting commands go out.
    public mutating func finishEngine() {
        engine.finish()
        flush()
    }

    /// Marks the last equity point again once the venue has settled the end of the data.
    public mutating func settleEquity() { engine.settleEquity() }

    public mutating func reserveEquity(_ n: Int) { engine.reserveEquity(n) }
    /// Decisions the engine holds now (not yet drained). A stored forward, not the dynamic
    /// member: a generic key path is built at run time on every call (measured: 4 s a year).
    public var heldSignals: Int { engine.signals.count }
    /// See `Engine.drainSettledSignals`.
    public mutating func drainSettledSignals(all: Bool = false) -> [SignalEvent] { engine.drainSettledSignals(all: all) }
    public mutating func recordEquity(atMs t: Int64) { engine.recordEquity(atMs: t) }
    /// See `Engine.markEquity`.
    public mutating func markEquity() { engine.markEquity() }
}
