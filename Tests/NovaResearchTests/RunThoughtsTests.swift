import Foundation
import Testing
import NovaCore
import NovaStorage
import NovaTestSupport
@testable import NovaResearch

/// The thought log of a backtest: a line per trade's entry and exit, said as it happened.
@Suite struct RunThoughtsTests {
    @Test func aShortIsSaidToBeShortAndPricesCarryNoFloatNoise() throws {
        let paths = try BacktestRunnerTests.workspace()
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)
        request.direction = .both      // the default stack, shorts allowed (sma_cross only goes long)
        request.sizing = .allIn
        let out = try BacktestRunner(request: request).run()
        let shorts = out.trades.filter { $0.side == .sell }
        #expect(!shorts.isEmpty && out.trades.contains { $0.side == .buy })
        let thoughts = try ResultsStore(path: paths.databasePath).thoughts(runID: out.runID).map(\.message)
        for t in out.trades {
            let side = t.side == .buy ? "long" : "short"
            #expect(thoughts.contains("\(t.tradeID) opened: \(side) \(t.quantity) \(t.pair) at \(NumberText.clean(t.entryPrice)) (\(t.entryReason))"), "\(t.tradeID)")
        }
        let closes = thoughts.filter { $0.contains(" closed at ") }
        #expect(closes.count == out.trades.filter { !$0.isOpen }.count)
        // "closed at 46761.799999999996" was written before: at most 12 significant digits now.
        for c in closes {
            let price = c.split(separator: " ")[3]
            #expect(NumberText.significantDigits(String(price)) <= 12, "\(c)")
        }
    }
}
