import Testing
import NovaMarketData
import NovaTestSupport
@testable import NovaSignals

@Suite struct OrderBookAnalyzerTests {
    /// Worked by hand: bids 3 @ 100, 1 @ 99; asks 1 @ 101, 1 @ 102.
    @Test func imbalanceScoreAndSpreadByHand() throws {
        let a = try #require(OrderBookAnalysis.analyze(bidPrices: [100, 99], bidSizes: [3, 1], askPrices: [101, 102], askSizes: [1, 1]))
        #expect(a.obi == (4.0 - 2) / 6)                                 // 1/3
        #expect(abs(a.bookScore - (3.5 - 1.5) / 5) < 1e-15)            // bids 3 + 1/2, asks 1 + 1/2
        #expect(abs(a.spreadBps - 1 / 100.5 * 10_000) < 1e-9)
        #expect(!a.whaleDetected)                                       // median 1, largest 3 < 5 x 1
    }

    @Test func whaleIsTheLargestLevelAtFiveTimesTheMedian() throws {
        let a = try #require(OrderBookAnalysis.analyze(bidPrices: [100, 99, 98], bidSizes: [1, 1, 1],
                                                       askPrices: [101, 102, 103], askSizes: [1, 12, 6]))
        #expect(a.whale?.side == .ask && a.whale?.price == 102 && a.whale?.size == 12)
        #expect(a.obi < 0)
    }

    @Test func depthCutsAndEmptyBooks() throws {
        let a = try #require(OrderBookAnalysis.analyze(bidPrices: [100, 99, .nan], bidSizes: [1, 1, 0], askPrices: [101, 102, 103],
                                                       askSizes: [1, 1, 50], depth: 2))
        #expect(a.obi == 0 && a.bidVolume == 2 && a.askVolume == 2)   // the 50 at level 3 is beyond the depth
        #expect(OrderBookAnalysis.analyze(bidPrices: [], bidSizes: [], askPrices: [101], askSizes: [1]) == nil)
    }

    /// On real Bitstamp snapshots: OBI and book score stay within -1..1 and the spread matches
    /// the data's (1 to 10 USD on ~78,300).
    @Test func realSnapshots() throws {
        let (book, _, _) = try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.path("bitstamp-l2-20.csv"))
        for i in 0..<book.count {
            let r = i * book.depth..<(i + 1) * book.depth
            let a = try #require(OrderBookAnalysis.analyze(bidPrices: book.bidPrice[r], bidSizes: book.bidSize[r],
                                                           askPrices: book.askPrice[r], askSizes: book.askSize[r]))
            #expect(abs(a.obi) <= 1 && abs(a.bookScore) <= 1)
            #expect(a.spreadBps > 0 && a.spreadBps < 10 / 78_000 * 10_000 + 1e-9)
        }
    }
}
