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
    /// The decisions, unless a sink took them as the run went (then empty).
    public var signals: [SignalEvent]
    /// Decisions recorded in all, given to a sink or not.
    public var signalCount = 0
    /// The most decisions the engine held at once (with a sink: about a block, however long the run).
    public var peakHeldSignals = 0
    public var tradedNotional: Double
    public var unrecordedEvaluations: Int
    public var engineCash: Double
    public var venueCash: Double
    public var simulator: SimulatorStats
    public var halts: [Halt] = []
    /// The notes past the executor's limit, summed up by kind.
    public var droppedNotes: [String] = []
    /// Shadow trades opened and closed (entries the edge gates refused, paper-tracked).
    public var shadowTrades = (opened: 0, closed: 0)

    public init(trades: [Trade], equityTimestampMs: [Int64], equity: [Double], notes: [EngineNote], signals: [SignalEvent], tradedNotional: Double,
                unrecordedEvaluations: Int, engineCash: Double, venueCash: Double, simulator: SimulatorStats, halts: [Halt],
                shadowTrades: (opened: Int, closed: Int), signalCount: Int) {
        self.trades = trades; self.equityTimestampMs = equityTimestampMs; self.equity = equity; self.notes = notes; self.signals = signals
        self.tradedNotional = tradedNotional; self.unrecordedEvaluations = unrecordedEvaluations; self.engineCash = engineCash
        self.venueCash = venueCash; self.simulator = simulator; self.halts = halts; self.shadowTrades = shadowTrades; self.signalCount = signalCount
    }
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
    let signalSink: (([SignalEvent]) -> Void)?
    let signalBlock: Int

    /// `signalSink`: where the decisions go as they settle (memory holds a block of them);
    /// nil: they are all in the result.
    public init(config: NovaPulseConfig, series: [BarSeries], books: [OrderBookSeries?], tapes: [TradeTape?], pairs: [Pair],
                progress: BarReplay.Progress?, signalSink: (([SignalEvent]) -> Void)? = nil, signalBlock: Int = 20_000) {
        self.config = config; self.series = series; self.books = books; self.tapes = tapes; self.pairs = pairs; self.progress = progress
        self.signalSink = signalSink
        self.signalBlock = signalBlock
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
        let peak = try BarReplay.run(series: series, books: books, marketDataLatencyMs: Int64(config.simulator.marketDataLatencyMs),
                                     tradeFromMs: config.backtest.tradeFromMs, signalSink: signalSink, signalBlock: signalBlock,
                                     engine: &session, total: total, progress: progress)
        session.finish()
        if let signalSink {
            let rest = session.drainSettledSignals(all: true)
            if !rest.isEmpty { signalSink(rest) }
        }
        var result = ReplayResult(trades: session.trades, equityTimestampMs: session.equityTimestampMs, equity: session.equity,
                            notes: session.notes, signals: session.signals,
                            tradedNotional: session.fills.reduce(0) { $0 + $1.notional },
                            unrecordedEvaluations: session.unrecordedEvaluations, engineCash: session.cash, venueCash: session.venue.cash,
                            simulator: session.venue.stats, halts: session.halts,
                            shadowTrades: (session.shadows.opened, session.shadows.closed), signalCount: session.signalCount)
        result.peakHeldSignals = peak
        result.droppedNotes = session.droppedNotes
        return result
    }
}

extension ReplayVisitor {
    /// Replays the named built-in strategy. The dispatch from a name to a strategy type is made
    /// here, in the module that holds the replay, so the compiler specialises the engine for
    /// each strategy type: made from another module it ran generic (metadata looked up and the
    /// strategy copied through protocol witnesses on every bar).
    public func replay(strategy name: String, params: StrategyParams) throws -> ReplayResult {
        try StrategyCatalog.visit(name, params: params, self)
    }
}
