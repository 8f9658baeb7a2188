import Testing
import NovaBacktest
import NovaCore
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaTestSupport
import NovaVenue
@testable import NovaEngine

@Suite struct EngineTests {
    static func realBars() throws -> BarSeries { try Fixtures.realDay() }

    /// The engine's mechanics without the risk gates in the way (they have their own tests).
    static var mechanics: EngineConfig {
        var c = EngineConfig()
        c.gates.minRiskReward = 0
        c.gates.pairCooldownSeconds = 0
        c.gates.globalCooldownSeconds = 0
        return c
    }

    static func run<S: Strategy>(_ bars: BarSeries, config: EngineConfig = EngineTests.mechanics, fee: Double = 0.004,
                                 make: @escaping () -> S) -> Session<SimulatedVenue, S> {
        let venue = SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(fee).unrestricted(), initialCash: config.initialCash)
        var engine = Session(venue: venue, pairs: [Fixtures.btcusd], config: config, makeStrategy: make)
        for i in 0..<bars.count {
            let b = bars.bar(at: i)
            engine.onBar(pairIndex: 0, Bar(timestampMs: b.timestampMs, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume))
            engine.recordEquity(atMs: b.timestampMs)
        }
        engine.finish()
        return engine
    }

    /// Money reconciles: the engine's cash equals the venue's, and final equity equals initial
    /// cash plus realised P&L plus open positions' mark-to-market, to the cent.
    @Test(arguments: [false, true])
    func moneyReconcilesToTheCent(closeAtEnd: Bool) throws {
        let bars = try Self.realBars()
        var config = Self.mechanics
        config.closeAtEnd = closeAtEnd
        var kc = KeltnerStrategy.Config()
        kc.slFloorPct = 0.002; kc.tpFloorPct = 0.001; kc.tpATR = 0.5   // tight: stop, target and signal exits in one day
        let engine = Self.run(bars, config: config, fee: 0.001) { KeltnerStrategy(config: kc) }
        let closed = engine.trades.filter { !$0.isOpen }
        #expect(closed.count >= 5)
        #expect(Set(closed.compactMap(\.exitReason)).isSuperset(of: ["stop_loss", "take_profit", "signal"]))
        #expect(abs(engine.cash - engine.venue.cash) < 1e-6)
        let realised = closed.reduce(0) { $0 + $1.pnl! }
        let open = engine.trades.filter(\.isOpen).reduce(0) { $0 + $1.unrealisedPnL(at: bars.close.last!) }
        #expect(abs(engine.equity.last! - (10_000 + realised + open)) < 0.005)
        if closeAtEnd { #expect(engine.trades.allSatisfy { !$0.isOpen }) }
        // Fees are exactly the rate times notional on each side.
        for t in closed {
            #expect(abs(t.entryFee - t.entryPrice * t.quantity * 0.001) < 1e-9)
            #expect(abs(t.exitFee - t.exitPrice! * t.quantity * 0.001) < 1e-9)
        }
    }

    /// Fills never come from the bar the decision was made on: every entry fills at the open
    /// of a bar strictly after some close, and stop exits fill at or below their stop.
    @Test func fillsNeverBeatTheData() throws {
        let bars = try Self.realBars()
        var kc = KeltnerStrategy.Config()
        kc.slFloorPct = 0.002; kc.tpFloorPct = 0.004
        let engine = Self.run(bars, fee: 0.001) { KeltnerStrategy(config: kc) }
        for t in engine.trades {
            let i = bars.lowerBound(t.entryTimeMs)
            #expect(i > 0 && t.entryPrice == bars.open[i])
            if let x = t.exitTimeMs, let p = t.exitPrice {
                let j = bars.lowerBound(x)
                #expect(p >= bars.low[j] && p <= bars.high[j])
                if t.exitReason == "stop_loss" { #expect(p <= t.stopLoss!) }
                if t.exitReason == "take_profit" { #expect(p >= t.takeProfit!) }
            }
        }
    }

    /// No lookahead: the trades decided before T are the same whether the data after T exists.
    @Test func decisionsBeforeACutDoNotDependOnLaterData() throws {
        let bars = try Self.realBars()
        let full = Self.run(bars) { SMACrossStrategy(config: .init(fast: 5, slow: 20)) }
        for cut in [300, 700, 1100] {
            let part = Self.run(bars.slice(0..<cut)) { SMACrossStrategy(config: .init(fast: 5, slow: 20)) }
            let before = full.trades.filter { $0.entryTimeMs < bars.timestampMs[cut - 1] }
            #expect(part.trades.count == before.count)
            for (a, b) in zip(part.trades, before) {
                #expect(a.entryTimeMs == b.entryTimeMs && a.entryPrice == b.entryPrice && a.quantity == b.quantity)
                if let x = a.exitTimeMs { #expect(x == b.exitTimeMs && a.exitPrice == b.exitPrice) }
            }
            #expect(Array(full.equity.prefix(cut - 1)) == Array(part.equity.prefix(cut - 1)))
        }
    }

    /// Backtest and live wiring are one engine: when the venue's fills arrive as separate
    /// events through `handle(_:)` (as a live adapter's WebSocket delivers them) rather than
    /// inside the bar call, the orders and trades are the same.
    @Test func liveStyleEventDeliveryGivesTheSameTrades() throws {
        let bars = try Self.realBars()
        var kc = KeltnerStrategy.Config()
        kc.slFloorPct = 0.002; kc.tpFloorPct = 0.004
        let backtest = Self.run(bars, fee: 0.001) { KeltnerStrategy(config: kc) }

        /// Collects a venue's events for later delivery.
        final class Mailbox: @unchecked Sendable { var events: [VenueEvent] = [] }
        /// A venue whose market-data fills are held back and delivered later, like a WebSocket.
        struct DeferredVenue: ReplayVenue {
            var inner: SimulatedVenue
            let mailbox: Mailbox
            var profile: VenueProfile { inner.profile }
            mutating func submit(_ order: OrderRequest, events: inout [VenueEvent]) { inner.submit(order, events: &events) }
            mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent]) { inner.cancel(id, atMs: atMs, events: &events) }
            var barMs: Int64 { inner.barMs }
            mutating func replay(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent]) { inner.replay(pair, bar, events: &mailbox.events) }
            mutating func settle(_ pair: Pair, atMs: Int64, price: Double, events: inout [VenueEvent]) {
                inner.settle(pair, atMs: atMs, price: price, events: &events)
            }
        }
        let mailbox = Mailbox()
        let venue = DeferredVenue(inner: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0.001).unrestricted(), initialCash: 10_000), mailbox: mailbox)
        var live = Session(venue: venue, pairs: [Fixtures.btcusd], config: Self.mechanics) { KeltnerStrategy(config: kc) }
        for i in 0..<bars.count {
            let b = bars.bar(at: i)
            let data = Bar(timestampMs: b.timestampMs, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume)
            live.marketData(pairIndex: 0, data)
            #expect(live.fills.count <= backtest.fills.count)
            // The exchange's fill messages arrive (possibly several), then the bar closes.
            while !mailbox.events.isEmpty {
                let batch = mailbox.events
                mailbox.events.removeAll()
                for e in batch { live.deliver(.venue(e)) }
            }
            live.barClosed(pairIndex: 0, data)
            live.recordEquity(atMs: b.timestampMs)
        }
        live.finish()
        #expect(live.trades == backtest.trades)
        #expect(live.fills == backtest.fills)
        #expect(live.equity == backtest.equity)
    }
}

@Suite struct EngineRiskTests {
    /// With fixed-fractional sizing the risk gates apply in the backtest: no re-entry in a pair
    /// within the pair cooldown, and each blocked entry is recorded with its gate.
    @Test func gatesStopEntriesAndSayWhy() throws {
        let bars = try EngineTests.realBars()
        var config = EngineConfig()
        config.gates.minRiskReward = 0
        config.gates.globalCooldownSeconds = 0
        config.gates.pairCooldownSeconds = 1_800
        let engine = EngineTests.run(bars, config: config, fee: 0.001) { SMACrossStrategy(config: .init(fast: 3, slow: 8)) }
        let closed = engine.trades.filter { !$0.isOpen }
        #expect(closed.count >= 2)
        for (a, b) in zip(engine.trades, engine.trades.dropFirst()) {
            #expect(b.entryTimeMs - a.exitTimeMs! >= 1_800_000 - 60_000)    // decided at least 30 min after the exit
        }
        let blocked = engine.signals.filter { !$0.actedUpon && $0.action == .enterLong }
        // Most are the cooldown; once 20 losing trades have closed, the Kelly cap refuses too.
        #expect(blocked.contains { $0.rejection?.hasPrefix("pair_cooldown:") == true })
        #expect(blocked.allSatisfy { r in
            r.rejection?.hasPrefix("pair_cooldown:") == true || r.rejection?.hasPrefix("sizing: Kelly fraction") == true
        })
        #expect(abs(engine.cash - engine.venue.cash) < 1e-6)
    }

    /// Each entry risks at most 1% of equity between entry and the assumed 2.5% stop.
    @Test func fixedFractionalRisksOnePercent() throws {
        let bars = try EngineTests.realBars()
        let engine = EngineTests.run(bars, fee: 0.001) { SMACrossStrategy(config: .init(fast: 5, slow: 20)) }
        for t in engine.trades {
            // notional = equity x 0.01 / 0.025 = 40% of equity, capped at 25%.
            let i = engine.equityTimestampMs.firstIndex { $0 >= t.entryTimeMs }!
            let equityBefore = engine.equity[max(0, i - 1)]
            #expect(t.entryPrice * t.quantity <= 0.25 * equityBefore * 1.02)
        }
    }
}

@Suite struct StopManagementTests {
    func bars(_ ohlc: [(Double, Double, Double, Double)]) -> [Bar] {
        ohlc.enumerated().map { i, b in Bar(timestampMs: Int64(i) * 60_000, open: b.0, high: b.1, low: b.2, close: b.3, volume: 1) }
    }

    func run(_ series: [Bar], _ edit: (inout EngineConfig) -> Void = { _ in }) -> Session<SimulatedVenue, EnterOnce> {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.initialCash = 1_000
        edit(&config)
        var e = Session(venue: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0).unrestricted(), initialCash: 1_000),
                       pairs: [Fixtures.btcusd], config: config) { EnterOnce(stop: 95, target: 200) }
        for b in series { e.onBar(pairIndex: 0, b); e.recordEquity(atMs: b.timestampMs) }
        return e
    }

    /// Entry at 100, stop 95 (R = 5). A high of 105 (1 R) moves the stop to 100; the next dip
    /// to 99 fills it at 100: a breakeven exit.
    @Test func breakeven() {
        let e = run(bars([(100, 100, 100, 100), (100, 101, 99.5, 100.5), (100.5, 105, 100.2, 104), (104, 104.5, 99, 99.5)]))
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.entryPrice == 100 && t.exitPrice == 100 && t.exitReason == "breakeven")
        #expect(t.stopState == StopLossState(initialSL: 95).with { $0.currentSL = 100; $0.breakevenActivated = true })
    }

    /// A high of 107.5 (1.5 R) starts trailing 1.5% below the highest high: 107.5 -> 105.8875,
    /// then 110 -> 108.35; the fall to 106 fills at 108.35: a trailing-stop exit.
    @Test func trailing() {
        let e = run(bars([(100, 100, 100, 100), (100, 101, 99.5, 100.5), (100.5, 107.5, 100.2, 107), (107, 110, 106.5, 109),
                          (109, 109.2, 106, 106.5)]))
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.exitReason == "trailing_stop")
        #expect(abs(t.exitPrice! - 110 * 0.985) < 1e-9)
        #expect(t.stopState?.trailingHigh == 110 && t.stopState?.breakevenActivated == true && t.stopState?.initialSL == 95)
        #expect(abs(e.cash - e.venue.cash) < 1e-9)
    }

    /// With both switched off the original stop stays: the same path exits at 95 as a stop-loss.
    @Test func offMeansTheOriginalStop() {
        let e = run(bars([(100, 100, 100, 100), (100, 101, 99.5, 100.5), (100.5, 110, 100.2, 109), (109, 109, 94, 94.5)])) {
            $0.breakevenAtR = 0; $0.trailingAtR = 0
        }
        #expect(e.trades.first?.exitPrice == 95 && e.trades.first?.exitReason == "stop_loss")
    }
}

extension StopLossState {
    func with(_ edit: (inout StopLossState) -> Void) -> StopLossState { var s = self; edit(&s); return s }
}

@Suite struct SmartExitTests {
    /// 10 units at 100, stop 95, target 110; tiers 50% at 1x (110) and 30% at 1.5x (115), the
    /// rest trailed. Worked by hand: 5 @ 110 (+50), trailing from 111 puts the stop at 109.335;
    /// 3 @ 115 (+45), the high of 116 lifts it to 114.26; the last 2 stop out at 114.26 (+28.52).
    @Test func tiersThenTrailingByHand() {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.initialCash = 1_000
        config.smartExitTiers = [.init(tpMultiple: 1.0, fraction: 0.5), .init(tpMultiple: 1.5, fraction: 0.3)]
        var e = Session(venue: SimulatedVenue(profile: VenueProfile.kraken.withFlatFee(0).unrestricted(), initialCash: 1_000),
                       pairs: [Fixtures.btcusd], config: config) { EnterOnce(stop: 95, target: 110) }
        let ohlc: [(Double, Double, Double, Double)] = [(100, 100, 100, 100), (100, 111, 99.5, 110.5), (110.5, 116, 110, 115.5),
                                                        (115.5, 115.6, 113, 113.5)]
        for (i, b) in ohlc.enumerated() {
            let bar = Bar(timestampMs: Int64(i) * 60_000, open: b.0, high: b.1, low: b.2, close: b.3, volume: 1)
            e.onBar(pairIndex: 0, bar)
            e.recordEquity(atMs: bar.timestampMs)
        }
        guard let t = e.trades.first else { Issue.record("no trade: \(e.notes)"); return }
        #expect(t.quantity == 10)
        #expect(t.partialExits.map(\.quantity) == [5, 3] && t.partialExits.map(\.price) == [110, 115])
        #expect(t.exitTier == 2 && t.exitReason == "trailing_stop")
        #expect(abs(t.exitPrice! - 116 * 0.985) < 1e-9 && abs(t.openQuantity - 2) < 1e-12)
        #expect(abs(t.pnl! - (50 + 45 + 2 * (116 * 0.985 - 100))) < 1e-9)
        #expect(abs(e.cash - (1_000 + t.pnl!)) < 1e-9 && abs(e.cash - e.venue.cash) < 1e-9)
        #expect(e.venue.openOrders.isEmpty)
    }

    /// With fees and a real day of data, money still reconciles to the cent with smart exits on.
    @Test func reconcilesWithFeesOnRealData() throws {
        let bars = try EngineTests.realBars()
        var config = EngineTests.mechanics
        config.smartExitTiers = [.init(tpMultiple: 1.0, fraction: 0.5), .init(tpMultiple: 1.5, fraction: 0.3)]
        var kc = KeltnerStrategy.Config()
        kc.slFloorPct = 0.002; kc.tpFloorPct = 0.001; kc.tpATR = 0.5
        let e = EngineTests.run(bars, config: config, fee: 0.001) { KeltnerStrategy(config: kc) }
        #expect(e.trades.contains { !$0.partialExits.isEmpty })
        let realised = e.trades.compactMap(\.pnl).reduce(0, +)
        let open = e.trades.filter(\.isOpen).reduce(0) { $0 + $1.unrealisedPnL(at: bars.close.last!) }
        #expect(abs(e.equity.last! - (10_000 + realised + open)) < 0.005)
        #expect(abs(e.cash - e.venue.cash) < 1e-6)
    }
}

@Suite struct LimitChaseTests {
    func run(_ ohlc: [(Double, Double, Double, Double)]) -> Session<SimulatedVenue, EnterOnce> {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.initialCash = 1_000
        config.entryChaseAttempts = 2
        var e = Session(venue: SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 1_000), pairs: [Fixtures.btcusd], config: config) {
            EnterOnce(stop: nil, target: nil)
        }
        for (i, b) in ohlc.enumerated() {
            e.onBar(pairIndex: 0, Bar(timestampMs: Int64(i) * 60_000, open: b.0, high: b.1, low: b.2, close: b.3, volume: 1))
        }
        return e
    }

    /// The limit at the decision close (100) rests and fills at 100 as a maker when the next
    /// bar dips to it: maker fee 0.25%.
    @Test func fillsAsMakerAtTheLimit() {
        let e = run([(100, 100, 100, 100), (100.5, 101, 99.8, 100.8)])
        let t = e.trades[0]
        #expect(t.entryPrice == 100 && t.entryFeeRate == 0.0025 && t.entryOrderType == "limit" && t.entryChaseAttempts == 1)
    }

    /// Price runs away: re-priced once at 101.5 (attempt 2), still unfilled, so a market order
    /// fills at the following open, 103, as a taker (0.40%).
    @Test func chasesThenFallsBackToMarket() {
        let e = run([(100, 100, 100, 100), (101, 101.6, 100.5, 101.5), (102, 102.5, 101.8, 102.2), (103, 103, 102.5, 102.8)])
        let t = e.trades[0]
        #expect(t.entryPrice == 103 && t.entryFeeRate == 0.004 && t.entryOrderType == "market" && t.entryChaseAttempts == 2)
        #expect(e.notes.contains { $0.message == "limit entry not filled after 2 attempts: market order" })
        #expect(abs(e.cash - e.venue.cash) < 1e-9)
    }
}

@Suite struct ExitRetryTests {
    /// A venue that refuses the first `failures` sell orders (of `purposes` only, when given)
    /// with the given error, as an exchange under load answers "rate limit".
    struct FlakyVenue: ReplayVenue {
        var inner: SimulatedVenue
        var failures: Int
        var reason: VenueRejectReason
        var purposes: Set<OrderPurpose>? = nil
        var profile: VenueProfile { inner.profile }
        mutating func submit(_ order: OrderRequest, events: inout [VenueEvent]) {
            if order.side == .sell && failures > 0 && purposes.map({ $0.contains(order.purpose) }) != false {
                failures -= 1
                events.append(.rejected(order.id, reason: reason, message: "try later", atMs: order.createdAtMs))
                return
            }
            inner.submit(order, events: &events)
        }
        mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent]) { inner.cancel(id, atMs: atMs, events: &events) }
        var barMs: Int64 { inner.barMs }
        mutating func replay(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent]) { inner.replay(pair, bar, events: &events) }
        mutating func settle(_ pair: Pair, atMs: Int64, price: Double, events: inout [VenueEvent]) {
            inner.settle(pair, atMs: atMs, price: price, events: &events)
        }
    }

    /// Enters on the first bar, exits on the third.
    struct InAndOut: Strategy {
        var name: String { "in_and_out" }
        var n = 0
        mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
            n += 1
            if n == 1 { return .enterLong(stopLoss: nil, takeProfit: nil, strength: 1, reason: "in") }
            if n == 3, case .long = position { return .exitLong(reason: "out") }
            return .none
        }
    }

    func run(failures: Int, reason: VenueRejectReason) -> Session<FlakyVenue, InAndOut> {
        var config = EngineTests.mechanics
        config.sizing = .allIn
        config.initialCash = 1_000
        let venue = FlakyVenue(inner: SimulatedVenue(profile: .kraken.unrestricted(), initialCash: 1_000), failures: failures, reason: reason)
        var e = Session(venue: venue, pairs: [Fixtures.btcusd], config: config) { InAndOut() }
        for i in 0..<5 {
            e.onBar(pairIndex: 0, Bar(timestampMs: Int64(i) * 60_000, open: 100, high: 101, low: 99, close: 100, volume: 1))
        }
        return e
    }

    @Test func transientErrorsAreRetriedThenTheExitGoesThrough() {
        let e = run(failures: 2, reason: .rateLimited)
        #expect(e.trades.count == 1 && !e.trades[0].isOpen && e.trades[0].exitReason == "signal")
        #expect(e.notes.filter { $0.message.hasPrefix("exit retry") }.map(\.message) == ["exit retry 1 of 3 after rate_limited",
                                                                                           "exit retry 2 of 3 after rate_limited"])
        #expect(abs(e.cash - e.venue.inner.cash) < 1e-9)
    }

    @Test func retriesRunOutAndPermanentErrorsAreNotRetried() {
        let out = run(failures: 10, reason: .rateLimited)
        #expect(out.trades[0].isOpen)
        #expect(out.notes.contains { $0.message == "exit gave up (retries exhausted: rate limited): position left open" })
        // The journal says the exit did not go through, and why.
        #expect(out.signals.last { $0.action == .exitLong }.map { !$0.actedUpon && $0.rejection?.hasPrefix("exit gave up (retries exhausted)") == true } == true)
        let permanent = run(failures: 1, reason: .invalidOrder)
        #expect(permanent.trades[0].isOpen && !permanent.notes.contains { $0.message.hasPrefix("exit retry") })
        #expect(permanent.notes.contains { $0.message == "exit gave up (permanent error: invalid order): position left open" })
    }
}
