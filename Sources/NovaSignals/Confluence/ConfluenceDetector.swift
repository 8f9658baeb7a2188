import NovaCore

/// The nine strategies on one timeframe, weighted into one opinion.
///
/// Each non-neutral vote counts `weight x regime multiplier x performance factor x strength`
/// for its side. The regime multiplier is `trendBoost` (1.25) for trend followers in a trend
/// regime and for faders in a range regime, and `1 / trendBoost` for the others. The side with
/// more weight wins; `confluenceCount` is how many strategies voted for it; `strength` is that
/// side's weighted strength (sum of weight x strength) over the total weight of all nine
/// strategies; `confidence` is that weighted strength over all the weight that voted, i.e. the
/// winners' mean strength times the winning side's share of the voted weight.
/// SL/TP: ATR-based (`slATR`, `tpATR` x ATR 14 of this timeframe) with percentage floors.
public struct ConfluenceDetector: Sendable, Codable {
    public struct Weights: Sendable, Equatable, Codable {
        public var byKind: [Double]
        public init(_ weights: [String: Double]) {
            byKind = SignalStrategyKind.allCases.map { weights[$0.rawValue] ?? $0.defaultWeight }
        }
    }

    public private(set) var indicators = TimeframeIndicators()
    public var trendBoost = 1.25
    /// The nine strategies' signals on the latest bar of this timeframe, in
    /// `SignalStrategyKind.allCases` order (neutral for a disabled one).
    public var signals: SignalSet { lastVotes }
    private var lastVotes = SignalSet()
    public var slATR = 2.0, tpATR = 3.0, slFloorPct = 0.025, tpFloorPct = 0.05

    public init() {}

    /// The latest order-book analysis, read by the order-flow rule and the filters.
    public mutating func setBook(_ analysis: OrderBookAnalysis?) { indicators.book = analysis }

    /// One evaluation of the latest closed bar.
    public struct Result: Sendable, Equatable, Codable {
        public var direction: SignalDirection
        public var strength: Double
        public var confidence: Double
        public var count: Int
        public var regime: RegimeDetector.Regime?
        public var stopDistance: Double
        public var targetDistance: Double
        public var close: Double

        public static func == (a: Result, b: Result) -> Bool {
            a.direction == b.direction && a.strength == b.strength && a.confidence == b.confidence && a.count == b.count
                && a.stopDistance == b.stopDistance && a.targetDistance == b.targetDistance && a.close == b.close

        }
    }

    /// Updates the indicators with a closed bar and weighs the nine votes. `enabled` and
    /// `performance` are per strategy, in `SignalStrategyKind.allCases` order.
    public mutating func evaluate(_ bar: Bar, weights: Weights, enabled: [Bool], performance: [Double]) -> Result {
        indicators.update(bar)
        let (r, votes) = Self.judge(indicators, bar: bar, weights: weights, enabled: enabled, performance: performance,
                                    slATR: slATR, tpATR: tpATR, slFloorPct: slFloorPct, tpFloorPct: tpFloorPct, trendBoost: trendBoost)
        lastVotes = votes
        return r
    }

    /// The nine votes and their weighing on the current indicators. Static, with the indicators
    /// borrowed: the rules read them in place (a method on `self` made the compiler copy the
    /// whole detector, ~2.9 KB, per call).
    private static func judge(_ indicators: borrowing TimeframeIndicators, bar: Bar, weights: Weights, enabled: [Bool],
                              performance: [Double], slATR: Double, tpATR: Double, slFloorPct: Double, tpFloorPct: Double,
                              trendBoost: Double) -> (Result, SignalSet) {
        var votes = SignalSet()
        votes[0] = KeltnerRule.evaluate(indicators); votes[1] = MeanReversionRule.evaluate(indicators)
        votes[2] = IchimokuRule.evaluate(indicators); votes[3] = OrderFlowRule.evaluate(indicators)
        votes[4] = TrendRule.evaluate(indicators); votes[5] = StochasticDivergenceRule.evaluate(indicators)
        votes[6] = VolatilitySqueezeRule.evaluate(indicators); votes[7] = SupertrendRule.evaluate(indicators)
        votes[8] = ReversalRule.evaluate(indicators)
        for k in 0..<SignalSet.count where !enabled[k] { votes[k] = .neutral }
        let regime = indicators.regime.regime
        let atr = indicators.atr.value ?? 0
        let close = bar.close
        let stop = max(slATR * atr, slFloorPct * close), target = max(tpATR * atr, tpFloorPct * close)
        let c = Self.combine(votes, weights: weights, enabled: enabled, performance: performance,
                             trend: regime.map { $0.trendKind == .trend ? "trend" : "range" }, trendBoost: trendBoost)
        return (Result(direction: c.direction, strength: c.strength, confidence: c.confidence, count: c.count,
                       regime: regime, stopDistance: stop, targetDistance: target, close: close), votes)
    }

    /// The weighing itself, apart from the indicators so it can be checked by hand: `signals` in
    /// `SignalStrategyKind.allCases` order. A tie, or no votes, is neutral.
    public static func combine(_ signals: SignalSet, weights: Weights, enabled: [Bool], performance: [Double], trend: String?,
                               trendBoost: Double) -> (direction: SignalDirection, strength: Double, confidence: Double, count: Int) {
        var longW = 0.0, shortW = 0.0, longS = 0.0, shortS = 0.0, longN = 0, shortN = 0, totalWeight = 0.0
        let follows = SignalStrategyKind.followsTrendByIndex
        let inTrend = trend == "trend"
        for k in 0..<SignalSet.count {
            totalWeight += weights.byKind[k]
            let s = signals[k]
            guard s.direction != .neutral, enabled[k] else { continue }
            var w = weights.byKind[k] * performance[k]
            if trend != nil {
                let favoured = inTrend == follows[k]
                w *= favoured ? trendBoost : 1 / trendBoost
            }
            if s.direction == .long { longW += w; longS += w * s.strength; longN += 1 } else { shortW += w; shortS += w * s.strength; shortN += 1 }
        }
        guard longW + shortW > 0, longW != shortW else { return (.neutral, 0, 0, 0) }
        let isLong = longW > shortW
        let (ws, n) = isLong ? (longS, longN) : (shortS, shortN)
        return (isLong ? .long : .short, min(1, ws / max(totalWeight, 1e-12)), min(1, ws / (longW + shortW)), n)
    }
}

/// The nine strategies' signals of one bar, stored inline (no heap array per bar).
public struct SignalSet: Sendable, Equatable, Codable {
    public static let count = 9
    private var s0 = StrategySignal.neutral, s1 = StrategySignal.neutral, s2 = StrategySignal.neutral
    private var s3 = StrategySignal.neutral, s4 = StrategySignal.neutral, s5 = StrategySignal.neutral
    private var s6 = StrategySignal.neutral, s7 = StrategySignal.neutral, s8 = StrategySignal.neutral

    public init() {}

    public init(_ signals: [StrategySignal]) {
        for (k, s) in signals.prefix(Self.count).enumerated() { self[k] = s }
    }

    public subscript(_ k: Int) -> StrategySignal {
        get {
            switch k {
            case 0: return s0
            case 1: return s1
            case 2: return s2
            case 3: return s3
            case 4: return s4
            case 5: return s5
            case 6: return s6
            case 7: return s7
            default: return s8
            }
        }
        set {
            switch k {
            case 0: s0 = newValue
            case 1: s1 = newValue
            case 2: s2 = newValue
            case 3: s3 = newValue
            case 4: s4 = newValue
            case 5: s5 = newValue
            case 6: s6 = newValue
            case 7: s7 = newValue
            default: s8 = newValue
            }
        }
    }

    /// (index, signal) of every non-neutral signal.
    public var nonNeutral: [(offset: Int, element: StrategySignal)] {
        (0..<Self.count).compactMap { self[$0].direction == .neutral ? nil : ($0, self[$0]) }
    }
}
