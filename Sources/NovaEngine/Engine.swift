import NovaCore
@_exported import NovaExecution
import NovaRisk
import NovaSignals
import NovaVenue

/// The event loop of NovaPulse: dispatch. A market event, a timer or a venue event comes in;
/// the strategies, the risk manager and the executor decide; commands for the venue go out
/// (`takeCommands`). The engine owns no venue and knows no mode: a `Session` connects it to a
/// simulated venue in a backtest and to an exchange adapter in live, through the same calls.
///
/// Order of work for a closed bar of a slot: the executor manages the position (trailing,
/// breakeven, a missing stop, an unfilled limit entry), the strategy sees the bar and its
/// position, and an entry it asks for goes through the risk manager (sizing and gates) to the
/// executor. Orders decided on a close fill from the next bar on: no lookahead.
public struct Engine<S: Strategy>: Codable {
    public let pairs: [Pair]
    public let config: EngineConfig
    public private(set) var executor: Executor
    public private(set) var risk: RiskManager
    private var strategies: [S]
    /// Latest fresh book analysis per slot (the spread gate reads it).
    private var books: [OrderBookAnalysis?]
    /// The journal entry of each slot's entry and exit in flight: a later venue refusal is
    /// written there.
    private var entrySignal: [Int?]
    private var exitSignal: [Int?]
    public private(set) var nowMs: Int64 = 0
    public private(set) var equityTimestampMs: [Int64] = []
    public private(set) var equity: [Double] = []
    /// Every non-neutral strategy decision with its fate, from the `signalBase`-th on: a
    /// backtest that streams its record takes the settled ones away as it goes
    /// (`drainSettledSignals`), so a year of evaluations is not held in memory.
    public private(set) var signals: [SignalEvent] = []
    /// How many decisions were drained before `signals[0]`.
    public private(set) var signalBase = 0
    /// Decisions recorded so far, drained or not.
    public var signalCount: Int { signalBase + signals.count }
    /// Position checks that found prices to act on, and price moves that triggered one at once.
    public private(set) var positionChecks = 0
    public private(set) var eventScans = 0
    /// Entries the edge gates refused, paper-tracked (`EngineConfig.shadowTrades`).
    public private(set) var shadows: ShadowTrades
    /// Every halt of the run, in order; the last one may still be going on.
    public private(set) var halts: [Halt] = []
    /// Why no entry may be placed now, for every slot (live: warming up, paused by the
    /// operator, stopping); nil: entries are open. Exits and protection are never blocked.
    public var entryBlock: String?
    /// The same for one slot (live: its data is stale).
    public var slotEntryBlock: [String?]

    /// One slot per entry of `pairs` (the same pair may appear twice: two strategy instances).
    public init(profile: VenueProfile, pairs: [Pair], config: EngineConfig, makeStrategy: () -> S) {
        self.pairs = pairs
        self.config = config
        self.strategies = pairs.map { _ in makeStrategy() }
        self.executor = Executor(config: config, profile: profile, pairs: pairs, strategyNames: strategies.map(\.name))
        self.risk = RiskManager(config: config.riskManager, initialEquity: config.initialCash)
        self.books = pairs.map { _ in nil }
        self.shadows = ShadowTrades(slots: pairs.count)
        self.entrySignal = pairs.map { _ in nil }
        self.exitSignal = pairs.map { _ in nil }
        self.slotEntryBlock = pairs.map { _ in nil }
    }

    public mutating func reserveEquity(_ n: Int) {
        equity.reserveCapacity(n)
        equityTimestampMs.reserveCapacity(n)
    }

    /// Handles one event at `now` (the session's clock). Bars and venue events also have
    /// entry points of their own (`barClosed`, `venueEvent`), which the replay calls directly:
    /// building the event enum (it can carry a whole `Fill`) cost more per bar than the bar.
    public mutating func handle(_ event: EngineEvent, now: Int64) {
        switch event {
        case .venue(let e):
            venueEvent(e, now: now)
        case .bar(let slot, let bar, let closeMs):
            barClosed(slot, bar, closeMs: closeMs, now: now)
        case .book(let slot, let analysis):
            nowMs = now
            books[slot] = analysis
            strategies[slot].bookUpdated(analysis)
        case .price(let slot, let price, let atMs):
            nowMs = now
            if executor.priceUpdate(slot, price: price) {
                eventScans += 1
                executor.checkPosition(slot, atMs: atMs)
            }
            if !executor.reports.isEmpty { absorbReports() }
        case .timer(.positionCheck, let atMs):
            nowMs = now
            guard executor.pricesSinceCheck else { return }
            positionChecks += 1
            executor.checkPositions(atMs: atMs)
            if !executor.reports.isEmpty { absorbReports() }
        }
    }

    /// An answer from the venue.
    public mutating func venueEvent(_ e: VenueEvent, now: Int64) {
        nowMs = now
        executor.apply(e)
        if !executor.reports.isEmpty { absorbReports() }
    }

    /// A bar of `slot` closed at `closeMs`.
    public mutating func barClosed(_ slot: Int, _ bar: Bar, closeMs: Int64, now: Int64) {
        nowMs = now
        barClosed(slot, bar, closeMs: closeMs)
        if !executor.reports.isEmpty { absorbReports() }
    }

    /// The venue commands decided so far, in order; the session sends them.
    public mutating func takeCommands() -> [VenueCommand] { executor.takeCommands() }
    public var hasCommands: Bool { !executor.commands.isEmpty }

    private mutating func barClosed(_ i: Int, _ bar: Bar, closeMs: Int64) {
        if shadows.anyOpen, let pnl = shadows.onBar(slot: i, bar) {
            risk.shadowClosed(pnl: pnl)
            if let k = halts.indices.last, halts[k].endMs == nil { halts[k].shadowOutcomes += 1 }
        }
        let position = executor.barClosed(i, bar, atMs: closeMs)
        let action = strategies[i].onBar(bar, position: position)
        // A quiet bar of a single-rule strategy returns before any optional is built (the
        // 184-byte copy on every bar: buy_hold replay 0.07 s with the early return, 0.09-0.10 s
        // without); `S.makesConfluence` is a static fact the specialised engine folds away.
        if case .none = action {
            // An evaluation no order follows: recorded in the compact form it is stored in
            // (votes without their weight and sentence: no string built per vote).
            guard S.makesConfluence, let c = strategies[i].lastCompactSignal else { return }
            signals.append(SignalEvent(timestampMs: bar.timestampMs, pair: pairs[i], strategy: strategies[i].name, action: .none,
                                       strength: c.strength, actedUpon: false, reason: Self.confluenceReason(c.direction),
                                       rejection: c.rejection ?? "not acted upon", confluence: c))
            return
        }
        switch action {
        case .none:
            return
        case .enterLong(let stop, let target, let strength, let reason):
            entrySignal(i, bar: bar, closeMs: closeMs, side: .buy, stop: stop, target: target, strength: strength, reason: reason)
        case .enterShort(let stop, let target, let strength, let reason):
            entrySignal(i, bar: bar, closeMs: closeMs, side: .sell, stop: stop, target: target, strength: strength, reason: reason)
        case .exitLong(let reason):
            exitSignal(i, bar: bar, closeMs: closeMs, action: .exitLong, reason: reason, confluence: S.makesConfluence ? strategies[i].lastSignal : nil)
        case .exitShort(let reason):
            exitSignal(i, bar: bar, closeMs: closeMs, action: .exitShort, reason: reason, confluence: S.makesConfluence ? strategies[i].lastSignal : nil)
        }
    }

    /// An entry decision. Its confluence is read compact first (most entries are refused, a year
    /// of halts refused 124,000, and a refused one is stored compact): the full record, with
    /// each vote's weight and sentence, only for an entry that goes out.
    private mutating func entrySignal(_ i: Int, bar: Bar, closeMs: Int64, side: Side, stop: Double?, target: Double?, strength: Double,
                                      reason: String) {
        let compact = S.makesConfluence ? strategies[i].lastCompactSignal : nil
        let rejection = enter(i, side: side, bar: bar, closeMs: closeMs, stop: stop, target: target, reason: reason, confluence: compact)
        if rejection == nil { entrySignal[i] = signalCount }
        let confluence = rejection == nil && S.makesConfluence ? strategies[i].lastSignal : compact
        signals.append(SignalEvent(timestampMs: bar.timestampMs, pair: pairs[i], strategy: strategies[i].name, action: side == .buy ? .enterLong : .enterShort,
                                   strength: strength, actedUpon: rejection == nil, reason: reason, rejection: rejection,
                                   confluence: confluence))
    }

    private mutating func exitSignal(_ i: Int, bar: Bar, closeMs: Int64, action: SignalEvent.Action, reason: String, confluence: ConfluenceSignal?) {
        let rejection = config.exitOnOppositeSignal ? executor.exit(i, purpose: .exitSignal, atMs: closeMs)
            : "exit_on_opposite_signal is off: the position leaves by its stop, target, tiers or trailing"
        exitSignal[i] = rejection == nil ? signalCount : nil
        signals.append(SignalEvent(timestampMs: bar.timestampMs, pair: pairs[i], strategy: strategies[i].name, action: action,
                                   strength: confluence?.strength ?? 1, actedUpon: rejection == nil, reason: reason,
                                   rejection: rejection, confluence: confluence))
    }

    /// Sizes an entry (all-in, or the risk manager's fixed-fractional sizing and gates) and
    /// hands it to the executor. Returns why it was not placed, or nil.
    private mutating func enter(_ i: Int, side: Side, bar: Bar, closeMs: Int64, stop: Double?, target: Double?, reason: String,
                                confluence: ConfluenceSignal?) -> String? {
        if let why = entryBlock ?? slotEntryBlock[i] { return why }
        if side == .sell {
            guard config.direction.allowsShort else { return "short entries are off (backtest.direction: \(config.direction.rawValue))" }
            guard executor.profile.margin != nil else { return "\(executor.profile.exchange.rawValue) spot has no shorting: short refused" }
        } else if !config.direction.allowsLong {
            return "long entries are off (backtest.direction: short)"
        }
        guard executor.isFlat(i) else { return "a position or order is already open for \(pairs[i])" }
        let isolated = config.bankroll == .isolated
        let equityNow = isolated ? executor.bankrollEquity(i) : executor.currentEquity
        var budget = executor.spendable(i)
        var sizing: SizingTag?
        if config.sizing == .fixedFractional {
            let request = RiskManager.Request(
                pair: pairs[i].description, signalMs: closeMs, nowMs: nowMs, price: bar.close, stop: stop, target: target,
                equity: equityNow, cash: budget, peakEquity: executor.bankrollPeak(i), feeRate: executor.profile.takerFee,
                volatilityRegime: strategies[i].lastVolatilityRegime, spreadBps: books[i]?.spreadBps,
                open: executor.openPositions, side: side)
            switch risk.evaluate(request) {
            case .failure(let refusal):
                if let gate = refusal.edgeGate { edgeRefused(i, refusal, gate: gate, atMs: closeMs) }
                return refusal.reason
            case .success(let approval):
                budget = approval.budget
                sizing = approval.sizing
                if let k = halts.indices.last, halts[k].endMs == nil { halts[k].endMs = closeMs }
            }
        }
        // The strategies that voted for it, kept with the trade (attribution); built only for an entry that goes out.
        let direction: SignalDirection = side == .buy ? .long : .short
        let votes = confluence?.signals.filter { $0.direction == direction }
            .reduce(into: [String: Double]()) { $0[$1.strategy] = $1.strength } ?? [:]
        return executor.enter(i, .init(budget: budget, stop: stop, target: target, reason: reason, decisionPrice: bar.close,
                                       votes: votes, sizing: sizing, side: side), atMs: closeMs)
    }

    /// An edge gate refused an entry: a halt begins (or goes on), and the entry is paper-tracked.
    private mutating func edgeRefused(_ i: Int, _ refusal: RiskManager.Refusal, gate: RiskManager.Refusal.EdgeGate, atMs: Int64) {
        if let k = halts.indices.last, halts[k].endMs == nil {
            halts[k].refused += 1
        } else {
            halts.append(Halt(startMs: atMs, gate: gate.rawValue, reason: refusal.reason, refused: 1))
        }
        if config.shadowTrades, let s = refusal.shadow {
            shadows.open(slot: i, stop: s.stop, target: s.target, notional: s.notional, feeRate: s.feeRate)
        }
    }

    /// What the executor reported: closed trades reach their strategy and the risk manager;
    /// an entry the venue refused later is marked in the journal with the venue's reason.
    private mutating func absorbReports() {
        for r in executor.takeReports() {
            switch r {
            case .tradeClosed(let slot, let t):
                // The exit a decision asked for is over: a later exit that fails (a stop's, the
                // end of data's) is not that decision's to be marked with.
                exitSignal[slot] = nil
                let trade = executor.trades[t]
                strategies[slot].tradeClosed(trade)
                risk.tradeClosed(pnl: trade.pnl, pair: trade.pair.description, atMs: trade.exitTimeMs ?? nowMs)
            case .entryFailed(let slot, let message):
                if let k = entrySignal[slot], k >= signalBase {
                    signals[k - signalBase].actedUpon = false
                    signals[k - signalBase].rejection = message
                }
                entrySignal[slot] = nil
            case .exitFailed(let slot, let message):
                if let k = exitSignal[slot], k >= signalBase, signals[k - signalBase].action.isExit {
                    signals[k - signalBase].actedUpon = false
                    signals[k - signalBase].rejection = message
                }
                exitSignal[slot] = nil
            }
        }
    }

    /// "confluence long": literals, so no string is built per evaluation.
    static func confluenceReason(_ d: SignalDirection) -> String {
        switch d {
        case .long: return "confluence long"
        case .short: return "confluence short"
        case .neutral: return "confluence neutral"
        }
    }

    /// Takes the decisions whose fate can no longer change, oldest first, out of `signals`:
    /// all but those from the entry or exit still working on some slot on (a venue may yet
    /// refuse it, and its decision is marked then). Between bars only: reports not yet
    /// absorbed give nothing back. `all`: everything (the data has ended and is settled).
    public mutating func drainSettledSignals(all: Bool = false) -> [SignalEvent] {
        // At the end nothing may stay behind: reports still waiting are taken in first.
        if all && !executor.reports.isEmpty { absorbReports() }
        guard executor.reports.isEmpty else { return [] }
        var boundary = signalCount
        if !all {
            for i in pairs.indices {
                if executor.isEntering(i), let k = entrySignal[i] { boundary = min(boundary, k) }
                if executor.isExiting(i), let k = exitSignal[i] { boundary = min(boundary, k) }
            }
        }
        let n = boundary - signalBase
        guard n > 0 else { return [] }
        let out = Array(signals[..<n])
        signals.removeFirst(n)
        signalBase = boundary
        // Decisions of orders that have ended (filled, or refused and marked) are not marked
        // again, and no index held points below the base (a stale one would stop the draining).
        for i in pairs.indices {
            if let k = entrySignal[i], k < boundary { entrySignal[i] = nil }
            if let k = exitSignal[i], k < boundary { exitSignal[i] = nil }
        }
        return out
    }

    /// Records equity (cash plus open positions marked at their last close) at `timestampMs`.
    /// The replay calls it once per timestamp, after every pair's bar at that time.
    public mutating func recordEquity(atMs timestampMs: Int64) {
        equityTimestampMs.append(timestampMs)
        let e = executor.markEquity()
        equity.append(e)
        risk.observeEquity(e)
    }

    /// `recordEquity` without keeping the point: the marks and the risk manager's view are
    /// the same, but no series grows. A live session, which runs for months, keeps its equity
    /// in the ledger, not in the engine (nor in its checkpoints).
    public mutating func markEquity() {
        risk.observeEquity(executor.markEquity())
    }

    /// Exits every open position now (the operator's close-all); returns the slots that had
    /// nothing to close or could not be exited, with the reason.
    public mutating func closeAll(atMs: Int64) -> [(slot: Int, reason: String)] {
        nowMs = atMs
        var refused: [(Int, String)] = []
        for i in pairs.indices where !executor.isFlat(i) {
            if let why = executor.exit(i, purpose: .operatorClose, atMs: atMs) { refused.append((i, why)) }
        }
        if !executor.reports.isEmpty { absorbReports() }
        return refused
    }

    /// Ends the run (see `Executor.finish`); the session then settles what the venue still has.
    public mutating func finish() {
        executor.finish(closeAtEnd: config.closeAtEnd)
    }

    /// The last equity point, once the end of data is settled.
    public mutating func settleEquity() {
        if !equity.isEmpty { equity[equity.count - 1] = executor.currentEquity }
    }

    /// Strategy evaluations counted but not recorded (see `Strategy.unrecordedEvaluations`).
    public var unrecordedEvaluations: Int { strategies.reduce(0) { $0 + $1.unrecordedEvaluations } }

    // The executor's books, read through the engine.
    public var cash: Double { executor.cash }
    public var trades: [Trade] { executor.trades }
    public var fills: [Fill] { executor.fills }
    public var notes: [EngineNote] { executor.notes.kept }
    /// Notes past `EngineNotes.limit`, summed up (`EngineNotes.droppedSummary`).
    public var droppedNotes: [String] { executor.notes.droppedSummary() }
    public var currentEquity: Double { executor.currentEquity }
    public func bankrollEquity(_ i: Int) -> Double { executor.bankrollEquity(i) }
    /// Slot `i`'s strategy, part by part, as an operator sees it.
    public func components(slot i: Int) -> [StrategyComponent] { strategies[i].components }
}
