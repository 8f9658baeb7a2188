import Foundation
import NovaConfig
import NovaCore
import NovaEngine
import NovaMarketData
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaResearch

/// The run's recorder with a store (issue 31): every block of decisions goes to the store as
/// soon as it is encoded, so what a run holds is the blocks being encoded, counted here (not
/// timed), the same for a day and for a month; and what the store then holds is every decision.
@Suite struct SignalRecorderTests {
    static func record(_ series: BarSeries, store: ResultsStore?, runID: String) throws -> (SignalRecorder, ReplayResult) {
        var config = try ConfigLoader.load(path: nil, params: ["fast=3", "slow=8"], strategy: "sma_cross")
        config.backtest.strategy = "sma_cross"
        if let store {
            try store.beginRun(BacktestRunRecord(runID: runID, startedAt: "2026-12-08T00:00:00Z", config: "{}", pairs: "BTC/USD",
                                                 exchange: "kraken", strategy: "sma_cross", configHash: "h", dataFingerprint: "f"))
        }
        let recorder = SignalRecorder(runID: runID, store: store)
        let result = try SignalStreamingTests.replay(config, series, sink: recorder.take, block: 50)
        return (recorder, result)
    }

    @Test func blocksGoToTheStoreAsTheyAreEncodedHoweverLongTheRun() throws {
        let month = try OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken))
            .importFile(Fixtures.shared("binance-btcusdt-1m-2024-06.csv")).bars
        let store = try ResultsStore(path: Fixtures.scratch("recorder") + "/novapulse.db")
        let (day, dayResult) = try Self.record(month.slice(0..<1_440), store: store, runID: "bt-day")
        let (long, longResult) = try Self.record(month, store: store, runID: "bt-month")
        #expect(longResult.signalCount > 20 * dayResult.signalCount && dayResult.signalCount > 100)
        // Held at once: the blocks being encoded (two wait at most, one more is handed over), for a
        // day and for a month alike; none kept for the end.
        #expect(day.peakHeldBlocks <= 3 && long.peakHeldBlocks <= 3, "\(day.peakHeldBlocks) \(long.peakHeldBlocks)")
        #expect(day.blocks.isEmpty && long.blocks.isEmpty && long.failure == nil)
        // The store holds every decision, in order, as a recorder without a store would give them.
        let stored = try store.signals(runID: "bt-month")
        #expect(stored.count == longResult.signalCount && stored.map(\.seq) == Array(1...stored.count))
        let (kept, _) = try Self.record(month, store: nil, runID: "bt-kept")
        #expect(kept.peakHeldBlocks == kept.blocks.count && kept.blocks.count > 20)
        try store.beginRun(BacktestRunRecord(runID: "bt-kept", startedAt: "2026-12-08T00:00:00Z", config: "{}", pairs: "BTC/USD",
                                             exchange: "kraken", strategy: "sma_cross", configHash: "h", dataFingerprint: "f"))
        for b in kept.blocks { try store.appendSignalBlock(runID: "bt-kept", b) }
        let inMemory = try store.signals(runID: "bt-kept")
        #expect(inMemory.count == stored.count)
        let differing = zip(inMemory, stored).filter { (a: RunSignalRecord, b: RunSignalRecord) -> Bool in
            a.timestampMs != b.timestampMs || a.action != b.action || a.rejection != b.rejection || a.strength != b.strength
        }
        #expect(differing.isEmpty)
    }
}
