import Testing
import NovaCore
import NovaMarketData
import NovaTestSupport
@testable import NovaSignals

@Suite struct ConfluenceTests {
    static let kinds = SignalStrategyKind.allCases

    /// Worked by hand. Weights: keltner 0.30, mean_reversion 0.25, ichimoku 0.15, order_flow 0.15,
    /// trend 0.15, stochastic_divergence 0.12, volatility_squeeze 0.12, supertrend 0.10,
    /// reversal 0.10 (total 1.44). Votes: keltner long 0.8, mean_reversion long 0.6, trend short
    /// 1.0, supertrend long 0.5. Range regime, boost 1.25: faders (keltner, mean_reversion) x1.25,
    /// trend followers (trend, supertrend) / 1.25.
    @Test func weightingByHandOnOneBar() {
        var s = Array(repeating: StrategySignal.neutral, count: 9)
        s[0] = StrategySignal(.long, strength: 0.8, reason: "")
        s[1] = StrategySignal(.long, strength: 0.6, reason: "")
        s[4] = StrategySignal(.short, strength: 1.0, reason: "")
        s[7] = StrategySignal(.long, strength: 0.5, reason: "")
        let c = ConfluenceDetector.combine(SignalSet(s), weights: .init([:]), enabled: Array(repeating: true, count: 9),
                                           performance: Array(repeating: 1, count: 9), trend: "range", trendBoost: 1.25)
        // long weight: 0.375 + 0.3125 + 0.08 = 0.7675; long weighted strength: 0.3 + 0.1875 + 0.04 = 0.5275
        // short weight: 0.12; short weighted strength 0.12
        #expect(c.direction == .long && c.count == 3)
        #expect(abs(c.strength - 0.5275 / 1.44) < 1e-12)
        #expect(abs(c.confidence - 0.5275 / (0.7675 + 0.12)) < 1e-12)
        // In a trend regime the trend vote outweighs less: same votes, followers boosted.
        let t = ConfluenceDetector.combine(SignalSet(s), weights: .init([:]), enabled: Array(repeating: true, count: 9),
                                           performance: Array(repeating: 1, count: 9), trend: "trend", trendBoost: 1.25)
        #expect(t.direction == .long && abs(t.confidence - (0.192 + 0.12 + 0.0625) / (0.24 + 0.2 + 0.125 + 0.1875)) < 1e-12)
        // A disabled strategy (guardrail) does not vote; a performance factor scales its weight.
        var on = Array(repeating: true, count: 9); on[0] = false
        var perf = Array(repeating: 1.0, count: 9); perf[1] = 0.5
        let g = ConfluenceDetector.combine(SignalSet(s), weights: .init([:]), enabled: on, performance: perf, trend: nil, trendBoost: 1.25)
        // long: mean_reversion 0.125 x 0.6 + supertrend 0.10 x 0.5 = 0.125 weighted strength over 0.225 weight; short 0.15
        #expect(g.direction == .long && g.count == 2 && abs(g.confidence - 0.125 / 0.375) < 1e-12)
        // A tie is neutral.
        var tie = Array(repeating: StrategySignal.neutral, count: 9)
        tie[2] = StrategySignal(.long, strength: 1, reason: ""); tie[3] = StrategySignal(.short, strength: 1, reason: "")
        #expect(ConfluenceDetector.combine(SignalSet(tie), weights: .init([:]), enabled: on, performance: perf, trend: nil, trendBoost: 1.25).direction == .neutral)
    }

    @Test func higherTimeframeBarsAppearOnlyOnceClosed() {
        var r = BarResampler(intervalMinutes: 5)
        let t0: Int64 = 1_717_200_000_000   // a multiple of 5 minutes
        var emitted: [Bar] = []
        for i in 0..<5 {
            let b = Bar(timestampMs: t0 + Int64(i) * 60_000, open: 100 + Double(i), high: 110 + Double(i), low: 90 - Double(i),
                        close: 101 + Double(i), volume: 1)
            let (gap, done) = r.add(b)
            #expect(gap == nil)
            if i < 4 { #expect(done == nil) } else { emitted.append(done!) }
        }
        #expect(emitted == [Bar(timestampMs: t0, open: 100, high: 114, low: 86, close: 105, volume: 5)])
        // A gap: minutes 5-6 arrive, then minute 12. The 5-9 bucket closes late, without its end.
        _ = r.add(Bar(timestampMs: t0 + 5 * 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 1))
        _ = r.add(Bar(timestampMs: t0 + 6 * 60_000, open: 1.5, high: 3, low: 1, close: 2, volume: 1))
        let (late, done) = r.add(Bar(timestampMs: t0 + 12 * 60_000, open: 2, high: 2, low: 2, close: 2, volume: 1))
        #expect(late == Bar(timestampMs: t0 + 5 * 60_000, open: 1, high: 3, low: 0.5, close: 2, volume: 2))
        #expect(done == nil)
    }

    static let bars = try! OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken))
        .importFile(Fixtures.path("btcusdt-1m-2024-06-01.csv")).bars

    static func evaluations(_ n: Int) -> [ConfluenceSignal?] {
        var s = ConfluenceStrategy()
        return (0..<n).map { i in
            _ = s.onBar(bars.bar(at: i), position: .flat)
            return s.lastSignal
        }
    }

    /// No lookahead: every evaluation before a cut is the same whether later data exists.
    @Test func evaluationsBeforeACutDoNotDependOnLaterData() {
        let full = Self.evaluations(Self.bars.count)
        #expect(full.compactMap { $0 }.count > 100)
        for cut in [333, 901] {
            #expect(Self.evaluations(cut) == Array(full.prefix(cut)))
        }
    }

    @Test func everySignalCarriesTheSeedFields() {
        let sigs = Self.evaluations(Self.bars.count).compactMap { $0 }
        let s = sigs.last { $0.timeframeAgreement == 3 }!
        #expect(s.timeframes.keys.sorted() == ["15m", "1m", "5m"])
        #expect(s.confluenceCount == s.signals.filter { $0.direction == s.direction }.count)
        #expect(["trend", "range"].contains(s.regime) && ["high_vol", "mid_vol", "low_vol"].contains(s.volatilityRegime))
        #expect(s.direction == .long ? s.stopLoss < s.entryPrice && s.takeProfit > s.entryPrice : s.stopLoss > s.entryPrice)
        #expect(s.entryPrice - s.stopLoss == 0 || abs(s.entryPrice - s.stopLoss) >= 0.025 * s.entryPrice - 1e-9)
        let decoded = try? JSONDecoder().decode(ConfluenceSignal.self, from: Data(s.json().utf8))
        #expect(decoded == s)
    }

    /// Each of the nine fires on real data (a month of 1-minute BTC/USD), and on flat prices
    /// none but Supertrend (which always has a side) says anything.
    @Test func everyStrategyFiresOnRealDataAndStaysQuietOnFlatPrices() throws {
        let bars = try OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken))
            .importFile(Fixtures.packageRoot.appendingPathComponent("datasets/btcusd-1m-2023-03-01_2023-03-21.csv.zst").path).bars
        func fires<R: SignalRule>(_ rule: R.Type, _ bars: BarSeries) -> (long: Int, short: Int) {
            var ind = TimeframeIndicators(), l = 0, s = 0
            for i in 0..<bars.count {
                ind.update(bars.bar(at: i))
                let sig = R.evaluate(ind)
                if sig.direction == .long { l += 1; #expect(sig.strength > 0 && sig.strength <= 1 && !sig.reason.isEmpty) }
                if sig.direction == .short { s += 1 }
            }
            return (l, s)
        }
        let flat = Bars.closes(Array(repeating: 100, count: 400))
        let rules: [(String, (BarSeries) -> (long: Int, short: Int))] = [
            ("keltner", { fires(KeltnerRule.self, $0) }), ("mean_reversion", { fires(MeanReversionRule.self, $0) }),
            ("ichimoku", { fires(IchimokuRule.self, $0) }), ("order_flow", { fires(OrderFlowRule.self, $0) }),
            ("trend", { fires(TrendRule.self, $0) }), ("stochastic_divergence", { fires(StochasticDivergenceRule.self, $0) }),
            ("volatility_squeeze", { fires(VolatilitySqueezeRule.self, $0) }), ("supertrend", { fires(SupertrendRule.self, $0) }),
            ("reversal", { fires(ReversalRule.self, $0) }),
        ]
        for (name, run) in rules {
            let real = run(bars)
            #expect(real.long > 0 && real.short > 0, "\(name) on real data: \(real)")
            let quiet = run(flat)
            if name != "supertrend" { #expect(quiet.long == 0 && quiet.short == 0, "\(name) on flat prices: \(quiet)") }
        }
    }
}
import Foundation

@Suite struct ConfluenceBookTests {
    static let bars = ConfluenceTests.bars

    func book(bidSize: Double, askSize: Double, spread: Double, at price: Double) -> OrderBookAnalysis {
        OrderBookAnalysis.analyze(bidPrices: [price - spread / 2, price - spread / 2 - 1], bidSizes: [bidSize, bidSize],
                                  askPrices: [price + spread / 2, price + spread / 2 + 1], askSizes: [askSize, askSize])!
    }

    /// With a book, order flow reads the book score, the signal carries OBI and book score, and
    /// a wide spread stops entries.
    @Test func bookFieldsOrderFlowAndSpreadCheck() {
        var s = ConfluenceStrategy()
        var withBook: [ConfluenceSignal] = []
        for i in 0..<Self.bars.count {
            let b = Self.bars.bar(at: i)
            s.bookUpdated(book(bidSize: 5, askSize: 1, spread: 0.5, at: b.close))      // strong bids, tight spread
            _ = s.onBar(b, position: .flat)
            if let sig = s.lastSignal { withBook.append(sig) }
        }
        #expect(!withBook.isEmpty)
        #expect(withBook.allSatisfy { $0.obi == (10.0 - 2) / 12 && $0.bookScore != nil })
        #expect(withBook.filter { $0.direction == .long }.allSatisfy { $0.obiAgrees })
        #expect(withBook.allSatisfy { sig in sig.signals.contains { $0.strategy == "order_flow" && $0.direction == .long } })

        var wide = ConfluenceStrategy()
        var reasons: [String] = []
        for i in 0..<Self.bars.count {
            let b = Self.bars.bar(at: i)
            wide.bookUpdated(book(bidSize: 5, askSize: 1, spread: b.close * 0.01, at: b.close))   // 100 bps
            _ = wide.onBar(b, position: .flat)
            if let r = wide.lastSignal?.rejection { reasons.append(r) }
        }
        #expect(reasons.contains { $0.hasPrefix("spread 100.0 bps > 20.0") })
        #expect(!reasons.contains { $0 == "a position is already open" })
    }

    /// Issue 33 #7: a timeframe refusal says what failed ("disagree"), so the report's table of
    /// refusals, grouped by the text before the first number, reads right.
    @Test func aTimeframeRefusalSaysTheTimeframesDisagree() {
        var s = ConfluenceStrategy()
        var reasons: [String] = []
        for i in 0..<Self.bars.count {
            _ = s.onBar(Self.bars.bar(at: i), position: .flat)
            if let r = s.lastSignal?.rejection, r.hasPrefix("timeframes") { reasons.append(r) }
        }
        #expect(!reasons.isEmpty)
        #expect(reasons.allSatisfy { $0.hasPrefix("timeframes disagree: ") && $0.hasSuffix("agree, fewer than 2") }, "\(Set(reasons))")
    }
}

@Suite struct ConfluenceLearningTests {
    static func trade(hour: Int64, pnl: Double) -> Trade {
        var t = Trade(tradeID: "T", pair: Pair(base: "BTC", quote: "USD"), side: .buy, strategy: "confluence",
                      entryTimeMs: 1_717_200_000_000 + hour * 3_600_000, entryPrice: 100, quantity: 1, entryFee: 0,
                      stopLoss: nil, takeProfit: nil, entryReason: "")
        t.exitTimeMs = t.entryTimeMs + 60_000
        t.exitPrice = 100 + pnl
        return t
    }

    /// The per-hour multiplier comes only from closed trades: 1 until an hour has 5, then
    /// 0.5 + win rate within 0.7-1.3.
    @Test func sessionMultiplierLearnsFromClosedTrades() {
        var s = ConfluenceStrategy()
        for pnl in [1.0, 1, 1, 1] { s.tradeClosed(Self.trade(hour: 3, pnl: pnl)) }
        #expect(s.sessionMultiplier(hour: 3) == 1)
        s.tradeClosed(Self.trade(hour: 3, pnl: -1))                 // 4 of 5 won
        #expect(abs(s.sessionMultiplier(hour: 3) - 1.3) < 1e-12)    // 0.5 + 0.8 = 1.3
        for _ in 0..<5 { s.tradeClosed(Self.trade(hour: 7, pnl: -1)) }
        #expect(s.sessionMultiplier(hour: 7) == 0.7)                // 0.5 + 0 -> floor 0.7
        #expect(s.sessionMultiplier(hour: 8) == 1)
    }

    /// A strategy that keeps voting for losing trades is benched for the cooldown, then returns.
    @Test func guardrailsBenchALosingStrategy() {
        var config = ConfluenceStrategy.Config()
        config.guardrailCooldownBars = 50
        var s = ConfluenceStrategy(config: config)
        let bars = ConfluenceTests.bars
        var i = 0
        var losses = 0
        // Trade on the stack's own long entries and close each at a loss.
        while i < bars.count && losses < 10 {
            if case .enterLong = s.onBar(bars.bar(at: i), position: .flat) {
                s.tradeClosed(Self.trade(hour: 1, pnl: -1))
                losses += 1
            }
            i += 1
        }
        #expect(losses == 10)
        let benched = s.enabled.enumerated().filter { !$0.element }.map { SignalStrategyKind.allCases[$0.offset] }
        #expect(!benched.isEmpty)
        #expect(s.performance.allSatisfy { $0 == 1 })   // benched strategies restart their record
        for k in 0..<60 where i + k < bars.count { _ = s.onBar(bars.bar(at: i + k), position: .flat) }
        #expect(s.enabled.allSatisfy { $0 })
    }
}

/// One Keltner: `--strategy keltner` is the rule the confluence weighs, run alone like the other
/// eight; the configurable channel strategy is `keltner_channel`.
@Suite struct OneKeltnerTests {
    struct TypeOf: StrategyCatalog.Visitor {
        func visit<S: Strategy>(_ make: @escaping @Sendable () -> S) throws -> (String, String) { ("\(S.self)", make().name) }
    }

    @Test func namesPointAtTheRightStrategies() throws {
        let rule = try StrategyCatalog.visit("keltner", params: StrategyParams(), TypeOf())
        #expect(rule.0.contains("SingleRuleStrategy") && rule.0.contains("KeltnerRule") && rule.1 == "keltner")
        let other = try StrategyCatalog.visit("mean_reversion", params: StrategyParams(), TypeOf())
        #expect(other.0.contains("SingleRuleStrategy") && other.0.contains("MeanReversionRule"))
        let channel = try StrategyCatalog.visit("keltner_channel", params: StrategyParams(), TypeOf())
        #expect(channel.0 == "KeltnerStrategy" && channel.1 == "keltner_channel")
        #expect(StrategyCatalog.names.contains("keltner_channel"))
    }
}
