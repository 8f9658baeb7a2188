import Testing
import NovaBacktest
import NovaCore
import NovaEngine
import NovaExecution
import NovaSignals
import NovaSimulator
import NovaTestSupport
import NovaVenue

/// The four defects of the execution core as it was (issue: one execution core), each on a
/// hand-made path against a venue that answers later. Entry at 100 (all-in, 1,000 cash, no
/// fee), stop 95, so R = 5.
@Suite struct ExecutionDefectTests {
    static func bars(_ ohlc: [(Double, Double, Double, Double)]) -> [Bar] {
        ohlc.enumerated().map { i, b in Bar(timestampMs: Int64(i) * 60_000, open: b.0, high: b.1, low: b.2, close: b.3, volume: 1) }
    }

    static func prompt() -> LateVenue.Misbehaviour {
        var m = LateVenue.Misbehaviour()
        m.maxDelayBars = 0; m.cancelDelayBars = 0; m.loseAckProbability = 0; m.lateStopRejectProbability = 0
        return m
    }

    static func run(_ bars: [Bar], _ m: LateVenue.Misbehaviour, breakeven: Double = 1) -> Session<LateVenue, EnterOnce> {
        var config = EngineConfig()
        config.sizing = .allIn
        config.initialCash = 1_000
        config.breakevenAtR = breakeven
        config.trailingAtR = 0
        let venue = LateVenue(inner: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0).unrestricted(), initialCash: 1_000),
                              seed: 1, misbehaviour: m)
        var s = Session(venue: venue, pairs: [Fixtures.btcusd], config: config) { EnterOnce(stop: 95, target: nil) }
        for b in bars { s.onBar(pairIndex: 0, b); s.recordEquity(atMs: b.timestampMs) }
        return s
    }

    /// 1. A fill after the cancel request. Breakeven at the close of bar 2 moves the stop to
    /// 100: the 95 stop is cancelled, but the cancel reaches the exchange two bars later, and
    /// bar 3 trades through 95 first. That fill is the exit (the old engine had forgotten the
    /// order and dropped it: cash and position went wrong); the cancel's refusal changes nothing,
    /// and no second stop goes out for a position that is gone.
    @Test func aFillAfterTheCancelRequestIsTheExit() {
        var m = Self.prompt()
        m.cancelDelayBars = 2
        let s = Self.run(Self.bars([(100, 100, 100, 100), (100, 101, 99.5, 100.5), (100.5, 105, 100.2, 104), (104, 104.5, 94, 94.5),
                                    (95, 95, 95, 95), (95, 95, 95, 95)]), m)
        let t = s.trades[0]
        #expect(t.exitPrice == 95 && t.exitReason == "stop_loss" && t.stopState?.breakevenActivated == true)
        #expect(abs(s.cash - s.venue.inner.cash) < 1e-9 && abs(s.cash - 950) < 1e-9)
        #expect(s.venue.inner.holdings[Fixtures.btcusd, default: 0] == 0 && s.venue.inner.openOrders.isEmpty)
        #expect(s.venue.fillsBeforeCancelAnswer == 1)
        #expect(s.engine.executor.tracker.live.isEmpty)
    }

    /// 2. A stop refused after its ack as invalid: the venue will not hold it, so the position
    /// must not sit unprotected: it exits at market at once, at the next bar's open (99), not
    /// somewhere in the fall to 94 that the unprotected position would have ridden.
    @Test func aStopRefusedAsInvalidExitsAtMarketAtOnce() {
        var m = Self.prompt()
        m.lateRejectFirstStops = 1
        m.lateRejectReason = .invalidOrder
        let s = Self.run(Self.bars([(100, 100, 100, 100), (100, 100.5, 99.5, 100), (100, 100.5, 99.5, 100), (100, 100.5, 99.5, 100),
                                    (99, 99, 94, 94.5)]), m, breakeven: 0)
        #expect(s.venue.lateStopRejects == 1)
        #expect(s.notes.contains { $0.message.hasPrefix("stop_loss order rejected (invalid_order)") })
        #expect(s.notes.contains { $0.message.hasPrefix("stop refused as invalid (invalid_order): no protection, so the position exits at market now") })
        let t = s.trades[0]
        #expect(t.exitPrice == 99 && t.exitReason == "stop_loss" && t.exitTimeMs == 4 * 60_000)
        #expect(abs(s.cash - s.venue.inner.cash) < 1e-9)
    }

    /// 3. The retry reads the refusal that came, not the last synchronous answer: a transient
    /// refusal arriving a bar after the ack is retried at once (the old engine read a flag set
    /// by the synchronous answer, "accepted", and never retried).
    @Test func aLateTransientRefusalIsRetriedAtOnce() {
        var m = Self.prompt()
        m.lateRejectFirstStops = 1
        m.lateRejectReason = .unavailable
        let s = Self.run(Self.bars([(100, 100, 100, 100), (100, 100.5, 99.5, 100), (100, 100.5, 99.5, 100), (100, 100.5, 99.5, 100)]),
                         m, breakeven: 0)
        let refused = s.notes.first { $0.message.hasPrefix("stop_loss order rejected (unavailable)") }
        let retry = s.notes.first { $0.message == "stop_loss retry 1 of 3" }
        #expect(refused != nil && retry != nil && refused?.timestampMs == retry?.timestampMs)
        #expect(!s.notes.contains { $0.message == "position without a stop: placing it again" })
        #expect(s.venue.inner.openOrders.contains { $0.purpose == .stopLoss && $0.kind == .stop(trigger: 95) })
    }

    /// A stop refused because the units held are below the venue's minimum order (dust):
    /// refused once, said once, and not placed again on every bar. Found at 10 M bars: a
    /// dust remainder had its stop placed and refused 6.3 M times (and as many tracked
    /// orders kept: a 7.4 GB run).
    @Test func dustIsNotProtectedAgainOnEveryBar() {
        var m = Self.prompt()
        m.lateRejectFirstStops = 1_000
        m.lateRejectReason = .belowMinimum
        let calm = (100.0, 100.5, 99.5, 100.0)
        let s = Self.run(Self.bars([(100, 100, 100, 100)] + Array(repeating: calm, count: 40)), m, breakeven: 0)
        #expect(s.venue.lateStopRejects == 1, "one stop sent, not one a bar")
        #expect(s.notes.filter { $0.message.hasPrefix("stop_loss refused: the") && $0.message.contains("below the venue's minimum order") }.count == 1)
        #expect(!s.notes.contains { $0.message == "position without a stop: placing it again" })
        #expect(s.trades.count == 1 && s.trades[0].isOpen)
        #expect(abs(s.cash - s.venue.inner.cash) < 1e-9)
    }

    /// A lost ack: the order works at the exchange and the engine never hears `accepted`; its
    /// fill is enough (the entry opens, its stop goes out).
    @Test func aLostAckIsNoObstacle() {
        var m = Self.prompt()
        m.loseAckProbability = 1
        let s = Self.run(Self.bars([(100, 100, 100, 100), (100, 100.5, 99.5, 100), (100, 100.5, 99.5, 100)]), m)
        #expect(s.venue.lostAcks >= 2)
        #expect(s.trades.count == 1 && s.trades[0].entryPrice == 100)
        #expect(s.engine.executor.tracker.live.contains { $0.purpose == .stopLoss && $0.state == .pendingNew })
        #expect(s.venue.inner.openOrders.contains { $0.purpose == .stopLoss })
    }
}
