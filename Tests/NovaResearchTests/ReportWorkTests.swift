import Foundation
import NovaCore
import NovaTestSupport
import Testing
@testable import NovaResearch

/// Issue 31: a run's reporting work grows linearly in its trades, counted (WorkCount: every
/// number, time and JSON string formatted, every HTML cell escaped, every pass over the
/// trades), not timed. The same run's trades are repeated 1, 4 and 16 times over the same bars:
/// linear work adds 4x as much from 4 to 16 copies as from 1 to 4; a step that goes over
/// the trades for each trade (as the money cells once did) adds 20x.
@Suite struct ReportWorkTests {
    static func work(_ base: RunArtifacts, copies n: Int) -> Int {
        var a = base
        a.trades = Array(repeating: base.trades, count: n).flatMap { $0 }
        return WorkCount.measure {
            _ = HTMLReport(a).render()
            _ = CSVExport.trades(a.trades)
            _ = CSVExport.metrics(a.metrics)
            for (k, t) in a.trades.enumerated() { _ = BacktestRunner.record(runID: a.runID, seq: k + 1, trade: t) }
        }
    }

    @Test func reportingWorkGrowsLinearlyInTrades() throws {
        let (paths, run, _) = try RunRegistryTests.twoRuns()
        let artifacts = try RunRegistry(paths: paths).artifacts(run.runID)
        #expect(artifacts.trades.count >= 5)
        let w1 = Self.work(artifacts, copies: 1), w4 = Self.work(artifacts, copies: 4), w16 = Self.work(artifacts, copies: 16)
        let first = w4 - w1, second = w16 - w4
        #expect(w1 > 0 && first > 0, "\(w1) \(w4) \(w16)")
        // Each trade costs the same: 4x more trades added, 4x more work added (within 5 %).
        #expect(Double(second) <= 4.2 * Double(first), "\(w1) \(w4) \(w16): not linear")
        #expect(Double(second) >= 3.0 * Double(first), "\(w1) \(w4) \(w16)")
    }

    /// The counter sees a quadratic step: a pass over the trades for each trade.
    @Test func theCounterSeesAQuadraticStep() throws {
        let (paths, run, _) = try RunRegistryTests.twoRuns()
        let artifacts = try RunRegistry(paths: paths).artifacts(run.runID)
        func quadratic(_ n: Int) -> Int {
            var a = artifacts
            a.trades = Array(repeating: artifacts.trades, count: n).flatMap { $0 }
            let report = HTMLReport(a)
            return WorkCount.measure { for _ in report.trades { _ = report.trades.count } }
        }
        let q1 = quadratic(1), q4 = quadratic(4), q16 = quadratic(16)
        #expect(Double(q16 - q4) > 10 * Double(q4 - q1), "\(q1) \(q4) \(q16)")
    }
}
