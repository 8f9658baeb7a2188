import NovaCore
import NovaMarketData
import NovaSimulator
import NovaStorage

/// Execution quality of a run, per trade leg and in summary: slippage against the decision
/// price, the spread and the slippage the decision's book predicted (book data only), the
/// latency from decision to first fill, partial fills, and each closed trade's R multiple.
public struct ExecutionLeg: Sendable, Equatable {
    public var tradeID: String
    public var pair: Pair
    /// "entry" or "exit".
    public var leg: String
    public var decisionMs: Int64?
    public var fillMs: Int64
    public var decisionPrice: Double?
    public var fillPrice: Double
    public var quantity: Double
    public var fills: Int
    public var orderType: String?
    public var slippageBps: Double?
    public var spreadBps: Double?
    public var expectedSlippageBps: Double?
    public var latencyMs: Int64?
    public var rMultiple: Double?
}

public struct ExecutionSummary: Sendable, Equatable, Codable {
    public var legs = 0
    public var meanEntrySlippageBps: Double?
    public var meanExitSlippageBps: Double?
    public var meanSpreadBps: Double?
    public var meanExpectedSlippageBps: Double?
    /// Realised less expected slippage over the legs that have both (positive: fills worse
    /// than the book promised).
    public var meanSlippageSurpriseBps: Double?
    public var meanLatencyMs: Double?
    public var meanRMultiple: Double?
    public var partialFillTrades = 0
    public var fillModel = "candle"
    public var latencyMs = 0
    public var faults = "none"
    public var simulator = SimulatorStats()

    enum CodingKeys: String, CodingKey {
        case legs, meanEntrySlippageBps = "mean_entry_slippage_bps", meanExitSlippageBps = "mean_exit_slippage_bps"
        case meanSpreadBps = "mean_spread_bps", meanExpectedSlippageBps = "mean_expected_slippage_bps"
        case meanSlippageSurpriseBps = "mean_slippage_surprise_bps", meanLatencyMs = "mean_latency_ms"
        case meanRMultiple = "mean_r_multiple", partialFillTrades = "partial_fill_trades", fillModel = "fill_model"
        case latencyMs = "latency_ms", faults, simulator
    }
}

public enum ExecutionQuality {
    /// The legs of every trade. `books[p]`: the pair's snapshots, for the spread and the
    /// expected slippage at decision time (the book the decision saw: `marketDataLatencyMs` old).
    public static func legs(trades: [Trade], pairs: [Pair], books: [OrderBookSeries?], marketDataLatencyMs: Int64) -> [ExecutionLeg] {
        var out: [ExecutionLeg] = []
        for t in trades {
            let p = pairs.firstIndex(of: t.pair)
            let book = p.flatMap { $0 < books.count ? books[$0] : nil }
            func bookView(at ms: Int64?, buy: Bool, units: Double, reference: Double?) -> (Double?, Double?) {
                guard let book, let ms, let reference, reference > 0 else { return (nil, nil) }
                let k = book.lastIndex(atOrBefore: ms - marketDataLatencyMs)
                guard k >= 0, ms - marketDataLatencyMs - book.timestampMs[k] <= 60_000 else { return (nil, nil) }
                let bid = book.bestBid(k), ask = book.bestAsk(k)
                let spread = (ask - bid) / ((ask + bid) / 2) * 10_000
                guard let vwap = walk(book, k, buy: buy, units: units) else { return (spread, nil) }
                return (spread, (buy ? vwap - reference : reference - vwap) / reference * 10_000)
            }
            let entryView = bookView(at: t.entryDecisionTimeMs, buy: true, units: t.quantity, reference: t.entryDecisionPrice)
            out.append(ExecutionLeg(tradeID: t.tradeID, pair: t.pair, leg: "entry", decisionMs: t.entryDecisionTimeMs, fillMs: t.entryTimeMs,
                                    decisionPrice: t.entryDecisionPrice, fillPrice: t.entryPrice, quantity: t.quantity, fills: t.entryFills,
                                    orderType: t.entryOrderType, slippageBps: t.entrySlippageBps, spreadBps: entryView.0,
                                    expectedSlippageBps: entryView.1, latencyMs: t.entryDecisionTimeMs.map { t.entryTimeMs - $0 },
                                    rMultiple: nil))
            guard let x = t.exitTimeMs, let price = t.exitPrice else { continue }
            let units = t.openQuantity
            // An end-of-data close is an accounting settlement at the last close, not a fill on
            // the book: no spread or expectation to compare with.
            let exitView = t.exitReason == "end_of_data" ? (nil, nil)
                : bookView(at: t.exitDecisionTimeMs, buy: false, units: units, reference: t.exitDecisionPrice)
            out.append(ExecutionLeg(tradeID: t.tradeID, pair: t.pair, leg: "exit", decisionMs: t.exitDecisionTimeMs, fillMs: x,
                                    decisionPrice: t.exitDecisionPrice, fillPrice: price, quantity: units, fills: t.exitFills,
                                    orderType: t.exitReason, slippageBps: t.exitSlippageBps, spreadBps: exitView.0,
                                    expectedSlippageBps: exitView.1, latencyMs: t.exitDecisionTimeMs.map { x - $0 },
                                    rMultiple: rMultiple(t)))
        }
        return out
    }

    /// P&L over the initial risk (units x distance from entry to the initial stop).
    public static func rMultiple(_ t: Trade) -> Double? {
        guard let pnl = t.pnl, let stop = t.stopState?.initialSL ?? t.stopLoss else { return nil }
        let risk = t.quantity * abs(t.entryPrice - stop)
        return risk > 0 ? pnl / risk : nil
    }

    /// Average price of `units` taken from snapshot `k` (asks for a buy, bids for a sell), or
    /// nil when its visible depth holds fewer units.
    public static func walk(_ book: OrderBookSeries, _ k: Int, buy: Bool, units: Double) -> Double? {
        var left = units, cost = 0.0
        for i in 0..<book.depth {
            let p = buy ? book.askPrice[k * book.depth + i] : book.bidPrice[k * book.depth + i]
            let q = buy ? book.askSize[k * book.depth + i] : book.bidSize[k * book.depth + i]
            guard p.isFinite else { break }
            let take = min(q, left)
            cost += take * p
            left -= take
            if left <= units * 1e-12 { return cost / units }
        }
        return nil
    }

    public static func summary(_ legs: [ExecutionLeg], trades: [Trade]) -> ExecutionSummary {
        func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
        var s = ExecutionSummary()
        s.legs = legs.count
        s.meanEntrySlippageBps = mean(legs.filter { $0.leg == "entry" }.compactMap(\.slippageBps))
        s.meanExitSlippageBps = mean(legs.filter { $0.leg == "exit" }.compactMap(\.slippageBps))
        s.meanSpreadBps = mean(legs.compactMap(\.spreadBps))
        s.meanExpectedSlippageBps = mean(legs.compactMap(\.expectedSlippageBps))
        s.meanSlippageSurpriseBps = mean(legs.compactMap { l in l.slippageBps.flatMap { r in l.expectedSlippageBps.map { r - $0 } } })
        s.meanLatencyMs = mean(legs.compactMap { $0.latencyMs.map(Double.init) })
        s.meanRMultiple = mean(legs.compactMap(\.rMultiple))
        s.partialFillTrades = trades.filter { $0.entryPartialFill }.count
        return s
    }

    public static func records(runID: String, _ legs: [ExecutionLeg]) -> [RunExecutionRecord] {
        legs.enumerated().map { i, l in
            RunExecutionRecord(runID: runID, seq: i + 1, tradeID: l.tradeID, leg: l.leg, pair: l.pair.description,
                               decisionTime: l.decisionMs.map(UTCTime.iso), fillTime: UTCTime.iso(l.fillMs), decisionPrice: l.decisionPrice,
                               fillPrice: l.fillPrice, quantity: l.quantity, fills: l.fills, orderType: l.orderType,
                               slippageBps: l.slippageBps, spreadBps: l.spreadBps, expectedSlippageBps: l.expectedSlippageBps,
                               latencyMs: l.latencyMs, rMultiple: l.rMultiple)
        }
    }
}
