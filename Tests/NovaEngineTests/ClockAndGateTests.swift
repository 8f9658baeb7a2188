import Testing
import NovaBacktest
import NovaCore
import NovaEngine
import NovaExecution
import NovaSignals
import NovaSimulator
import NovaTestSupport
import NovaVenue

/// The gates and timers that need a clock (issue: one execution core, defect 4): signal age,
/// spread and duplicate pair refuse entries with their numbers; the position check and the
/// event-driven scan move a trailing stop between closes.
@Suite struct ClockAndGateTests {
    static func session(pairs: [Pair] = [Fixtures.btcusd], _ edit: (inout EngineConfig) -> Void = { _ in }) -> Session<SimulatedVenue, EnterOnce> {
        var c = EngineConfig()
        c.gates.pairCooldownSeconds = 0
        c.gates.globalCooldownSeconds = 0
        edit(&c)
        return Session(venue: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0.001).unrestricted(), initialCash: 10_000),
                       pairs: pairs, config: c) { EnterOnce(stop: 95, target: 120) }
    }

    let bar = Bar(timestampMs: 0, open: 100, high: 100, low: 100, close: 100, volume: 10)

    /// A bar that reaches the engine ten minutes after it closed (a feed that fell behind, a
    /// backfill after a reconnect) is too old to trade on.
    @Test func staleSignalsAreRefused() {
        var s = Self.session()
        s.replayClock!.advance(to: 60_000 + 600_000)
        s.deliver(.bar(slot: 0, bar, closeMs: 60_000))
        #expect(s.signals.first?.rejection == "signal_age: 600 s old, limit 120 s")
        var fresh = Self.session()
        fresh.onBar(pairIndex: 0, bar)
        #expect(fresh.signals.first?.actedUpon == true)
    }

    /// The book's spread goes to the spread gate: 50 bps against a limit of 20.
    @Test func wideSpreadsAreRefused() {
        var s = Self.session()
        let book = OrderBookAnalysis.analyze(bidPrices: [99.75], bidSizes: [5], askPrices: [100.25], askSizes: [5])
        #expect(book.map { abs($0.spreadBps - 50) < 0.01 } == true)
        s.bookUpdated(pairIndex: 0, book)
        s.onBar(pairIndex: 0, bar)
        #expect(s.signals.first?.rejection?.hasPrefix("spread: 50.0 bps, limit 20.0") == true)
    }

    /// Two strategy instances on one pair: the second may not open a second position there.
    @Test func aSecondPositionInAPairIsRefused() {
        var s = Self.session(pairs: [Fixtures.btcusd, Fixtures.btcusd])
        s.onBar(pairIndex: 0, bar)
        s.onBar(pairIndex: 1, bar)
        #expect(s.signals.map(\.actedUpon) == [true, false])
        #expect(s.signals.last?.rejection == "duplicate_pair: a position in BTC/USD is already open")
    }

    /// Entry at 100, stop 95, trailing from 1.5 R (107.5) at 1.5% below the high. Prices between
    /// closes (trades, the book) reach the position check: the timer raises the stop to
    /// 108 x 0.985 = 106.38 without waiting for the next close.
    @Test func thePositionCheckTrailsBetweenCloses() {
        var s = Self.session { $0.sizing = .allIn; $0.positionCheckIntervalMs = 2_000; $0.eventPriceMovePct = 0.5 }
        s.onBar(pairIndex: 0, bar)
        s.onBar(pairIndex: 0, Bar(timestampMs: 60_000, open: 100, high: 101, low: 99.5, close: 100.5, volume: 10))
        #expect(s.trades.first?.stopLoss == 95)
        s.replayClock!.advance(to: 121_000)
        s.deliver(.price(slot: 0, 108, atMs: 121_000))
        #expect(s.trades.first?.stopLoss == 95)                  // no check yet
        s.timersDue(now: 122_000)
        #expect(abs(s.trades.first!.stopLoss! - 108 * 0.985) < 1e-9 && s.positionChecks == 1)
        #expect(s.venue.openOrders.contains { $0.kind.trigger.map { abs($0 - 108 * 0.985) < 1e-9 } == true })   // the stop on the venue moved too
        s.timersDue(now: 124_000)
        #expect(s.positionChecks == 1)                            // nothing new: the timer is skipped
    }

    /// A move of more than `event_price_move_pct` since the last check checks at once.
    @Test func aBigMoveChecksAtOnce() {
        var s = Self.session { $0.sizing = .allIn; $0.positionCheckIntervalMs = 60_000; $0.eventPriceMovePct = 0.005 }
        s.onBar(pairIndex: 0, bar)
        s.onBar(pairIndex: 0, Bar(timestampMs: 60_000, open: 100, high: 101, low: 99.5, close: 100.5, volume: 10))
        s.deliver(.price(slot: 0, 100.6, atMs: 121_000))           // +0.1%: nothing
        #expect(s.eventScans == 0)
        s.deliver(.price(slot: 0, 109, atMs: 121_500))             // +8%: checked now
        #expect(s.eventScans == 1 && abs(s.trades.first!.stopLoss! - 109 * 0.985) < 1e-9)
    }
}

/// Halts as events, and the exit policy as a setting.
@Suite struct HaltAndExitPolicyTests {
    /// Enters whenever flat, stop 1% below and target 1% above the close.
    struct EveryBar: Strategy {
        var name: String { "every_bar" }
        mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
            guard case .flat = position else { return .none }
            return .enterLong(stopLoss: bar.close * 0.99, takeProfit: bar.close * 1.01, strength: 1, reason: "in")
        }
    }

    /// Three stop-outs make Kelly refuse (a halt begins); while refused, shadow entries win on
    /// the rise and the halt ends with the first entry let through again.
    @Test func aHaltBeginsAndEnds() {
        var c = EngineConfig()
        c.initialCash = 10_000
        c.gates.minRiskReward = 0; c.gates.pairCooldownSeconds = 0; c.gates.globalCooldownSeconds = 0; c.gates.maxRiskOfRuin = 1
        c.sizer.kellyMinTrades = 3; c.sizer.kellyLookback = 6
        c.breakevenAtR = 0; c.trailingAtR = 0
        var s = Session(venue: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0).unrestricted(), initialCash: 10_000),
                        pairs: [Fixtures.btcusd], config: c) { EveryBar() }
        var t: Int64 = 0
        func bar(_ o: Double, _ h: Double, _ l: Double, _ cl: Double) {
            s.onBar(pairIndex: 0, Bar(timestampMs: t, open: o, high: h, low: l, close: cl, volume: 1e6))
            t += 60_000
        }
        bar(100, 100, 100, 100)
        for _ in 0..<3 { bar(100, 100, 98.5, 100); bar(100, 100, 100, 100) }     // enter at 100, stopped at 99, flat again
        #expect(s.trades.filter { $0.exitReason == "stop_loss" }.count == 3)
        #expect(s.halts.count == 1 && s.halts[0].endMs == nil && s.halts[0].gate == "kelly")
        let haltedAt = s.halts[0].startMs
        var p = 100.0
        for _ in 0..<12 { bar(p, p * 1.02, p, p * 1.015); p *= 1.015 }           // shadows reach their targets
        #expect(s.shadows.closed >= 3)
        #expect(s.halts.count == 1 && s.halts[0].endMs != nil && s.halts[0].endMs! > haltedAt && s.halts[0].shadowOutcomes >= 3)
        #expect(s.trades.count > 3)                                                  // trading resumed
    }

    /// Exit policy: an exit signal closes the position (default); with it off, the signal is
    /// recorded as not acted upon and the position waits for its stop or target.
    @Test func exitOnOppositeSignalIsASetting() {
        struct InThenOut: Strategy {
            var name: String { "in_then_out" }
            var n = 0
            mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
                n += 1
                if n == 1 { return .enterLong(stopLoss: 90, takeProfit: 120, strength: 1, reason: "in") }
                if case .long = position { return .exitLong(reason: "opposite") }
                return .none
            }
        }
        for on in [true, false] {
            var c = EngineConfig()
            c.sizing = .allIn
            c.exitOnOppositeSignal = on
            var s = Session(venue: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0).unrestricted(), initialCash: 10_000),
                            pairs: [Fixtures.btcusd], config: c) { InThenOut() }
            for k in 0..<4 { s.onBar(pairIndex: 0, Bar(timestampMs: Int64(k) * 60_000, open: 100, high: 101, low: 99, close: 100, volume: 1e6)) }
            let exits = s.signals.filter { $0.action == .exitLong }
            if on {
                #expect(s.trades[0].exitReason == "signal" && exits.first?.actedUpon == true)
            } else {
                #expect(s.trades[0].isOpen && !exits.isEmpty && exits.allSatisfy { !$0.actedUpon })
                #expect(exits[0].rejection?.hasPrefix("exit_on_opposite_signal is off") == true)
            }
        }
    }
}
