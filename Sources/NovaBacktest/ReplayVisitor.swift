import NovaConfig
import NovaCore
import NovaEngine
import NovaExecution
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaVenue

/// What the replay produced.
public struct ReplayResult: Sendable {
    public var trades: [Trade]
    public var equityTimestampMs: [Int64]
    public var equity: [Double]
    public var notes: [EngineNote]
    public var signals: [SignalEvent]
    public var tradedNotional: Double
    public var unrecordedEvaluations: Int
    public var engineCash: Double
    public var venueCash: Double
    public var simulator: SimulatorStats
    public var halts: [Halt] = []
    /// Shadow trades opened and closed (entries the edge gates refused, paper-tracked).
    public var shadowTrades = (opened: 0, closed: 0)
}

/// Replays the bars of every pair, merged in time order, through an engine specialised for the
/// chosen strategy type, connected to the simulated venue by a backtest session.
public struct ReplayVisitor: StrategyCatalog.Visitor {
    let config: NovaPulseConfig
    let series: [BarSeries]
    let books: [OrderBookSeries?]
    let tapes: [TradeTape?]
    let pairs: [Pair]
    let progress: BarReplay.Progress?

    public init(config: NovaPulseConfig, series: [BarSeries], books: [OrderBookSeries?], tapes: [TradeTape?], pairs: [Pair],
                progress: BarReplay.Progress?) {
        self.config = config; self.series = series; self.books = books; self.tapes = tapes; self.pairs = pairs; self.progress = progress
    }

    public func visit<S: Strategy>(_ make: @escaping @Sendable () -> S) throws -> ReplayResult {
        var venue = SimulatedVenue(profile: config.venueProfile, initialCash: config.backtest.initialCash, settings: config.simulatorSettings)
        if venue.settings.fillModel == .book {
            for (p, book) in books.enumerated() {
                if let book { venue.attachBook(pairs[p], snapshots: book, trades: p < tapes.count ? tapes[p] : nil) }
            }
        }
        var session = Session(venue: venue, pairs: pairs, config: config.engineConfig, makeStrategy: make)
        let total = series.reduce(0) { $0 + $1.count }
        session.reserveEquity(series.map(\.count).max() ?? 0)
        try BarReplay.run(series: series, books: books, marketDataLatencyMs: Int64(config.simulator.marketDataLatencyMs),
                          tradeFromMs: config.backtest.tradeFromMs, engine: &session, total: total, progress: progress)
        session.finish()
        return ReplayResult(trades: session.trades, equityTimestampMs: session.equityTimestampMs, equity: session.equity,
                            notes: session.notes, signals: session.signals,
                            tradedNotional: session.fills.reduce(0) { $0 + $1.notional },
                            unrecordedEvaluations: session.unrecordedEvaluations, engineCash: session.cash, venueCash: session.venue.cash,
                            simulator: session.venue.stats, halts: session.halts,
                            shadowTrades: (session.shadows.opened, session.shadows.closed))
    }
}
