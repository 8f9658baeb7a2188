import Foundation
import Testing
import NovaCore
import NovaMarketData
import NovaTestSupport
@testable import NovaResearch

/// The default stack keeps making decisions through the whole window on real data: every week
/// has entries, or a halt event covers it (issue: no absorbing state). The old behaviour (no
/// shadow trades) stopped for good after the first days of each data set.
@Suite struct ContinuousTradingTests {
    static func workspace(_ file: String, as pair: Pair) throws -> WorkspacePaths {
        let root = Fixtures.scratch("cont")
        let paths = WorkspacePaths(dataDirectory: root + "/data", databasePath: root + "/data/novapulse.db",
                                   reportsDirectory: root + "/reports", bundledDatasetsDirectory: root + "/none")
        let r = try OHLCVImporter(options: .init(pair: pair, exchange: .kraken)).importFile(file)
        try DatasetCatalog(dataDirectory: paths.dataDirectory).saveBars(r.bars, info: r.info)
        return paths
    }

    /// Weeks (from the first bar) without an entry, that no halt overlaps.
    static func silentWeeks(_ out: BacktestRunner.Outcome) -> [Int] {
        guard let t0 = out.equityTimestampMs.first, let t1 = out.equityTimestampMs.last else { return [] }
        let week: Int64 = 7 * 86_400_000
        return (0...Int((t1 - t0) / week)).filter { w in
            let a = t0 + Int64(w) * week, b = min(t1, a + week)
            guard b - a > 86_400_000 else { return false }          // a last stub under a day says nothing
            let entries = out.trades.contains { $0.entryTimeMs >= a && $0.entryTimeMs < b }
            let halted = out.halts.contains { $0.startMs < b && ($0.endMs ?? t1) > a }
            return !entries && !halted
        }
    }

    @Test(arguments: [
        ("binanceus-btcusd-1m-2023-03-01_2023-03-21.csv", "three weeks of March 2023"),
        ("binance-btcusdt-1m-2024-06.csv", "June 2024"),
    ])
    func theDefaultStackKeepsDeciding(file: String, label: String) throws {
        let paths = try Self.workspace(Fixtures.shared(file), as: Fixtures.btcusd)
        let out = try BacktestRunner(request: BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)).run()
        #expect(Self.silentWeeks(out).isEmpty, "\(label): weeks without entries or a halt: \(Self.silentWeeks(out)); \(out.notes.prefix(4))")
        // Entries in the last week of the data: no halt that began early lasted to the end.
        let last = out.equityTimestampMs.last! - 7 * 86_400_000
        #expect(out.trades.contains { $0.entryTimeMs >= last } || out.halts.contains { ($0.endMs ?? .max) > last }, "\(label)")
        // A long halt keeps learning: its shadow trades close and feed the estimates.
        for h in out.halts where (h.endMs ?? out.equityTimestampMs.last!) - h.startMs > 3 * 86_400_000 {
            #expect(h.shadowOutcomes > 0, "\(label): \(RunHalts.describe(h))")
        }
        // Every halt is reported with its span and count, and the share matches the spans.
        for h in out.halts { #expect(out.notes.contains(RunHalts.describe(h))) }
        #expect(out.haltedShare == RunHalts.share(out.halts, firstMs: out.equityTimestampMs.first!, lastMs: out.equityTimestampMs.last!))
        #expect(out.haltedShare < 1)
        #expect(abs(out.engineCash - out.venueCash) < 1e-6)
    }

    /// `runs why` at a moment inside a halt says so.
    @Test func runsWhyInsideAHalt() throws {
        let paths = try Self.workspace(Fixtures.shared("binanceus-btcusd-1m-2023-03-01_2023-03-21.csv"), as: Fixtures.btcusd)
        let out = try BacktestRunner(request: BacktestRequest(pairs: [Fixtures.btcusd], paths: paths)).run()
        guard let h = out.halts.first else { Issue.record("no halt in this run: \(out.notes.prefix(3))"); return }
        let why = try RunRegistry(paths: paths).why(out.runID, atMs: h.startMs + 60_000)
        #expect(why.halt == h)
        #expect(why.text.contains("halted      trading halted "))
        let before = try RunRegistry(paths: paths).why(out.runID, atMs: h.startMs - 60_000)
        #expect(before.halt == nil)
    }
}
