import Testing
import NovaBacktest
import NovaCore
import NovaEngine
import NovaExecution
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaTestSupport
import NovaVenue

/// The engine against a venue that answers late and in any order (`LateVenue`): over many
/// seeds, on a real day of bars, with stops, targets, smart-exit tiers and the limit chase in
/// play, the engine's cash and units equal what the venue has told it after every event, no
/// fill is lost, no order id is sent twice, and every stop the venue refused is placed again.
@Suite struct AsyncParityTests {
    static func bars() throws -> BarSeries { try Fixtures.realDay() }

    static var config: EngineConfig {
        var c = EngineConfig()
        c.gates.minRiskReward = 0
        c.gates.pairCooldownSeconds = 0
        c.gates.globalCooldownSeconds = 0
        c.gates.maxRiskOfRuin = 1
        c.sizer.kellyMinTrades = 1_000_000
        c.entryChaseAttempts = 2
        c.smartExitTiers = [.init(tpMultiple: 1.0, fraction: 0.5), .init(tpMultiple: 1.5, fraction: 0.3)]
        return c
    }

    struct Outcome {
        var session: Session<LateVenue, KeltnerStrategy>
        var checks = 0
        var toldFills = 0
    }

    /// Replays `bars` through a session on a `LateVenue`, checking the books after every
    /// delivered event; then lets every held answer arrive and checks the end state.
    static func run(seed: UInt64, misbehaviour: LateVenue.Misbehaviour = .init(), bars: BarSeries) -> Outcome {
        var kc = KeltnerStrategy.Config()
        kc.slFloorPct = 0.002; kc.tpFloorPct = 0.001; kc.tpATR = 0.5
        let inner = SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0.001), initialCash: 10_000)
        let venue = LateVenue(inner: inner, seed: seed, misbehaviour: misbehaviour)
        var s = Session(venue: venue, pairs: [Fixtures.btcusd], config: config) { KeltnerStrategy(config: kc) }
        var out = Outcome(session: s)
        var told = Told(cash: 10_000)
        func check(_ s: Session<LateVenue, KeltnerStrategy>, _ where_: String) {
            out.checks += 1
            let cash = s.cash, units = s.engine.executor.units(0)
            if abs(cash - told.cash) > 1e-6 || abs(units - told.units) > 1e-9 {
                Issue.record("seed \(seed) \(where_): engine cash \(cash) units \(units), venue told \(told.cash) / \(told.units)")
            }
        }
        for k in 0..<bars.count {
            let bar = bars.bar(at: k)
            s.replayClock?.advance(to: bar.timestampMs)
            var rounds = 0
            while rounds < 8 {
                var events: [VenueEvent] = []
                s.venue.replay(Fixtures.btcusd, bar, events: &events)
                if events.isEmpty { break }
                for e in events {
                    told.hear(e)
                    s.deliver(.venue(e))
                    check(s, "bar \(k) after \(e)")
                }
                rounds += 1
            }
            s.barClosed(pairIndex: 0, bar)
            check(s, "bar \(k) close")
            // No position is left without a stop past a close: a refused or lost stop is back.
            if case .long = s.engine.executor.position(0), let open = s.trades.last, open.isOpen, open.stopLoss != nil,
               !s.engine.executor.tracker.live.contains(where: { $0.purpose == .stopLoss }) {
                Issue.record("seed \(seed) bar \(k): an open position has no stop after the close")
            }
            s.recordEquity(atMs: bar.timestampMs)
        }
        s.finishEngine()
        for _ in 0..<20 {
            var events: [VenueEvent] = []
            s.venue.drain(into: &events)
            if events.isEmpty && s.venue.isQuiet { break }
            for e in events { told.hear(e); s.deliver(.venue(e)); check(s, "drain after \(e)") }
        }
        out.session = s
        out.toldFills = told.fills
        return out
    }

    @Test func booksEqualTheVenueAfterEveryEventOverManySeeds() throws {
        let bars = try Self.bars()
        var misbehaved = (lostAcks: 0, lateStopRejects: 0, fillsBeforeCancelAnswer: 0, closed: 0, replaced: 0)
        for seed in UInt64(1)...12 {
            let o = Self.run(seed: seed, bars: bars)
            let s = o.session
            #expect(o.checks > bars.count)
            // In the end the books equal the matching engine's own account, to the cent.
            #expect(abs(s.cash - s.venue.inner.cash) < 1e-6, "seed \(seed)")
            #expect(abs(s.engine.executor.units(0) - s.venue.inner.holdings[Fixtures.btcusd, default: 0]) < 1e-9, "seed \(seed)")
            // No fill lost: every fill the venue made reached the books, none was unplaced.
            #expect(o.toldFills == s.venue.inner.stats.fills && s.fills.count == s.venue.inner.stats.fills, "seed \(seed)")
            #expect(!s.notes.contains { $0.message.contains("never placed") }, "seed \(seed)")
            // No order sent twice.
            #expect(Set(s.venue.clientIDs).count == s.venue.clientIDs.count, "seed \(seed)")
            misbehaved.replaced += s.notes.filter { $0.message.hasPrefix("stop_loss retry") || $0.message == "position without a stop: placing it again" }.count
            // Realised P&L, fees and the open position add up to the equity.
            let realised = s.trades.compactMap(\.pnl).reduce(0, +)
            let open = s.trades.filter(\.isOpen).reduce(0) { $0 + $1.unrealisedPnL(at: bars.close.last!) }
            #expect(abs(s.engine.currentEquity - (10_000 + realised + open)) < 0.01, "seed \(seed)")
            misbehaved.lostAcks += s.venue.lostAcks
            misbehaved.lateStopRejects += s.venue.lateStopRejects
            misbehaved.fillsBeforeCancelAnswer += s.venue.fillsBeforeCancelAnswer
            misbehaved.closed += s.trades.filter { !$0.isOpen }.count
        }
        // The seeds did exercise what they are meant to.
        #expect(misbehaved.lostAcks > 10 && misbehaved.lateStopRejects > 5 && misbehaved.fillsBeforeCancelAnswer > 0 && misbehaved.closed > 50
                && misbehaved.replaced > 5,
                "\(misbehaved)")
    }

    /// With prompt answers the late venue is the simulator: the same trades as a plain backtest.
    @Test func promptAnswersGiveThePlainBacktest() throws {
        let bars = try Self.bars()
        var none = LateVenue.Misbehaviour()
        none.maxDelayBars = 0; none.cancelDelayBars = 0; none.loseAckProbability = 0; none.lateStopRejectProbability = 0
        let late = Self.run(seed: 1, misbehaviour: none, bars: bars).session
        var kc = KeltnerStrategy.Config()
        kc.slFloorPct = 0.002; kc.tpFloorPct = 0.001; kc.tpATR = 0.5
        var plain = Session(venue: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0.001), initialCash: 10_000),
                            pairs: [Fixtures.btcusd], config: Self.config) { KeltnerStrategy(config: kc) }
        for k in 0..<bars.count {
            plain.onBar(pairIndex: 0, bars.bar(at: k))
            plain.recordEquity(atMs: bars.timestampMs[k])
        }
        plain.finish()
        #expect(late.trades.count > 10)
        #expect(late.trades == plain.trades)
        #expect(late.equity == plain.equity)
    }
}
