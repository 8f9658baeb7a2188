import Testing
import NovaCore
@testable import NovaSignals

/// Each of the nine rules on a hand-built series where it must fire, and on a counter-case
/// where it must stay silent.
@Suite struct RuleCaseTests {
    typealias OHLC = (Double, Double, Double, Double)

    /// Runs the rule over the bars; returns the signal on the last bar and every signal seen.
    func run<R: SignalRule>(_ rule: R.Type, _ bars: [OHLC], volume: Double = 1) -> (last: StrategySignal, all: [StrategySignal]) {
        var ind = TimeframeIndicators()
        var all: [StrategySignal] = []
        for (i, b) in bars.enumerated() {
            ind.update(Bar(timestampMs: Int64(i) * 60_000, open: b.0, high: b.1, low: b.2, close: b.3, volume: volume))
            all.append(R.evaluate(ind))
        }
        return (all.last!, all)
    }

    /// Closes alternating ±0.5 around 100, bars 0.6 either side of the close.
    func chop(_ n: Int, around c: Double = 100) -> [OHLC] {
        (0..<n).map { i in let x = c + (i % 2 == 0 ? 0.5 : -0.5); return (x, x + 0.6, x - 0.6, x) }
    }

    /// A steady climb of `step` per bar.
    func climb(_ n: Int, from c: Double = 100, step: Double = 1) -> [OHLC] {
        (0..<n).map { i in let x = c + Double(i) * step; return (x - step * 0.5, x + step * 0.3, x - step * 0.7, x) }
    }

    func silent(_ s: [StrategySignal]) -> Bool { s.allSatisfy { $0.direction == .neutral } }

    @Test func keltner() {
        let fired = run(KeltnerRule.self, chop(60) + [(99, 99.5, 95.5, 96), (96, 100, 96, 99.8)])
        #expect(fired.last.direction == .long)
        #expect(silent(run(KeltnerRule.self, chop(200)).all))
    }

    @Test func meanReversion() {
        // After a calm stretch, a slide of 1% a bar: RSI collapses and price leaves the bands.
        var bars = chop(40)
        var c = 100.0
        for _ in 0..<8 { let o = c; c *= 0.99; bars.append((o, o + 0.1, c - 0.1, c)) }
        #expect(run(MeanReversionRule.self, bars).last.direction == .long)
        #expect(silent(run(MeanReversionRule.self, chop(200)).all))
    }

    @Test func ichimoku() {
        #expect(run(IchimokuRule.self, climb(120)).last.direction == .long)
        #expect(silent(run(IchimokuRule.self, chop(200)).all))
    }

    @Test func orderFlow() {
        // Every bar closes at its high on volume: buying pressure.
        let up = (0..<30).map { i -> OHLC in let x = 100 + Double(i % 3); return (x - 1, x, x - 1.5, x) }
        #expect(run(OrderFlowRule.self, up).last.direction == .long)
        // Closes in the middle of the range: no pressure either way.
        let mid = (0..<30).map { _ -> OHLC in (100, 101, 99, 100) }
        #expect(silent(run(OrderFlowRule.self, mid).all))
    }

    @Test func trend() {
        #expect(run(TrendRule.self, climb(120)).last.direction == .long)
        #expect(silent(run(TrendRule.self, chop(200)).all))
    }

    @Test func stochasticDivergence() {
        // Low closes around 90 (at the bottom of their range: slow %K near 0), a rally to 120, then closes
        // around 92-95 with long lower wicks to 80, and finally a close of 89.9: a lower low in
        // price while %K, measured against the wicks, stays above its earlier value.
        var bars = chop(30)
        bars += [(100, 100, 89.5, 90.2), (90.2, 90.5, 89.5, 90.1), (90.1, 90.3, 89.5, 90)]   // slow %K settles near 0
        for i in 0..<5 { let x = 100 + Double(i) * 5; bars.append((x - 2, x + 1, x - 3, x)) }
        for _ in 0..<12 { bars.append((94, 95, 80, 93)) }
        bars.append((93, 93.5, 89.8, 89.9))
        let fired = run(StochasticDivergenceRule.self, bars)
        #expect(fired.last.direction == .long, "\(fired.last)")
        #expect(silent(run(StochasticDivergenceRule.self, climb(100)).all.filter { $0.direction == .long }))
    }

    @Test func volatilitySqueeze() {
        // Ever tighter chop (the bands shrink inside the Keltner channel), then a breakout bar.
        var bars = chop(30)
        bars += (0..<30).map { i -> OHLC in let x = 100 + (i % 2 == 0 ? 0.05 : -0.05); return (x, x + 0.6, x - 0.6, x) }
        bars.append((100, 106, 99.9, 105.5))
        let fired = run(VolatilitySqueezeRule.self, bars)
        #expect(fired.all.contains { $0.direction == .long })
        #expect(silent(run(VolatilitySqueezeRule.self, climb(120, step: 2)).all))
    }

    @Test func supertrend() {
        let down = (0..<40).map { i -> OHLC in let x = 150 - Double(i); return (x + 0.5, x + 0.7, x - 0.3, x) }
        let fired = run(SupertrendRule.self, down + climb(40, from: 110, step: 2))
        #expect(fired.all.contains { $0.direction == .long && $0.strength == 1 })      // the flip
        #expect(!run(SupertrendRule.self, down).all.contains { $0.direction == .long })
    }

    @Test func reversal() {
        // A slide pushes RSI under 30, then a bullish engulfing bar lifts it back over 30.
        var bars = chop(20)
        var c = 100.0
        for _ in 0..<15 { let o = c; c -= 1; bars.append((o, o + 0.1, c - 0.1, c)) }
        bars.append((c + 0.2, c + 0.3, c - 1.2, c - 1))      // one more down bar
        bars.append((c - 1.1, c + 4, c - 1.2, c + 3.5))      // engulfs it
        #expect(run(ReversalRule.self, bars).last.direction == .long)
        #expect(silent(run(ReversalRule.self, chop(200)).all))
    }
}
