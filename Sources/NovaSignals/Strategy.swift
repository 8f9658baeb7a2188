import NovaCore


/// What a strategy asks for after a bar closes.
public enum StrategyAction: Sendable, Equatable {
    case none
    /// Open a long position. Stop-loss and take-profit are absolute prices, or nil for none.
    case enterLong(stopLoss: Double?, takeProfit: Double?, strength: Double, reason: String)
    /// Close the long position.
    case exitLong(reason: String)
    /// Open a short position (sold on margin): the stop lies above, the target below.
    case enterShort(stopLoss: Double?, takeProfit: Double?, strength: Double, reason: String)
    /// Close the short position.
    case exitShort(reason: String)
}

/// A trading strategy: reads each closed bar of one pair (and its position) and answers with an
/// action. It never sees a clock, a venue, a database or whether it is backtesting: the same
/// value runs in backtest and live.
///
/// Contract: `onBar` is called once per closed bar, in time order, only with data at or before
/// that bar's close (no lookahead); it is O(1) and allocation-free in the built-in strategies.
/// Codable: its whole state (indicators, pending entries, guardrails) goes into a live
/// session's checkpoint, so a restart resumes it without replaying the journal from the start.
public protocol Strategy: Sendable, Codable {
    var name: String { get }
    mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction
    /// The confluence evaluation behind the last `onBar`, when the strategy makes one (the engine
    /// records it with what became of it); nil for single-rule strategies and quiet bars.
    var lastSignal: ConfluenceSignal? { get }
    /// `lastSignal` without each vote's weight and sentence (the compact form a decision not
    /// acted upon is stored in): the engine records most evaluations so, allocating less.
    var lastCompactSignal: ConfluenceSignal? { get }
    /// `lastSignal?.volatilityRegime`, without building the signal.
    var lastVolatilityRegime: String? { get }
    /// Whether `lastSignal` can ever be non-nil. A type-level fact, so the engine specialised
    /// for a single-rule strategy skips reading (and copying) the optional on every bar.
    static var makesConfluence: Bool { get }
    /// Evaluations too weak to record (below the minimum confluence count), counted instead of
    /// stored: recording every lean of two strategies would cost more than the backtest itself.
    var unrecordedEvaluations: Int { get }
    /// A trade this strategy opened has closed: feedback for adaptive weights, session
    /// statistics and guardrails. Only closed trades, so nothing is learned from the future.
    mutating func tradeClosed(_ trade: Trade)
    /// The latest order-book snapshot of the pair, analysed (OBI, book score, whale, spread),
    /// delivered before the bar whose close it precedes; nil when there is no fresh snapshot.
    /// Only for strategies that read the book.
    mutating func bookUpdated(_ analysis: OrderBookAnalysis?)
    /// Its voting parts for an operator (`StrategyComponent`); a single rule is one.
    var components: [StrategyComponent] { get }
}

extension Strategy {
    public var lastSignal: ConfluenceSignal? { nil }
    public var lastCompactSignal: ConfluenceSignal? { lastSignal }
    public var lastVolatilityRegime: String? { lastSignal?.volatilityRegime }
    public static var makesConfluence: Bool { false }
    public var unrecordedEvaluations: Int { 0 }
    public mutating func tradeClosed(_ trade: Trade) {}
    public mutating func bookUpdated(_ analysis: OrderBookAnalysis?) {}
}

import NovaCore
