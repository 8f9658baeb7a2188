import Foundation
import NovaBacktest
import NovaConfig
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaTestSupport
import Testing

/// A backtest hands its decisions to a sink as they settle (issue 31): what the sink gets is
/// exactly what the engine would have kept, venue refusals marked later included, and the
/// engine holds about a block however long the run.
@Suite struct SignalStreamingTests {
    static func replay(_ config: NovaPulseConfig, _ series: BarSeries, sink: (([SignalEvent]) -> Void)?, block: Int) throws -> ReplayResult {
        try StrategyCatalog.visit(config.backtest.strategy, params: StrategyParams(keltner: config.strategies.keltner, smaCross: config.strategies.smaCross,
                                                                                   confluence: config.confluenceStrategy),
                                  ReplayVisitor(config: config, series: [series], books: [nil], tapes: [nil], pairs: [Fixtures.btcusd],
                                                progress: nil, signalSink: sink, signalBlock: block))
    }

    /// Hostile venue faults reject and cancel entries after they were decided: their decisions
    /// are marked afterwards, so the sink must not take them while their orders work.
    @Test(arguments: ["sma_cross", "confluence"])
    func theSinkGetsExactlyWhatTheEngineWouldHaveKept(strategy: String) throws {
        var config = try ConfigLoader.load(path: nil, params: strategy == "sma_cross" ? ["fast=3", "slow=8"] : [], strategy: strategy)
        config.backtest.strategy = strategy
        config.simulator.faults = "hostile"
        config.simulator.seed = 42
        let day = try Fixtures.realDay()
        let kept = try Self.replay(config, day, sink: nil, block: 0)
        var streamed: [SignalEvent] = []
        var calls = 0
        let r = try Self.replay(config, day, sink: { streamed += $0; calls += 1 }, block: 5)
        #expect(kept.signals.count > 20 && calls > 3, "\(kept.signals.count) \(calls)")
        #expect(streamed.count == kept.signals.count)
        if let k = streamed.indices.first(where: { $0 < kept.signals.count && streamed[$0] != kept.signals[$0] }) {
            Issue.record("decision \(k) differs: \(streamed[k].action) \(streamed[k].actedUpon) \(streamed[k].rejection ?? "-") vs \(kept.signals[k].action) \(kept.signals[k].actedUpon) \(kept.signals[k].rejection ?? "-")")
        }
        #expect(r.signals.isEmpty && r.signalCount == kept.signals.count && r.trades == kept.trades)
        // Decisions the venue refused after they were placed are among them, marked.
        #expect(kept.signals.contains { $0.rejection?.hasPrefix("the venue ") == true }, "\(Set(kept.signals.compactMap(\.rejection)))")
    }

    /// The count of decisions held, not a timing: about a block for a day and for 25 days.
    @Test func theEngineHoldsABlockHoweverLongTheRun() throws {
        var config = try ConfigLoader.load(path: nil, params: ["fast=3", "slow=8"], strategy: "sma_cross")
        config.backtest.strategy = "sma_cross"
        let month = try OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken))
            .importFile(Fixtures.shared("binance-btcusdt-1m-2024-06.csv")).bars
        let day = month.slice(0..<1_440)
        let short = try Self.replay(config, day, sink: { _ in }, block: 50)
        let long = try Self.replay(config, month, sink: { _ in }, block: 50)
        #expect(long.signalCount > 20 * short.signalCount && short.signalCount > 50)
        #expect(short.peakHeldSignals <= 50 && long.peakHeldSignals <= 50, "\(short.peakHeldSignals) \(long.peakHeldSignals)")
        // Without a sink the engine holds the whole run.
        let all = try Self.replay(config, month, sink: nil, block: 50)
        #expect(all.peakHeldSignals == all.signalCount)
    }
}
