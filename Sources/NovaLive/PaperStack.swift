import Foundation
import NovaBacktest
import NovaConfig
import NovaCore
import NovaEngine
import NovaSignals
import NovaSimulator
import NovaVenue

/// The decision stack as the live runtime drives it: the engine, specialised for the chosen
/// strategy, in a session with the simulated venue (paper mode). Paper fills come from the
/// backtest's own candle fill model, bar by bar, and the session's clock is the bars' replay
/// clock: paper on a stream of bars decides exactly as `backtest` on the same bars.
protocol LiveStack: AnyObject {
    func bar(_ slot: Int, _ bar: Bar)
    func book(_ slot: Int, _ analysis: OrderBookAnalysis?)
    func blockEntries(_ reason: String?)
    func blockEntries(slot: Int, _ reason: String?)
    func closeAll() -> [(slot: Int, reason: String)]
    func components(slot: Int) -> [StrategyComponent]
    var trades: [Trade] { get }
    /// Decisions held: those not yet settled, and the settled ones until `drainSettledSignals`.
    var signals: [SignalEvent] { get }
    /// Decisions ever made (held or drained): `signals` are the last of them.
    var signalCount: Int { get }
    /// Drops the decisions whose fate can no longer change (the runtime has written them):
    /// what the engine holds, and checkpoints, stay small however long the session.
    func drainSettledSignals()
    var equity: Double { get }
    var cash: Double { get }
    var peakEquity: Double { get }
    func recordEquity(atMs: Int64)
    /// An exchange's answer (live mode); paper's simulated venue answers at once instead.
    func venue(_ e: VenueEvent)
    /// The commands the engine gave since the last call, for the exchange (none in paper).
    func takeCommands() -> [VenueCommand]
    /// Orders the engine holds as working (live mode: after a replay, to look up at the exchange).
    var liveOrders: [ResumedOrder] { get }
    /// The whole state as data (the live checkpoint, `Session+Checkpoint`).
    func checkpoint() throws -> Data
    /// Puts a fresh stack of the same configuration in a checkpoint's state. On a decoding
    /// error nothing has changed: the caller replays the journal instead.
    func restore(_ data: Data) throws
    /// The whole state's values (engine, venue, clock, peak), for tests that compare a
    /// restored stack with the one its checkpoint was taken from, private fields included.
    var stateValues: [Any] { get }
}

extension LiveStack {
    func venue(_ e: VenueEvent) {}
    func takeCommands() -> [VenueCommand] { [] }
    var liveOrders: [ResumedOrder] { [] }
}

/// A stack that is one engine session: what every stack forwards to it, written once.
protocol SessionStack: LiveStack {
    associatedtype V: Venue
    associatedtype S: Strategy
    var session: Session<V, S> { get set }
    var peakEquity: Double { get set }
}

extension SessionStack {
    func blockEntries(_ reason: String?) { session.blockEntries(reason) }
    func blockEntries(slot: Int, _ reason: String?) { session.blockEntries(slot: slot, reason) }
    func closeAll() -> [(slot: Int, reason: String)] { session.closeAll() }
    func components(slot: Int) -> [StrategyComponent] { session.components(slot: slot) }
    var trades: [Trade] { session.trades }
    var signals: [SignalEvent] { session.signals }
    var signalCount: Int { session.engine.signalCount }
    func drainSettledSignals() { _ = session.drainSettledSignals() }
    var equity: Double { session.currentEquity }
    var cash: Double { session.cash }
    /// Marks equity (the risk manager's drawdown and the peak); the series is the ledger's.
    func recordEquity(atMs t: Int64) {
        session.markEquity()
        peakEquity = max(peakEquity, session.currentEquity)
    }
}

final class PaperStack<S: Strategy>: SessionStack {
    var session: Session<SimulatedVenue, S>
    var peakEquity: Double

    init(config: NovaPulseConfig, pairs: [Pair], make: () -> S) {
        // The paper venue fills from bars (the candle model): live book snapshots are used by
        // the strategies and the spread gate, not for matching.
        var settings = config.simulatorSettings
        settings.fillModel = .candle
        let venue = SimulatedVenue(profile: config.venueProfile, initialCash: config.backtest.initialCash, settings: settings)
        session = Session(venue: venue, pairs: pairs, config: config.engineConfig, makeStrategy: make)
        peakEquity = config.backtest.initialCash
    }

    func bar(_ slot: Int, _ bar: Bar) { session.onBar(pairIndex: slot, bar) }
    func book(_ slot: Int, _ analysis: OrderBookAnalysis?) { session.bookUpdated(pairIndex: slot, analysis) }
}

/// What a stack's checkpoint holds: its session and the equity peak (for the drawdown).
struct StackCheckpoint<V: Venue & Codable, S: Strategy>: Codable {
    var session: SessionCheckpoint<V, S>
    var peakEquity: Double
}

extension SessionStack where V: Codable {
    func checkpoint() throws -> Data {
        try CheckpointCoding.encoder().encode(StackCheckpoint(session: session.checkpoint, peakEquity: peakEquity))
    }
    func restore(_ data: Data) throws {
        let c = try CheckpointCoding.decoder().decode(StackCheckpoint<V, S>.self, from: data)
        session.restore(c.session)
        peakEquity = c.peakEquity
    }
    var stateValues: [Any] { [session.engine, session.venue, session.clock.nowMs(), peakEquity] }
}

/// Builds the stack for the configured strategy (the catalog's visitor picks the type).
struct PaperStackVisitor: StrategyCatalog.Visitor {
    let config: NovaPulseConfig
    let pairs: [Pair]
    func visit<S: Strategy>(_ make: @escaping @Sendable () -> S) throws -> any LiveStack {
        PaperStack(config: config, pairs: pairs, make: make)
    }
}
