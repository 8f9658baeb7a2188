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
public struct ConfluenceDetector: Sendable {
    public struct Weights: Sendable, Equatable {
        public var byKind: [Double]
        public init(_ weights: [String: Double]) {
            byKind = SignalStrategyKind.allCases.map { weights[$0.rawValue] ?? $0.defaultWeight }
        }
    }

    public private(set) var indicators = TimeframeIndicators()
    private var keltner = KeltnerRule(), meanReversion = MeanReversionRule(), ichimoku = IchimokuRule()
    private var orderFlow = OrderFlowRule(), trend = TrendRule(), divergence = StochasticDivergenceRule()
    private var squeeze = VolatilitySqueezeRule(), supertrend = SupertrendRule(), reversal = ReversalRule()
    public var trendBoost = 1.25
    public var slATR = 2.0, tpATR = 3.0, slFloorPct = 0.025, tpFloorPct = 0.05

    public init() {}

    /// One evaluation of the latest closed bar.
    public struct Result: Sendable, Equatable {
        public var direction: SignalDirection
        public var strength: Double
        public var confidence: Double
        public var count: Int
        public var votes: [(kind: SignalStrategyKind, signal: StrategySignal)]
        public var regime: RegimeDetector.Regime?
        public var stopDistance: Double
        public var targetDistance: Double
        public var close: Double

        public static func == (a: Result, b: Result) -> Bool {
            a.direction == b.direction && a.strength == b.strength && a.confidence == b.confidence && a.count == b.count
                && a.stopDistance == b.stopDistance && a.targetDistance == b.targetDistance && a.close == b.close
                && a.votes.map(\.kind) == b.votes.map(\.kind) && a.votes.map(\.signal) == b.votes.map(\.signal)
        }
    }

    /// Updates the indicators with a closed bar and weighs the nine votes. `enabled` and
    /// `performance` are per strategy, in `SignalStrategyKind.allCases` order.
    public mutating func evaluate(_ bar: Bar, weights: Weights, enabled: [Bool], performance: [Double]) -> Result {
        indicators.update(bar)
        let ind = indicators
        let all: [StrategySignal] = [
            keltner.evaluate(ind), meanReversion.evaluate(ind), ichimoku.evaluate(ind), orderFlow.evaluate(ind),
            trend.evaluate(ind), divergence.evaluate(ind), squeeze.evaluate(ind), supertrend.evaluate(ind), reversal.evaluate(ind),
        ]
        let regime = ind.regime.regime
        let atr = ind.atr.value ?? 0
        let close = bar.close
        let stop = max(slATR * atr, slFloorPct * close), target = max(tpATR * atr, tpFloorPct * close)
        let c = Self.combine(all, weights: weights, enabled: enabled, performance: performance, trend: regime?.trend, trendBoost: trendBoost)
        var votes: [(kind: SignalStrategyKind, signal: StrategySignal)] = []
        for (k, kind) in SignalStrategyKind.allCases.enumerated() where all[k].direction != .neutral && enabled[k] {
            votes.append((kind, all[k]))
        }
        return Result(direction: c.direction, strength: c.strength, confidence: c.confidence, count: c.count, votes: votes,
                      regime: regime, stopDistance: stop, targetDistance: target, close: close)
    }

    /// The weighing itself, apart from the indicators so it can be checked by hand: `signals` in
    /// `SignalStrategyKind.allCases` order. A tie, or no votes, is neutral.
    public static func combine(_ signals: [StrategySignal], weights: Weights, enabled: [Bool], performance: [Double], trend: String?,
                               trendBoost: Double) -> (direction: SignalDirection, strength: Double, confidence: Double, count: Int) {
        var longW = 0.0, shortW = 0.0, longS = 0.0, shortS = 0.0, longN = 0, shortN = 0, totalWeight = 0.0
        for (k, kind) in SignalStrategyKind.allCases.enumerated() {
            totalWeight += weights.byKind[k]
            let s = signals[k]
            guard s.direction != .neutral, enabled[k] else { continue }
            var w = weights.byKind[k] * performance[k]
            if let trend {
                let favoured = (trend == "trend") == kind.followsTrend
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
