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
    public struct Config: Sendable, Equatable {
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
        public init() {}
    }

    public let name = "confluence"
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
    private var entryVotes: [(SignalStrategyKind, Double)] = []

    public private(set) var lastSignal: ConfluenceSignal?

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

    public var enabled: [Bool] { disabledUntil.map { barCount >= $0 } }

    public mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        barCount += 1
        let perf = performance, on = enabled
        latest[0] = detectors[0].evaluate(bar, weights: weights, enabled: on, performance: perf)
        for k in 1..<max(1, detectors.count) {
            let (gapBar, closed) = resamplers[k].add(bar)
            if let g = gapBar { latest[k] = detectors[k].evaluate(g, weights: weights, enabled: on, performance: perf) }
            if let c = closed { latest[k] = detectors[k].evaluate(c, weights: weights, enabled: on, performance: perf) }
        }
        guard let primary = latest[0], primary.direction != .neutral, primary.count >= 2 else {
            lastSignal = nil
            return .none
        }
        var agreeWeight = 0.0, allWeight = 0.0, agreement = 0
        var stop = primary.stopDistance, target = primary.targetDistance
        var frames: [String: String] = [:]
        for (k, r) in latest.enumerated() {
            allWeight += config.timeframeWeights[k]
            frames["\(config.timeframes[k])m"] = r?.direction.rawValue ?? "warming_up"
            guard let r, r.direction == primary.direction else { continue }
            agreement += 1
            agreeWeight += config.timeframeWeights[k]
            if r.stopDistance > stop { stop = r.stopDistance; target = r.targetDistance }
        }
        let hour = Int((bar.timestampMs / 3_600_000) % 24)
        let confidence = min(1, primary.confidence * (0.7 + 0.3 * agreeWeight / allWeight) * sessionMultiplier(hour: hour))
        let riskReward = stop > 0 ? target / stop : 0
        var rejection: String?
        if primary.count < config.minConfluence {
            rejection = "confluence \(primary.count) < \(config.minConfluence)"
        } else if agreement < config.minTimeframeAgreement {
            rejection = "timeframes agree \(agreement) of \(latest.count) < \(config.minTimeframeAgreement)"
        } else if confidence < config.minConfidence {
            rejection = "confidence \(String(format: "%.2f", confidence)) < \(config.minConfidence)"
        } else if riskReward < config.minRiskReward {
            rejection = "risk-reward \(String(format: "%.2f", riskReward)) < \(config.minRiskReward)"
        }
        let close = bar.close
        let isLong = primary.direction == .long
        let regime = primary.regime
        var signal = ConfluenceSignal(
            timestampMs: bar.timestampMs, direction: primary.direction, strength: primary.strength, confidence: confidence,
            confluenceCount: primary.count,
            signals: primary.votes.map { v in
                let k = SignalStrategyKind.allCases.firstIndex(of: v.kind)!
                return .init(strategy: v.kind.rawValue, direction: v.signal.direction, strength: v.signal.strength,
                             weight: weights.byKind[k], reason: v.signal.reason)
            },
            obi: nil, bookScore: nil, obiAgrees: false,
            isSureFire: primary.count >= 5 && agreement == latest.count,
            entryPrice: close, stopLoss: isLong ? close - stop : close + stop, takeProfit: isLong ? close + target : close - target,
            regime: regime?.trend ?? "unknown", volatilityRegime: regime?.volatility ?? "unknown", volLevel: regime?.volLevel ?? 0,
            volExpanding: regime?.volExpanding ?? false, timeframeAgreement: agreement, timeframes: frames, rejection: rejection)

        // A confirmed opposite confluence closes a long.
        if case .long = position, !isLong, primary.count >= config.minConfluence, agreement >= config.minTimeframeAgreement {
            lastSignal = signal
            return .exitLong(reason: "confluence turned short (\(primary.count) strategies, \(agreement) timeframes)")
        }
        if rejection == nil && !isLong { signal.rejection = "short signals are not traded on a spot venue" }
        if rejection == nil && isLong && position != .flat { signal.rejection = "a position is already open" }
        lastSignal = signal
        guard signal.rejection == nil else { return .none }
        entryVotes = primary.votes.filter { $0.signal.direction == .long }.map { ($0.kind, $0.signal.strength) }
        return .enterLong(stopLoss: signal.stopLoss, takeProfit: signal.takeProfit, strength: confidence,
                          reason: "confluence of \(primary.count) (\(entryVotes.map { $0.0.rawValue }.joined(separator: ", "))), "
                            + "\(agreement)/\(latest.count) timeframes, confidence \(String(format: "%.2f", confidence))")
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
        for (kind, _) in entryVotes {
            let k = SignalStrategyKind.allCases.firstIndex(of: kind)!
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
    }
}
