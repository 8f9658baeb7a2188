import Testing
@testable import NovaCore

@Suite struct PairTimeframeTests {
    @Test func parsesPairs() throws {
        #expect(try Pair(parsing: "BTC/USD").description == "BTC/USD")
        #expect(try Pair(parsing: "xbt-usd") == Pair(base: "BTC", quote: "USD"))
        #expect(try Pair.parseList("BTC/USD, ETH/USD").map(\.description) == ["BTC/USD", "ETH/USD"])
        #expect(throws: CoreError.invalidPair("BTCUSD")) { try Pair(parsing: "BTCUSD") }
        #expect(throws: CoreError.duplicatePair("BTC/USD")) { try Pair.parseList("BTC/USD,XBT/USD") }
    }

    @Test func parsesTimeframes() throws {
        #expect(try Timeframe(parsing: "1m").seconds == 60)
        #expect(try Timeframe(parsing: "15m").description == "15m")
        #expect(try Timeframe(parsing: "4h").seconds == 14_400)
        #expect(try Timeframe(parsing: "1d").description == "1d")
        #expect(Timeframe.oneMinute.barsPerYear == 525_600)
        #expect(throws: CoreError.invalidTimeframe("5x")) { try Timeframe(parsing: "5x") }
        #expect(throws: CoreError.invalidTimeframe("0m")) { try Timeframe(parsing: "0m") }
    }

    @Test func tradePnLIsNetOfBothFees() {
        var t = Trade(tradeID: "T-1", pair: .init(base: "BTC", quote: "USD"), side: .buy, strategy: "x", entryTimeMs: 0,
                      entryPrice: 100, quantity: 2, entryFee: 0.2, stopLoss: nil, takeProfit: nil, entryReason: "")
        #expect(t.pnl == nil)
        #expect(t.unrealisedPnL(at: 110) == 19.8)
        t.exitTimeMs = 1; t.exitPrice = 110; t.exitFee = 0.22
        #expect(abs(t.pnl! - 19.58) < 1e-12)
    }
}
