import Testing
import NovaBacktest
import NovaCore
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaTestSupport
import NovaVenue
@testable import NovaEngine

/// Sells short on the first bar with the given stop (above) and target (below), then holds.
struct ShortOnce: Strategy {
    var name: String { "short_once" }
    let stop: Double?
    let target: Double?
    var done = false

    mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        guard !done else { return .none }
        done = true
        return .enterShort(stopLoss: stop, takeProfit: target, strength: 1, reason: "test")
    }
}

/// Shorts on Kraken margin, worked by hand: 10 units sold at 100 (all-in on 1,000 of cash, no
/// trade fee), opening and rollover fees 0.02% of the value borrowed, leverage 2 unless said.
@Suite struct ShortTests {
    static func bars(_ ohlc: [(Double, Double, Double, Double)]) -> [Bar] {
        ohlc.enumerated().map { i, b in Bar(timestampMs: Int64(i) * 60_000, open: b.0, high: b.1, low: b.2, close: b.3, volume: 1) }
    }

    static func run(_ series: [Bar], profile: VenueProfile = VenueProfile.kraken.withFlatFee(0).unrestricted(), stop: Double?, target: Double?,
                    _ edit: (inout EngineConfig) -> Void = { _ in }) -> Session<SimulatedVenue, ShortOnce> {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.initialCash = 1_000
        config.direction = .both
        edit(&config)
        var e = Session(venue: SimulatedVenue(profile: profile, initialCash: 1_000), pairs: [Fixtures.btcusd], config: config) {
            ShortOnce(stop: stop, target: target)
        }
        for b in series { e.onBar(pairIndex: 0, b); e.recordEquity(atMs: b.timestampMs) }
        return e
    }

    /// Sold at 100, the buy stop at 105 fills when the high reaches it: -50 and the 0.20 opening fee.
    @Test func stopLossAboveTheEntry() {
        let e = Self.run(Self.bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 106, 99.5, 105.5)]), stop: 105, target: 80)
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.side == .sell && t.quantity == 10 && t.entryPrice == 100 && t.leverage == 2)
        #expect(t.exitPrice == 105 && t.exitReason == "stop_loss")
        #expect(abs(t.marginFees - 0.2) < 1e-12)
        #expect(abs(t.pnl! - (-50.2)) < 1e-9)
        #expect(abs(e.cash - 949.8) < 1e-9 && abs(e.cash - e.venue.cash) < 1e-9)
        #expect(e.venue.shorts.isEmpty && e.venue.openOrders.isEmpty)
    }

    /// R = 5. The low of 95 (1 R) moves the stop down to 100; the low of 92.5 (1.5 R) starts the
    /// trail 1.5% above the lowest low: 93.8875; the rise to 94.5 buys back there.
    @Test func breakevenThenTrailingMirrored() {
        let e = Self.run(Self.bars([(100, 100, 100, 100), (100, 100.5, 99, 99.5), (99.5, 99.8, 95, 95.5), (95.5, 96, 92.5, 93),
                                    (93, 94.5, 92.8, 94.2)]), stop: 105, target: 50)
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.exitReason == "trailing_stop")
        #expect(abs(t.exitPrice! - 92.5 * 1.015) < 1e-9)
        #expect(t.stopState?.trailingLow == 92.5 && t.stopState?.trailingHigh == nil && t.stopState?.breakevenActivated == true)
        #expect(abs(t.pnl! - ((100 - 92.5 * 1.015) * 10 - 0.2)) < 1e-9)
        #expect(abs(e.cash - e.venue.cash) < 1e-9)
    }

    /// Target 90, tiers 50% at 1x (90) and 30% at 1.5x (85), the rest trailed: 5 bought back at
    /// 90 (+50), the trail from 89.5 puts the stop at 90.8425 (not reached by 90.7); 3 at 85
    /// (+45), the low of 84.5 moves it to 85.7675; the last 2 stop out there (+28.465).
    @Test func smartExitTiersMirrored() {
        let e = Self.run(Self.bars([(100, 100, 100, 100), (100, 100.5, 99.5, 100), (100, 100.5, 89.5, 90.5), (90.5, 90.7, 84.5, 85.2),
                                    (85.2, 86, 85, 85.9)]), stop: 105, target: 90) {
            $0.smartExitTiers = [.init(tpMultiple: 1.0, fraction: 0.5), .init(tpMultiple: 1.5, fraction: 0.3)]
        }
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.partialExits.map(\.quantity) == [5, 3] && t.partialExits.map(\.price) == [90, 85])
        #expect(t.exitTier == 2 && t.exitReason == "trailing_stop" && abs(t.exitPrice! - 84.5 * 1.015) < 1e-9)
        #expect(abs(t.pnl! - (50 + 45 + 2 * (100 - 84.5 * 1.015) - 0.2)) < 1e-9)
        #expect(abs(e.cash - (1_000 + t.pnl!)) < 1e-9 && abs(e.cash - e.venue.cash) < 1e-9)
        #expect(e.venue.openOrders.isEmpty)
    }

    /// Held flat at 100 for 500 minutes: the opening fee at the entry (0.20) and a rollover fee
    /// (0.20) at 4 h and at 8 h after it, each its own fee line; equity is the cash, to the cent.
    @Test func rolloverEveryFourHours() {
        let e = Self.run(Self.bars(Array(repeating: (100, 100.2, 99.8, 100), count: 500)), stop: 150, target: 50)
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.isOpen && abs(t.marginFees - 0.6) < 1e-12)
        #expect(abs(e.cash - 999.4) < 1e-9 && abs(e.cash - e.venue.cash) < 1e-9)
        #expect(abs(e.equity.last! - 999.4) < 1e-9)
        #expect(abs(t.unrealisedPnL(at: 100) - (-0.6)) < 1e-12)
        #expect(e.venue.stats.marginFees == t.marginFees)
    }

    /// Leverage 5 and no stop: used margin is 2 x price. Equity 999.8 + (100 - p) x 10 over
    /// 2p reaches 40% at p = 1999.8 / 10.8; the bar to 190 liquidates there.
    @Test func liquidationAtKrakensLevel() {
        let e = Self.run(Self.bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 190, 99, 150), (150, 151, 149, 150)]),
                         stop: nil, target: nil) { $0.shortLeverage = 5 }
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        let p = 1999.8 / 10.8
        #expect(t.exitReason == "liquidation" && abs(t.exitPrice! - p) < 1e-9)
        #expect(abs(t.pnl! - ((100 - p) * 10 - 0.2)) < 1e-9)
        #expect(abs(e.cash - e.venue.cash) < 1e-9 && e.venue.stats.liquidations == 1)
        #expect(e.notes.contains { $0.message.contains("liquidated") })
    }

    /// Kraken opens no position whose margin level would start below 100%: with leverage 2 the
    /// short of all the cash starts at 200%; a second short of the same size in another pair
    /// would not fit, and is refused by the venue with the margin error.
    @Test func theVenueRefusesAShortBeyondItsMargin() {
        var venue = SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0).unrestricted(), initialCash: 1_000)
        var ev: [VenueEvent] = []
        let bar = Bar(timestampMs: 0, open: 100, high: 100, low: 100, close: 100, volume: 1000)
        venue.replay(Fixtures.btcusd, bar, events: &ev)
        venue.submit(OrderRequest(id: 1, pair: Fixtures.btcusd, side: .sell, kind: .market, quantity: .base(30), purpose: .entry,
                                  createdAtMs: 60_000, leverage: 2), events: &ev)
        venue.replay(Fixtures.btcusd, Bar(timestampMs: 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1000), events: &ev)
        #expect(ev.contains { if case .rejected(1, .insufficientFunds, let m, _) = $0 { return m.contains("Insufficient margin") }; return false })
        venue.submit(OrderRequest(id: 2, pair: Fixtures.btcusd, side: .buy, kind: .market, quantity: .base(1), purpose: .stopLoss,
                                  createdAtMs: 60_000, leverage: 2), events: &ev)
        #expect(ev.contains { if case .rejected(2, .invalidOrder, let m, _) = $0 { return m.contains("no short position") }; return false })
        venue.submit(OrderRequest(id: 3, pair: Fixtures.btcusd, side: .sell, kind: .market, quantity: .base(1), purpose: .entry,
                                  createdAtMs: 60_000, leverage: 6), events: &ev)
        #expect(ev.contains { if case .rejected(3, .invalidOrder, let m, _) = $0 { return m.contains("leverage") }; return false })
    }

    /// Coinbase spot has no shorting: the short is refused with that reason, and nothing trades.
    @Test func coinbaseRefusesShorts() {
        let e = Self.run(Self.bars([(100, 100, 100, 100), (100, 101, 99, 100)]), profile: VenueProfile.coinbase.withFlatFee(0).unrestricted(),
                         stop: 105, target: 80)
        #expect(e.trades.isEmpty && e.venue.openOrders.isEmpty)
        #expect(e.signals.first?.action == .enterShort && e.signals.first?.actedUpon == false)
        #expect(e.signals.first?.rejection == "coinbase spot has no shorting: short refused")
    }

    /// `backtest.direction: long` (the default) refuses a short entry, saying which setting.
    @Test func directionLongRefusesShorts() {
        let e = Self.run(Self.bars([(100, 100, 100, 100), (100, 101, 99, 100)]), stop: 105, target: 80) { $0.direction = .long }
        #expect(e.trades.isEmpty)
        #expect(e.signals.first?.rejection == "short entries are off (backtest.direction: long)")
    }

    /// A real day with a rule run alone both ways: longs and shorts, every exit kind, and the
    /// money (trade fees, opening and rollover fees) reconciles to the cent between engine and
    /// venue and with the trades' P&L.
    @Test func realDayBothWaysReconciles() throws {
        let bars = try EngineTests.realBars()
        var config = EngineTests.mechanics
        config.direction = .both
        config.closeAtEnd = true
        config.smartExitTiers = [.init(tpMultiple: 1.0, fraction: 0.5)]
        let e = EngineTests.run(bars, config: config, fee: 0.001) {
            SingleRuleStrategy(rule: KeltnerRule.self, slATR: 1, tpATR: 1.5, slFloorPct: 0.002, tpFloorPct: 0.003, direction: .both)
        }
        let shorts = e.trades.filter { $0.side == .sell }, longs = e.trades.filter { $0.side == .buy }
        #expect(shorts.count >= 3 && longs.count >= 3)
        #expect(shorts.allSatisfy { $0.marginFees > 0 })
        #expect(abs(e.cash - e.venue.cash) < 1e-6)
        let realised = e.trades.compactMap(\.pnl).reduce(0, +)
        #expect(e.trades.allSatisfy { !$0.isOpen })
        #expect(abs(e.equity.last! - (10_000 + realised)) < 0.005)
        #expect(e.venue.shorts.isEmpty)
    }
}
