import Testing
import NovaBacktest
import NovaCore
import NovaEngine
import NovaSimulator
import NovaTestSupport
import NovaVenue

/// `executor.take_profit_orders: on_touch`, what `--mode live` runs on spot (a resting sell
/// holds its units, so the stop and a resting target cannot both rest): the stop rests, the
/// target is watched; when a bar reaches it the stop is cancelled and an immediate-or-cancel
/// limit at the target goes out; what it does not sell gets its stop back at once.
@Suite struct TakeProfitOnTouchTests {
    func bars(_ rows: [(Double, Double, Double, Double)]) -> [Bar] {
        rows.enumerated().map { i, b in Bar(timestampMs: Int64(i) * 60_000, open: b.0, high: b.1, low: b.2, close: b.3, volume: 1_000) }
    }

    func run(_ series: [Bar], onTouch: Bool = true, tiers: [EngineConfig.SmartExitTier] = []) -> Session<SimulatedVenue, EnterOnce> {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.initialCash = 1_000
        config.breakevenAtR = 0
        config.trailingAtR = 0
        config.takeProfitOnTouch = onTouch
        config.smartExitTiers = tiers
        var settings = SimulatorSettings()
        settings.participation = 0
        var e = Session(venue: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0.001).unrestricted(), initialCash: 1_000, settings: settings),
                        pairs: [Fixtures.btcusd], config: config) { EnterOnce(stop: 90, target: 110) }
        for b in series { e.onBar(pairIndex: 0, b); e.recordEquity(atMs: b.timestampMs) }
        return e
    }

    @Test func theTargetIsSentWhenTouchedAfterTheStopIsGone() {
        // Entry at bar 1's open (100); bar 2 reaches 111: the IOC limit at 110 meets bar 3.
        let e = run(bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 111, 99, 108), (108, 112, 107, 111), (111, 111, 111, 111)]))
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.exitReason == "take_profit" && t.exitPrice == 110 && t.exitTimeMs == 3 * 60_000)
        #expect(e.notes.contains { $0.message.contains("take_profit 110.0 touched") })
        // Never two sells resting at once: the stop was cancelled before the target went out.
        #expect(e.venue.stats.ordersReceived == 3)
        #expect(abs(e.cash - e.venue.cash) < 1e-9)
        // Resting, the same target fills a bar earlier, beside the stop.
        let resting = run(bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 111, 99, 108), (108, 112, 107, 111), (111, 111, 111, 111)]), onTouch: false)
        #expect(resting.trades.first?.exitTimeMs == 2 * 60_000 && resting.trades.first?.exitPrice == 110)
    }

    @Test func aTargetThePriceLeftGetsTheStopBackAndIsWatchedAgain() {
        let e = run(bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 111, 99, 108), (105, 109, 104, 106), (106, 111, 105, 110),
                          (110, 112, 109, 111), (111, 111, 111, 111)]))
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(e.notes.contains { $0.message.contains("not taken: the price left the target; stop placed again") })
        #expect(t.exitReason == "take_profit" && t.exitPrice == 110 && t.exitTimeMs == 5 * 60_000)
        // entry, stop, IOC (missed), stop again, IOC (filled)
        #expect(e.venue.stats.ordersReceived == 5)
    }

    @Test func theStopStillProtectsAndTiersSellInParts() {
        // Tier 1 (half at 110) is taken; the rest keeps a stop for what is held, which then fills at 90.
        let e = run(bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 111, 99, 108), (108, 112, 107, 111), (111, 111, 95, 96),
                          (95, 95, 85, 86), (86, 86, 86, 86)]), tiers: [.init(tpMultiple: 1, fraction: 0.5), .init(tpMultiple: 2, fraction: 0.3)])
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.partialExits.count == 1 && t.partialExits.first?.price == 110 && abs((t.partialExits.first?.quantity ?? 0) - t.quantity / 2) < 1e-6)
        #expect(t.exitReason == "stop_loss" && t.exitPrice == 90)
        #expect(abs(e.cash - e.venue.cash) < 1e-9)
    }
}
