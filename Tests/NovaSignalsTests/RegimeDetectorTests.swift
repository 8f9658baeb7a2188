import Testing
@testable import NovaSignals

@Suite struct RegimeDetectorTests {
    func feed(_ d: inout RegimeDetector, _ bars: [(Double, Double, Double, Double)]) {
        for b in bars { d.update(open: b.0, high: b.1, low: b.2, close: b.3) }
    }

    @Test func steadyClimbIsATrendAndChopIsARange() {
        var trend = RegimeDetector()
        feed(&trend, (0..<200).map { i in let c = 100 + Double(i); return (c - 0.5, c + 0.6, c - 0.7, c + 0.5) })
        #expect(trend.regime?.trend == "trend")
        var chop = RegimeDetector()
        feed(&chop, (0..<200).map { i in let c = i % 2 == 0 ? 100.0 : 101; return (c, c + 1, c - 1, i % 2 == 0 ? 101 : 100) })
        #expect(chop.regime?.trend == "range")
    }

    @Test func volatilityIsRankedAgainstItsOwnPast() {
        var d = RegimeDetector()
        // 300 quiet bars (0.2% ranges), then 30 wild ones (4% ranges).
        feed(&d, (0..<300).map { i in let c = 100 + Double(i % 3) * 0.01; return (c, c * 1.001, c * 0.999, c) })
        #expect(d.regime?.volatility == "low_vol" || d.regime?.volatility == "mid_vol")
        let wild = (0..<30).map { i -> (Double, Double, Double, Double) in let c = 100 + Double(i % 3); return (c, c * 1.02, c * 0.98, c * 1.01) }
        feed(&d, Array(wild.prefix(6)))
        #expect(d.regime?.volExpanding == true)     // rising fast as wild bars enter the window
        #expect(d.regime?.volatility == "high_vol")
        feed(&d, Array(wild.dropFirst(6)))
        #expect(d.regime?.volatility == "high_vol")
        #expect(d.regime!.volLevel > 0.9)
        #expect(d.regime?.volExpanding == false)    // a plateau is not an expansion
        #expect(d.regime?.label.hasSuffix("/high_vol") == true)
    }

    @Test func nothingBeforeWarmUp() {
        var d = RegimeDetector()
        feed(&d, (0..<20).map { _ in (100, 101, 99, 100) })
        #expect(d.regime == nil)
    }
}
