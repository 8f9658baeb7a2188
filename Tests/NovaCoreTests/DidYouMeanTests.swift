import Testing
@testable import NovaCore

@Suite struct DidYouMeanTests {
    @Test func nearNamesAreSuggestedAndFarOnesAreNot() {
        let names = ["backtest", "optimize", "live", "data", "runs"]
        #expect(DidYouMean.suggestion(for: "bakctest", among: names) == "backtest")   // two letters swapped: one edit
        #expect(DidYouMean.suggestion(for: "optimze", among: names) == "optimize")
        #expect(DidYouMean.suggestion(for: "plot", among: names) == nil)               // nothing close
        #expect(DidYouMean.suggestion(for: "runs", among: names) == nil)               // exact: no suggestion needed
        #expect(DidYouMean.distance(Array("kitten"), Array("sitting")) == 3)
    }
}
