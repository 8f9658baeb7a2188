import Testing
import NovaBacktest
import NovaCore
import NovaEngine
import NovaSignals
import NovaSimulator
import NovaTestSupport
import NovaVenue

/// Partial fills through the whole life of a position, worked by hand, on a venue whose
/// volume cap lets an order take 10% of a bar: the entry fills in parts, its protection goes
/// out when it is done, exits fill in parts, and the money reconciles to the cent.
@Suite struct PartialFillTests {
    func bars(_ rows: [(Double, Double, Double, Double, Double)]) -> [Bar] {
        rows.enumerated().map { i, b in Bar(timestampMs: Int64(i) * 60_000, open: b.0, high: b.1, low: b.2, close: b.3, volume: b.4) }
    }

    func run(_ series: [Bar], profile: VenueProfile = VenueProfile.kraken.withFlatFee(0.001).unrestricted(), participation: Double = 0.1,
             stop: Double? = 90, target: Double? = 110, finish: Bool = true,
             edit: (inout EngineConfig) -> Void = { _ in }) -> Session<SimulatedVenue, EnterOnce> {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.initialCash = 1_000
        config.breakevenAtR = 0
        config.trailingAtR = 0
        edit(&config)
        var settings = SimulatorSettings()
        settings.participation = participation
        var e = Session(venue: SimulatedVenue(profile: profile, initialCash: 1_000, settings: settings),
                       pairs: [Fixtures.btcusd], config: config) { EnterOnce(stop: stop, target: target) }
        for b in series { e.onBar(pairIndex: 0, b); e.recordEquity(atMs: b.timestampMs) }
        if finish { e.finish() }
        return e
    }

    /// All-in at 100 with 0.1% fee: the budget of 1,000 buys 9.99000999 at 100. Bars of volume
    /// 40 let 4 units fill per bar: 4 at 100, 4 at 101, then what the rest of the budget buys at
    /// 102. The target (110) then sells 4 at a time as well.
    @Test func entryAndTargetFillInParts() {
        let e = run(bars([(100, 100, 100, 100, 40), (100, 100, 100, 100, 40), (101, 101, 101, 101, 40), (102, 102, 102, 102, 40),
                          (105, 111, 104, 110, 40), (110, 112, 109, 111, 40), (111, 112, 110, 111, 40)]))
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        let left = 1_000 - 400 * 1.001 - 404 * 1.001
        let third = left / (1.001 * 102)
        #expect(t.entryFills == 3 && !t.entryPartialFill)
        #expect(abs(t.quantity - (8 + third)) < 1e-9)
        #expect(abs(t.entryPrice - (400 + 404 + third * 102) / (8 + third)) < 1e-9)
        #expect(abs(t.entryFee - (400 + 404 + third * 102) * 0.001) < 1e-9)
        // Exit: 4 + 4 + the rest at the 110 target, three maker fills.
        #expect(t.exitReason == "take_profit" && t.exitPrice == 110 && t.exitFills == 3)
        #expect(abs(t.exitFee - t.quantity * 110 * 0.001) < 1e-9)
        let pnl = (110 - t.entryPrice) * t.quantity - t.entryFee - t.exitFee
        #expect(abs(t.pnl! - pnl) < 1e-9)
        #expect(abs(e.cash - e.venue.cash) < 1e-9)
        #expect(abs(e.cash - (1_000 + t.pnl!)) < 0.005)
        #expect(abs(e.equity.last! - e.cash) < 0.005)
    }

    /// A stop that triggers sells 4 units a bar at the following opens (a triggered stop is a
    /// market order); equity counts only the units still held at each step.
    @Test func stopFillsInPartsAtSuccessiveOpens() {
        let e = run(bars([(100, 100, 100, 100, 1_000), (100, 100, 100, 100, 1_000), (100, 100, 100, 100, 40), (95, 95, 89, 89, 40),
                          (88, 88, 88, 88, 40), (87, 87, 87, 87, 40)]), participation: 0.1)
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.entryFills == 1 && abs(t.quantity - 1_000 / (1.001 * 100)) < 1e-9)
        // Stop 90 triggers inside bar 3 (low 89): 4 at 90; then 4 at bar 4's open 88; the last
        // 1.99 at bar 5's open 87.
        let rest = t.quantity - 8
        #expect(t.exitReason == "stop_loss" && t.exitFills == 3)
        #expect(abs(t.exitPrice! - (4 * 90 + 4 * 88 + rest * 87) / t.quantity) < 1e-9)
        #expect(abs(e.cash - e.venue.cash) < 1e-9 && abs(e.cash - (1_000 + t.pnl!)) < 0.005)
        // At bar 4 (index 4) the engine held `rest` units marked at 88 plus its cash.
        #expect(e.venue.holdings[Fixtures.btcusd] ?? 0 == 0)
    }

    /// A limit entry filled in part when the chase re-prices it is taken as it is: the rest is
    /// cancelled, the trade says partial_fill, and the stop covers exactly what was bought.
    @Test func chaseTakesAPartlyFilledLimit() {
        let e = run(bars([(100, 100, 100, 100, 40), (100.5, 100.5, 99.5, 100, 40), (100, 101, 100, 100.5, 40), (100.5, 101, 100, 100.8, 40)]),
                    target: 200) { $0.entryChaseAttempts = 3 }
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        // The limit at 100 rests (bar 1 opens at 100.5) and fills 4 as a maker when bar 1 dips to 99.5.
        #expect(t.entryOrderType == "limit" && t.quantity == 4 && t.entryPrice == 100 && t.entryPartialFill)
        #expect(e.venue.openOrders.isEmpty)   // finish() cancelled the stop of the open position
        #expect(abs(e.cash - e.venue.cash) < 1e-9)
    }

    /// Coinbase has no stop-market: the engine's stop is a stop-limit 0.5% under the trigger,
    /// and a gap through that limit leaves the position open, as it would on the exchange.
    @Test func coinbaseStopIsAStopLimit() {
        let e = run(bars([(100, 100, 100, 100, 1e6), (100, 100, 100, 100, 1e6), (100, 100, 95, 96, 1e6), (85, 86, 84, 85, 1e6)]),
                    profile: VenueProfile.coinbase.withFlatFee(0).unrestricted(), participation: 0, finish: false)
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.isOpen && e.fills.filter { $0.side == .sell }.isEmpty)
        let stops = e.venue.openOrders.filter { $0.purpose == .stopLoss }
        guard stops.count == 1, case .stopLimit(let trigger, let limit) = stops[0].kind else {
            Issue.record("expected one resting stop-limit, got \(e.venue.openOrders)"); return
        }
        #expect(trigger == 90 && abs(limit - 89.55) < 1e-9)
    }

    /// Rate limits and outages on the stop: the engine retries a transient refusal at once and,
    /// if the venue still refuses, places the stop again on the next bar.
    @Test func protectiveStopIsRetriedAndReplaced() {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.exitRetries = 2
        config.breakevenAtR = 0
        config.trailingAtR = 0
        let venue = ExitRetryTests.FlakyVenue(inner: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0).unrestricted(), initialCash: 10_000),
                                              failures: 4, reason: .rateLimited, purposes: [.stopLoss])
        var e = Session(venue: venue, pairs: [Fixtures.btcusd], config: config) { EnterOnce(stop: 90, target: nil) }
        for b in bars([(100, 100, 100, 100, 1), (100, 100, 100, 100, 1), (100, 101, 99, 100, 1), (100, 100, 89, 89, 1)]) {
            e.onBar(pairIndex: 0, b)
            e.recordEquity(atMs: b.timestampMs)
        }
        // Bar 1: entry fills, stop refused 3 times (1 + 2 retries); bar 1's close places it
        // again (refused once more, then taken on its retry); bar 3 stops the position out at 90.
        #expect(e.notes.filter { $0.message.hasPrefix("stop_loss retry") }.count == 3)
        #expect(e.notes.contains { $0.message == "position without a stop: placing it again" })
        #expect(e.trades.first?.exitReason == "stop_loss" && e.trades.first?.exitPrice == 90)
    }
}

/// Bankroll modes: one shared bankroll, or each strategy instance (one per pair) its own share.
@Suite struct BankrollTests {
    func run(_ mode: EngineConfig.Bankroll) -> Session<SimulatedVenue, EnterOnce> {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.initialCash = 1_000
        config.bankroll = mode
        let eth = Pair(base: "ETH", quote: "USD")
        var e = Session(venue: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0.001).unrestricted(), initialCash: 1_000),
                       pairs: [Fixtures.btcusd, eth], config: config) { EnterOnce(stop: nil, target: nil) }
        for k in 0..<4 {
            let t = Int64(k) * 60_000
            e.onBar(pairIndex: 0, Bar(timestampMs: t, open: 100, high: 100, low: 100, close: 100, volume: 1e6))
            e.onBar(pairIndex: 1, Bar(timestampMs: t, open: 10, high: 10, low: 10, close: k >= 2 ? 12 : 10, volume: 1e6))
            e.recordEquity(atMs: t)
        }
        return e
    }

    /// Shared: the first pair's all-in entry spends everything and the second has nothing left.
    /// Isolated: each spends its own 500.
    @Test func sharedAndIsolated() {
        let shared = run(.shared)
        #expect(shared.trades.count == 1 && abs(shared.trades[0].quantity - 1_000 / (1.001 * 100)) < 1e-9)
        let isolated = run(.isolated)
        #expect(isolated.trades.count == 2)
        #expect(abs(isolated.trades[0].quantity - 500 / (1.001 * 100)) < 1e-9 && abs(isolated.trades[1].quantity - 500 / (1.001 * 10)) < 1e-9)
        // ETH rose from 10 to 12: its bankroll grew, BTC's did not; together they are the account.
        let btc = isolated.engine.bankrollEquity(0), eth = isolated.engine.bankrollEquity(1)
        #expect(abs(btc - 500 / 1.001) < 1e-6 && abs(eth - 500 / 1.001 * 1.2) < 1e-6)
        #expect(abs(btc + eth - isolated.currentEquity) < 1e-9)
        #expect(abs(isolated.cash - isolated.venue.cash) < 1e-9)
    }
}
