import NovaCore

/// The full NovaPulse stack as one trading strategy: nine strategies on the 1, 5 and 15-minute
/// timeframes, weighted confluence, regime, session and performance adjustments, multi-timeframe
/// agreement and the seed's filters. Long-only for now (the simulated venue is spot): short
/// confluence is recorded, and closes a long, but opens nothing.
///
/// Per 1-minute bar: the primary detector evaluates it; each higher timeframe's detector
/// evaluates its bar only when that bar has closed (BarResampler), so they always speak from
/// closed bars. The primary timeframe's side is the candidate direction; timeframes agree when
/// their latest evaluation has the same side. Confidence = primary confidence x (0.7 + 0.3 x
/// agreeing timeframe weight / all timeframe weight) x the session multiplier of the UTC hour.
/// SL/TP come from the agreeing timeframe with the widest stop. Filters, in order: minimum
/// confluence count, timeframe agreement, minimum confidence, minimum risk-reward.
public struct ConfluenceStrategy: Strategy {
    public struct Config: Sendable, Equatable, Codable {
        public var weights: [String: Double] = Dictionary(uniqueKeysWithValues: SignalStrategyKind.allCases.map { ($0.rawValue, $0.defaultWeight) })
        public var minConfluence = 3
        public var minConfidence = 0.55
        public var minRiskReward = 1.5
        /// Minutes; the first is the primary timeframe (the data's own, 1 minute by default).
        public var timeframes = [1, 5, 15]
        public var timeframeWeights = [1.0, 1.3, 1.5]
        public var minTimeframeAgreement = 2
        public var slATR = 2.0, tpATR = 3.0, slFloorPct = 0.025, tpFloorPct = 0.05
        /// Guardrails: a strategy whose last `guardrailWindow` attributed trades won less than
        /// `guardrailMinWinRate` (with at least `guardrailMinTrades`) sits out `guardrailCooldownBars`.
        public var guardrailWindow = 20, guardrailMinTrades = 10, guardrailMinWinRate = 0.3, guardrailCooldownBars = 500
        /// With book data: a signal is refused when the spread is wider than this (basis points).
        public var maxSpreadBps = 20.0
        /// Which confluences may open a position (`backtest.direction`): a short one enters
        /// short only when shorts are allowed.
        public var direction: TradeDirection = .long
        public init() {}
    }

    public var name: String { "confluence" }
    public let config: Config
    private let weights: ConfluenceDetector.Weights
    private var detectors: [ConfluenceDetector]
    private var resamplers: [BarResampler]
    private var latest: [ConfluenceDetector.Result?]
    private var barCount = 0
    // Session statistics per UTC hour, from closed trades only.
    private var hourTrades = [Int](repeating: 0, count: 24), hourWins = [Int](repeating: 0, count: 24)
    // Per strategy: recent outcomes (1 right, 0 wrong) as a ring, and guardrail state.
    private var outcomes: [[UInt8]]
    private var outcomeHead: [Int], outcomeCount: [Int]
    private var disabledUntil: [Int]
    private struct EntryVote: Codable { var kind: SignalStrategyKind, strength: Double }
    private var entryVotes: [EntryVote] = []
    // Cached per-strategy factors; recomputed only when a trade closes or a cooldown ends.
    private var performanceCache: [Double]
    private var enabledCache: [Bool]
    private var nextCooldownEnd = Int.max

    /// What the last bar concluded, kept raw; `lastSignal` builds the full record only when asked.
    private struct Pending: Codable {
        var timestampMs: Int64
        var result: ConfluenceDetector.Result
        var agreement: Int
        var confidence: Double
        var stop: Double, target: Double
        var rejection: Rejection?
    }

    private enum Rejection: Codable {
        case confluence(Int), timeframes(Int), confidence(Double), riskReward(Double), spread(Double), short, long, positionOpen
    }

    public mutating func bookUpdated(_ analysis: OrderBookAnalysis?) {
        detectors[0].setBook(analysis)
    }

    private var pending: Pending?

    public init(config: Config = Config()) {
        precondition(!config.timeframes.isEmpty && config.timeframes.count == config.timeframeWeights.count)
        self.config = config
        weights = ConfluenceDetector.Weights(config.weights)
        var d = ConfluenceDetector()
        d.slATR = config.slATR; d.tpATR = config.tpATR; d.slFloorPct = config.slFloorPct; d.tpFloorPct = config.tpFloorPct
        detectors = Array(repeating: d, count: config.timeframes.count)
        resamplers = config.timeframes.map { BarResampler(intervalMinutes: $0, baseMinutes: config.timeframes[0]) }
        latest = Array(repeating: nil, count: config.timeframes.count)
        let n = SignalStrategyKind.allCases.count
        outcomes = Array(repeating: Array(repeating: 0, count: config.guardrailWindow), count: n)
        outcomeHead = Array(repeating: 0, count: n)
        outcomeCount = Array(repeating: 0, count: n)
        disabledUntil = Array(repeating: 0, count: n)
        performanceCache = Array(repeating: 1, count: n)
        enabledCache = Array(repeating: true, count: n)
    }

    /// Performance factor per strategy: 0.5 + its recent win rate (1.0 until it has enough trades).
    public var performance: [Double] {
        SignalStrategyKind.allCases.indices.map { k in
            let n = outcomeCount[k]
            guard n >= config.guardrailMinTrades else { return 1 }
            let wins = outcomes[k].prefix(min(n, config.guardrailWindow)).reduce(0) { $0 + Int($1) }
            return min(1.5, max(0.5, 0.5 + Double(wins) / Double(min(n, config.guardrailWindow))))
        }
    }

    /// Which strategies may vote now (false while a guardrail cooldown runs).
    public var enabled: [Bool] { disabledUntil.map { barCount >= $0 } }

    /// The nine strategies with their weights, guardrail cooldowns and performance factors.
    public var components: [StrategyComponent] {
        let perf = performance
        return SignalStrategyKind.allCases.enumerated().map { k, kind in
            StrategyComponent(name: kind.rawValue, weight: weights.byKind[k], enabled: weights.byKind[k] > 0,
                              disabledForBars: max(0, disabledUntil[k] - barCount), performance: perf[k])
        }
    }

    public mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        barCount += 1
        if barCount >= nextCooldownEnd { refreshFactors() }
        // The detectors are large structs: evaluate them through a buffer pointer so each is
        // updated in place instead of being copied out of the array and back.
        let (w, on, perf) = (weights, enabledCache, performanceCache)
        let first = detectors.withUnsafeMutableBufferPointer { $0[0].evaluate(bar, weights: w, enabled: on, performance: perf) }
        latest[0] = first
        for k in 1..<max(1, detectors.count) {
            let (gapBar, closed) = resamplers[k].add(bar)
            if let g = gapBar {
                latest[k] = detectors.withUnsafeMutableBufferPointer { $0[k].evaluate(g, weights: w, enabled: on, performance: perf) }
            }
            if let c = closed {
                latest[k] = detectors.withUnsafeMutableBufferPointer { $0[k].evaluate(c, weights: w, enabled: on, performance: perf) }
            }
        }
        guard let primary = latest[0], primary.direction != .neutral, primary.count >= 2 else {
            pending = nil
            return .none
        }
        var agreeWeight = 0.0, allWeight = 0.0, agreement = 0
        var stop = primary.stopDistance, target = primary.targetDistance
        for (k, r) in latest.enumerated() {
            allWeight += config.timeframeWeights[k]
            guard let r, r.direction == primary.direction else { continue }
            agreement += 1
            agreeWeight += config.timeframeWeights[k]
            if r.stopDistance > stop { stop = r.stopDistance; target = r.targetDistance }
        }
        let hour = Int((bar.timestampMs / 3_600_000) % 24)
        let confidence = min(1, primary.confidence * (0.7 + 0.3 * agreeWeight / allWeight) * sessionMultiplier(hour: hour))
        let riskReward = stop > 0 ? target / stop : 0
        let isLong = primary.direction == .long
        var rejection: Rejection?
        if primary.count < config.minConfluence {
            rejection = .confluence(primary.count)
            unrecordedEvaluations += 1
        } else if agreement < config.minTimeframeAgreement {
            rejection = .timeframes(agreement)
        } else if confidence < config.minConfidence {
            rejection = .confidence(confidence)
        } else if riskReward < config.minRiskReward {
            rejection = .riskReward(riskReward)
        } else if let book = detectors[0].indicators.book, book.spreadBps > config.maxSpreadBps {
            rejection = .spread(book.spreadBps)
        }
        let confirmed = primary.count >= config.minConfluence && agreement >= config.minTimeframeAgreement
        if rejection == nil && !(isLong ? config.direction.allowsLong : config.direction.allowsShort) { rejection = isLong ? .long : .short }
        if rejection == nil && position != .flat { rejection = .positionOpen }
        pending = Pending(timestampMs: bar.timestampMs, result: primary, agreement: agreement, confidence: confidence,
                          stop: stop, target: target, rejection: rejection)

        // A confirmed opposite confluence closes the position.
        if confirmed {
            if case .long = position, !isLong {
                pending?.rejection = nil
                return .exitLong(reason: "confluence turned short (\(primary.count) strategies, \(agreement) timeframes)")
            }
            if case .short = position, isLong {
                pending?.rejection = nil
                return .exitShort(reason: "confluence turned long (\(primary.count) strategies, \(agreement) timeframes)")
            }
        }
        guard rejection == nil else { return .none }
        let kinds = SignalStrategyKind.ordered
        let side = primary.direction
        entryVotes = detectors[0].signals.nonNeutral.filter { $0.element.direction == side }.map { EntryVote(kind: kinds[$0.offset], strength: $0.element.strength) }
        let close = bar.close
        let reason = "confluence of \(primary.count) (\(entryVotes.map { $0.kind.rawValue }.joined(separator: ", "))), "
            + "\(agreement)/\(latest.count) timeframes, confidence \(NumberText.fixed(confidence, digits: 2))"
        if isLong { return .enterLong(stopLoss: close - stop, takeProfit: close + target, strength: confidence, reason: reason) }
        return .enterShort(stopLoss: close + stop, takeProfit: close - target, strength: confidence, reason: reason)
    }

    /// True when the last bar had a confluence (two or more strategies agreeing): cheap.
    public var hasSignal: Bool { pending != nil }

    /// Evaluations with two agreeing strategies but fewer than `minConfluence`: counted, and
    /// left out of `lastSignal` (they are exported by `novapulse signals`).
    public private(set) var unrecordedEvaluations = 0
    /// When true, `lastSignal` also returns evaluations below the minimum count.
    public var recordsWeakEvaluations = false

    /// The evaluation of the last bar with every field of the seed's ConfluenceSignal (nil when
    /// fewer than two strategies agreed). Built on demand from the detectors' state, which holds
    /// until the next `onBar`: the stack itself allocates nothing per bar for it.
    public static var makesConfluence: Bool { true }

    public var lastSignal: ConfluenceSignal? { signal(compact: false) }
    public var lastCompactSignal: ConfluenceSignal? { signal(compact: true) }

    public var lastVolatilityRegime: String? {
        guard let p = pending else { return nil }
        if !recordsWeakEvaluations, case .confluence? = p.rejection { return nil }
        return p.result.regime?.volatility ?? "unknown"
    }

    private func signal(compact: Bool) -> ConfluenceSignal? {
        guard let p = pending else { return nil }
        if !recordsWeakEvaluations, case .confluence? = p.rejection { return nil }
        let r = p.result
        let isLong = r.direction == .long
        let close = r.close
        var frames: [String: String] = [:]
        for (k, res) in latest.enumerated() { frames["\(config.timeframes[k])m"] = res?.direction.rawValue ?? "warming_up" }
        let kinds = SignalStrategyKind.ordered
        let votes = detectors[0].signals.nonNeutral.map { k, s in
            ConfluenceSignal.Vote(strategy: kinds[k].rawValue, direction: s.direction, strength: s.strength,
                                  weight: compact ? nil : weights.byKind[k], reason: compact ? nil : s.reason)
        }
        let book = detectors[0].indicators.book
        let rejection: String?
        switch p.rejection {
        case nil: rejection = nil
        case .confluence(let n)?: rejection = "confluence \(n) < \(config.minConfluence)"
        // Said as what failed ("disagree"), so the report's grouping by the text before the
        // first number reads right: "timeframes disagree".
        case .timeframes(let n)?: rejection = "timeframes disagree: \(n) of \(latest.count) agree, fewer than \(config.minTimeframeAgreement)"
        case .confidence(let c)?: rejection = "confidence \(NumberText.fixed(c, digits: 2)) < \(config.minConfidence)"
        case .riskReward(let rr)?: rejection = "risk-reward \(NumberText.fixed(rr, digits: 2)) < \(config.minRiskReward)"
        case .spread(let bps)?: rejection = "spread \(NumberText.fixed(bps, digits: 1)) bps > \(config.maxSpreadBps)"
        case .short?: rejection = "short signals are not traded (backtest.direction: \(config.direction.rawValue))"
        case .long?: rejection = "long signals are not traded (backtest.direction: short)"
        case .positionOpen?: rejection = "a position is already open"
        }
        return ConfluenceSignal(
            timestampMs: p.timestampMs, direction: r.direction, strength: r.strength, confidence: p.confidence, confluenceCount: r.count,
            signals: votes, obi: book?.obi, bookScore: book?.bookScore,
            obiAgrees: book.map { isLong ? $0.obi > 0 : $0.obi < 0 } ?? false, isSureFire: r.count >= 5 && p.agreement == latest.count,
            entryPrice: close, stopLoss: isLong ? close - p.stop : close + p.stop, takeProfit: isLong ? close + p.target : close - p.target,
            regime: r.regime?.trend ?? "unknown", volatilityRegime: r.regime?.volatility ?? "unknown", volLevel: r.regime?.volLevel ?? 0,
            volExpanding: r.regime?.volExpanding ?? false, timeframeAgreement: p.agreement, timeframes: frames, rejection: rejection)
    }

    /// Per-hour multiplier from this run's closed trades: 0.5 + win rate, kept within 0.7-1.3,
    /// once the hour has 5 closed trades; 1 before that.
    public func sessionMultiplier(hour: Int) -> Double {
        guard hourTrades[hour] >= 5 else { return 1 }
        return min(1.3, max(0.7, 0.5 + Double(hourWins[hour]) / Double(hourTrades[hour])))
    }

    public mutating func tradeClosed(_ trade: Trade) {
        guard let pnl = trade.pnl else { return }
        let won = pnl > 0
        let hour = Int((trade.entryTimeMs / 3_600_000) % 24)
        hourTrades[hour] += 1
        if won { hourWins[hour] += 1 }
        for kind in entryVotes.map(\.kind) {
            let k = SignalStrategyKind.ordered.firstIndex(of: kind)!
            outcomes[k][outcomeHead[k]] = won ? 1 : 0
            outcomeHead[k] = (outcomeHead[k] + 1) % config.guardrailWindow
            outcomeCount[k] += 1
            let n = min(outcomeCount[k], config.guardrailWindow)
            let wins = outcomes[k].prefix(n).reduce(0) { $0 + Int($1) }
            if n >= config.guardrailMinTrades && Double(wins) / Double(n) < config.guardrailMinWinRate {
                disabledUntil[k] = barCount + config.guardrailCooldownBars
                outcomeCount[k] = 0          // a fresh record after the cooldown
            }
        }
        entryVotes = []
        refreshFactors()
    }

    private mutating func refreshFactors() {
        performanceCache = performance
        enabledCache = disabledUntil.map { barCount >= $0 }
        nextCooldownEnd = disabledUntil.filter { $0 > barCount }.min() ?? Int.max
    }
}
