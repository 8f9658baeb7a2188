import Foundation
import NovaCore
import NovaSimulator
import NovaStorage

/// `novapulse live report`: how far the simulator is from the exchange, from a `--mode shadow`
/// ledger's `shadow_fills`. Every figure compares the same orders: the exchange's outcome and
/// the simulated venues' outcomes of each order the engine sent.
///
/// Signs: a price difference is positive when the simulator filled at a better price for us
/// than the exchange did (the simulator was optimistic); a time difference is positive when
/// the exchange filled later than the simulator.
public struct ShadowReport: Sendable {
    /// Fill statistics of one side of the comparison (the exchange, or one simulator setting).
    public struct Outcomes: Sendable, Equatable {
        public var orders = 0
        public var filled = 0
        public var limits = 0
        public var limitsFilled = 0
        public var filledQuantity = 0.0
        public var makerQuantity = 0.0
        public var fees = 0.0
        /// Per filled order, against the decision price, positive worse for us (bps).
        public var slippageBps: [Double] = []
        public var makerShare: Double? { filledQuantity > 0 ? makerQuantity / filledQuantity : nil }
    }

    /// One simulator setting against the exchange.
    public struct Match: Sendable, Equatable {
        public var candidate: ShadowCandidate
        public var outcomes = Outcomes()
        /// Orders where both filled something or neither did.
        public var agreeing = 0
        /// Orders both filled: simulator minus exchange price (bps, positive: simulator optimistic).
        public var priceDiffBps: [Double] = []
        /// Orders both filled: exchange's first fill minus simulator's (ms).
        public var timeDiffMs: [Double] = []
        /// Orders both filled: |simulated - real quantity| / real quantity.
        public var quantityDiff: [Double] = []
        public var agreement: Double { outcomes.orders > 0 ? Double(agreeing) / Double(outcomes.orders) : 0 }
        public var meanAbsPriceDiffBps: Double? { priceDiffBps.isEmpty ? nil : priceDiffBps.reduce(0) { $0 + abs($1) } / Double(priceDiffBps.count) }
        public var meanAbsTimeDiffMs: Double? { timeDiffMs.isEmpty ? nil : timeDiffMs.reduce(0) { $0 + abs($1) } / Double(timeDiffMs.count) }
    }

    public var settled: Int
    public var unsettled: Int
    public var real = Outcomes()
    /// In the order the session tried them: the first is the configured simulator.
    public var matches: [Match] = []
    public var firstDecisionMs: Int64?
    public var lastDecisionMs: Int64?

    /// `orders`: the settled comparisons (unsettled ones are counted, not compared: one side's
    /// outcome is not known yet).
    public init(orders: [ShadowOrder], unsettled: Int) {
        settled = orders.count
        self.unsettled = unsettled
        firstDecisionMs = orders.map(\.decidedAtMs).min()
        lastDecisionMs = orders.map(\.decidedAtMs).max()
        var byCandidate: [ShadowCandidate: Int] = [:]
        for o in orders {
            Self.count(o.real, o, into: &real)
            for (k, c) in o.candidates.enumerated() where k < o.simulated.count {
                let index: Int
                if let i = byCandidate[c] { index = i } else {
                    index = matches.count
                    byCandidate[c] = index
                    matches.append(Match(candidate: c))
                }
                let sim = o.simulated[k]
                Self.count(sim, o, into: &matches[index].outcomes)
                if sim.didFill == o.real.didFill { matches[index].agreeing += 1 }
                if let s = sim.averagePrice, let r = o.real.averagePrice, r > 0 {
                    let d = (s - r) / r * 10_000
                    matches[index].priceDiffBps.append(o.side == .buy ? -d : d)
                    if let rt = o.real.firstFillMs, let st = sim.firstFillMs { matches[index].timeDiffMs.append(Double(rt - st)) }
                    matches[index].quantityDiff.append(abs(sim.filledQuantity - o.real.filledQuantity) / o.real.filledQuantity)
                }
            }
        }
    }

    private static func count(_ x: ShadowOutcome, _ o: ShadowOrder, into s: inout Outcomes) {
        s.orders += 1
        let isLimit: Bool
        if case .limit = o.kind { isLimit = true } else { isLimit = false }
        if isLimit { s.limits += 1 }
        guard x.didFill else { return }
        s.filled += 1
        if isLimit { s.limitsFilled += 1 }
        s.filledQuantity += x.filledQuantity
        s.makerQuantity += x.makerQuantity
        s.fees += x.fees
        if let b = x.slippageBps(side: o.side, decisionPrice: o.decisionPrice) { s.slippageBps.append(b) }
    }

    /// The settings nearest the exchange first: most orders agreeing on whether they filled,
    /// then the smallest mean price difference, then the smallest mean time difference.
    public var ranking: [Match] {
        matches.sorted { a, b in
            if a.agreeing != b.agreeing { return a.agreeing > b.agreeing }
            let pa = a.meanAbsPriceDiffBps ?? .infinity, pb = b.meanAbsPriceDiffBps ?? .infinity
            if pa != pb { return pa < pb }
            return (a.meanAbsTimeDiffMs ?? .infinity) < (b.meanAbsTimeDiffMs ?? .infinity)
        }
    }

    /// Linear-interpolated percentile (q in 0...1) of `values`; nil when empty.
    public static func percentile(_ values: [Double], _ q: Double) -> Double? { Percentile.of(sorted: values.sorted(), q) }

    // MARK: Text

    public var text: String {
        guard settled > 0 else {
            return "no settled shadow orders yet" + (unsettled > 0 ? " (\(unsettled) still working or cut off by a stop)" : "")
                + ": run `novapulse live --mode shadow` until orders have filled or ended"
        }
        var lines: [String] = []
        let span = firstDecisionMs.map { UTCTime.iso($0) } ?? "", end = lastDecisionMs.map { UTCTime.iso($0) } ?? ""
        lines.append("shadow fills: \(settled) orders compared (\(span) .. \(end))"
                     + (unsettled > 0 ? "; \(unsettled) not settled (still working, or the session stopped first)" : ""))
        guard let primary = matches.first else { return lines.joined(separator: "\n") }
        lines.append("")
        lines.append(pad("", 28) + pad("exchange", 18) + "simulator (\(primary.candidate.label))")
        func row(_ name: String, _ r: String, _ s: String) { lines.append(pad(name, 28) + pad(r, 18) + s) }
        let sim = primary.outcomes
        row("orders filled", "\(real.filled) of \(real.orders)", "\(sim.filled) of \(sim.orders)")
        row("limit orders filled", "\(real.limitsFilled) of \(real.limits)", "\(sim.limitsFilled) of \(sim.limits)")
        row("maker share of quantity", pct(real.makerShare), pct(sim.makerShare))
        row("fees (quote)", String(format: "%.2f", real.fees), String(format: "%.2f", sim.fees))
        row("slippage bps p5/p50/p95", spread(real.slippageBps), spread(sim.slippageBps))
        lines.append("")
        lines.append("simulator against the exchange, \(primary.priceDiffBps.count) orders both filled:")
        lines.append("  fill agreement (both filled or neither): \(primary.agreeing) of \(primary.outcomes.orders) (\(pct(primary.agreement)))")
        lines.append("  price difference, bps (+: simulator better for us) p5/p50/p95: \(spread(primary.priceDiffBps))"
                     + (primary.meanAbsPriceDiffBps.map { String(format: ", mean |d| %.2f", $0) } ?? ""))
        lines.append("  time to first fill, s (+: exchange later) p5/p50/p95: \(spread(primary.timeDiffMs.map { $0 / 1000 }))")
        lines.append("  quantity difference p50/p95: \(spread(primary.quantityDiff, percent: true))")
        lines.append("")
        lines.append("settings nearest the exchange (candle fill model):")
        lines.append("  " + pad("setting", 38) + pad("agreement", 12) + pad("mean |price d| bps", 20) + "mean |time d| s")
        for m in ranking {
            lines.append("  " + pad(m.candidate.label + (m.candidate == primary.candidate ? " *" : ""), 38) + pad(pct(m.agreement), 12)
                         + pad(m.meanAbsPriceDiffBps.map { String(format: "%.2f", $0) } ?? "n/a", 20)
                         + (m.meanAbsTimeDiffMs.map { String(format: "%.1f", $0 / 1000) } ?? "n/a"))
        }
        lines.append("  (* the configured simulator; set simulator.latency_ms and simulator.participation to the first line's values)")
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    private func pct(_ v: Double?) -> String { v.map { String(format: "%.0f%%", $0 * 100) } ?? "n/a" }
    private func spread(_ v: [Double], percent: Bool = false) -> String {
        guard !v.isEmpty else { return "n/a" }
        let f = { (x: Double) in percent ? String(format: "%.1f%%", x * 100) : String(format: "%.2f", x) }
        let s = v.sorted()
        return (percent ? [0.5, 0.95] : [0.05, 0.5, 0.95]).compactMap { Percentile.of(sorted: s, $0) }.map(f).joined(separator: "/")
    }

    // MARK: JSON

    public var json: [String: Any] {
        func outcomes(_ o: Outcomes) -> [String: Any] {
            ["orders": o.orders, "filled": o.filled, "limits": o.limits, "limits_filled": o.limitsFilled, "fees": o.fees,
             "maker_share": o.makerShare as Any, "slippage_bps": quantiles(o.slippageBps)]
        }
        func quantiles(_ v: [Double]) -> [String: Any] {
            let s = v.sorted()
            return ["p5": Percentile.of(sorted: s, 0.05) as Any, "p50": Percentile.of(sorted: s, 0.5) as Any,
                    "p95": Percentile.of(sorted: s, 0.95) as Any, "n": v.count]
        }
        return [
            "settled": settled, "unsettled": unsettled, "exchange": outcomes(real),
            "simulators": matches.map { m in
                ["latency_ms": m.candidate.latencyMs, "participation": m.candidate.participation, "configured": m.candidate == matches.first?.candidate,
                 "outcomes": outcomes(m.outcomes), "agreement": m.agreement, "price_diff_bps": quantiles(m.priceDiffBps),
                 "mean_abs_price_diff_bps": m.meanAbsPriceDiffBps as Any, "time_diff_ms": quantiles(m.timeDiffMs),
                 "mean_abs_time_diff_ms": m.meanAbsTimeDiffMs as Any] as [String: Any]
            },
            "best": ranking.first.map { ["latency_ms": $0.candidate.latencyMs, "participation": $0.candidate.participation] as [String: Any] } as Any,
        ]
    }
}

extension ShadowReport {
    /// A `detail` that does not decode (written by another version, or edited by hand).
    public struct BadRow: Error, CustomStringConvertible {
        public var clientOrderID: String
        public var why: String
        public var description: String { "shadow_fills row \(clientOrderID): its detail does not decode (\(why))" }
    }

    /// The report of a ledger's `shadow_fills` rows: settled rows compared, the rest counted.
    public init(rows: [LiveLedger.ShadowFillRow]) throws {
        let decoder = JSONDecoder()
        var orders: [ShadowOrder] = []
        var unsettled = 0
        for r in rows {
            guard r.settled else { unsettled += 1; continue }
            do { orders.append(try decoder.decode(ShadowOrder.self, from: Data(r.detail.utf8))) } catch {
                throw BadRow(clientOrderID: r.clientOrderID, why: "\(error)")
            }
        }
        self.init(orders: orders, unsettled: unsettled)
    }
}
