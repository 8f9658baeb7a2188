import Foundation
import NovaCore

/// The run report: one self-contained HTML file (inline CSS and SVG, no scripts, no network)
/// with the summary, price with entries and exits, equity against buy-and-hold, drawdown, the
/// trade list, the notes, the config and the data fingerprints.
public struct HTMLReport {
    public let a: RunArtifacts
    /// The currency money cells are in: the quote of every pair, or the quotes joined ("USD+USDT")
    /// when they differ.
    /// Found once: derived per money cell it was quadratic in trades (37 % of a 20,000-trade
    /// run's whole time).
    let quoteCurrency: String
    /// What rendering scanned, for the test that a report's work grows linearly in trades.
    let work = Work()

    final class Work: @unchecked Sendable {
        var quoteDerivations = 0
        var rowsScannedForQuote = 0
    }

    /// Several quote currencies: each one's realised P&L (the account counts them 1:1).
    let pnlByQuote: [(currency: String, pnl: Double)]

    public init(_ artifacts: RunArtifacts) {
        a = artifacts
        var quotes = Set<String>()
        for p in artifacts.prices { quotes.insert(p.pair.quote) }
        for t in artifacts.trades { quotes.insert(t.pair.quote) }
        quoteCurrency = quotes.count == 1 ? quotes.first! : quotes.sorted().joined(separator: "+")
        pnlByQuote = quotes.count > 1 ? Self.realisedByQuote(artifacts.trades) : []
        work.quoteDerivations += 1
        work.rowsScannedForQuote += artifacts.prices.count + artifacts.trades.count
    }

    var metrics: RunMetrics { a.metrics }
    /// Every read is counted as a pass over the trades (WorkCount): a read per trade is quadratic.
    var trades: [Trade] { WorkCount.add(a.trades.count); return a.trades }
    var equityTimestampMs: [Int64] { a.equityTimestampMs }
    var equity: [Double] { a.equity }
    var prices: [RunArtifacts.PriceSeries] { a.prices }

    /// Sections every report has, in order (a test checks each is present).
    public static let sectionIDs = ["summary", "price", "equity", "drawdown", "monthly", "distribution", "attribution",
                                    "execution", "metrics", "trades", "signals", "notes", "config"]

    public func render() -> String {
        let m = metrics
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>NovaPulse run \(esc(a.runID))</title>
        <style>
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
        header{background:#14213d;color:#fff;padding:18px 32px}
        header h1{margin:0;font-size:22px} header p{margin:4px 0 0;color:#c9d1e3;font-size:13px}
        main{padding:20px 32px;max-width:1200px}
        section{background:#fff;border-radius:8px;padding:16px 20px;margin-bottom:18px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
        h2{font-size:16px;margin:0 0 12px} h3{font-size:13px;margin:12px 0 6px;color:#5b6478}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
        .card{background:#f7f8fb;border-radius:6px;padding:10px 12px}
        .card .k{font-size:11px;color:#5b6478;text-transform:uppercase;letter-spacing:.04em}
        .card .v{font-size:19px;font-weight:600;margin-top:2px}
        .pos{color:#0a7d3e} .neg{color:#b42318} .muted{color:#5b6478;font-size:12px}
        table{border-collapse:collapse;width:100%;font-size:12px}
        th,td{padding:4px 6px;border-bottom:1px solid #eceef3;text-align:right;white-space:nowrap}
        th{background:#f7f8fb;position:sticky;top:0} td.l,th.l{text-align:left}
        .grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
        .scroll{max-height:420px;overflow:auto}
        pre{background:#f7f8fb;padding:10px;font-size:12px;overflow:auto;max-height:300px}
        svg{width:100%;height:auto;display:block} .legend{font-size:12px;color:#5b6478;margin-top:4px}
        .sw{display:inline-block;width:12px;height:3px;vertical-align:middle;margin:0 4px 0 12px}
        td.heat{text-align:center;font-weight:600;min-width:44px}
        </style></head><body>
        <header><h1>\(esc(a.title))</h1>
        <p>Run \(esc(a.runID)) · \(esc(m.startTime)) to \(esc(m.endTime)) · \(m.bars) bars</p></header>
        <main>
        """
        html += haltBanner()
        if let w = SampleSize.warning(trades: m.trades, bars: m.bars) {
            html += "<section id=\"sample\" style=\"background:#fff7e6;border-left:4px solid #b26b00\"><p>\(esc(w.prefix(1).uppercased() + w.dropFirst())).</p></section>"
        }
        html += """
        <section id="summary"><h2>Summary</h2><div class="cards">
        """
        func card(_ k: String, _ v: String, _ sign: Double? = nil) {
            let cls = sign.map { $0 > 0 ? " pos" : ($0 < 0 ? " neg" : "") } ?? ""
            html += "<div class=\"card\"><div class=\"k\">\(esc(k))</div><div class=\"v\(cls)\">\(esc(v))</div></div>"
        }
        card("Net P&L", money(m.netPnl), m.netPnl)
        if !pnlByQuote.isEmpty {
            // Pairs of several quotes: money per currency (the one cash balance counts them 1:1).
            card("Realised P&L per currency", pnlByQuote.map { String(format: "%@ %@%.2f", $0.currency, $0.pnl < 0 ? "-" : "", abs($0.pnl)) }
                    .joined(separator: ", ") + " (counted 1:1)")
        }
        card("Return", pct(m.totalReturnPct), m.totalReturnPct)
        card("Buy & hold", pct(m.buyAndHoldReturnPct), m.buyAndHoldReturnPct)
        card("Final equity", money(m.finalEquity))
        card("Trades", "\(m.trades)" + (m.openTrades > 0 ? " +\(m.openTrades) open" : ""))
        card("Win rate", m.trades == 0 ? "n/a" : pct(m.winRate * 100))
        card("Max drawdown", pct(-m.maxDrawdownPct), -m.maxDrawdownPct)
        card("Sharpe", fixed(m.sharpe))
        card("Sortino", fixed(m.sortino))
        card("CAGR", pct(m.cagrPct), m.cagrPct)
        card("Profit factor", m.profitFactor.map(fixed) ?? "n/a")
        card("Fees paid", money(m.feesPaid))
        card("Exposure", pct(m.exposurePct))
        card("Avg holding", duration(m.averageHoldingSeconds))
        html += "</div></section>\n"

        if prices.isEmpty {
            html += "<section id=\"price\"><h2>Price</h2><p class=\"muted\">The market data of this run is no longer in the catalog "
                + "(or has changed since), so the price chart is left out.</p></section>\n"
        }
        for series in prices {
            html += "<section id=\"price\"><h2>Price: \(esc(series.pair.description))</h2>"
            html += priceChart(series)
            html += "<div class=\"legend\"><span class=\"sw\" style=\"background:#14213d\"></span>close"
            html += "<span class=\"sw\" style=\"background:#0a7d3e\"></span>entry ▲<span class=\"sw\" style=\"background:#b42318\"></span>exit ▼"
            html += "<span class=\"sw\" style=\"background:#e0a100\"></span>stop-loss</div></section>\n"
        }
        html += "<section id=\"equity\"><h2>Equity</h2>" + equityChart()
        html += "<div class=\"legend\"><span class=\"sw\" style=\"background:#2557d6\"></span>strategy"
        html += "<span class=\"sw\" style=\"background:#9aa3b5\"></span>buy and hold (same cash)</div></section>\n"
        html += "<section id=\"drawdown\"><h2>Drawdown</h2>" + drawdownChart()
        html += "<p class=\"muted\">Deepest \(pct(-m.maxDrawdownPct)) (\(money(-m.maxDrawdown))); longest \(duration(m.maxDrawdownDurationSeconds)) "
            + (longestDrawdownUnrecovered ? "from a peak, not recovered by the end of the data.</p></section>\n" : "from a peak back to it.</p></section>\n")
        html += "<section id=\"monthly\"><h2>Monthly returns</h2>" + monthlyHeatmap() + "</section>\n"
        html += "<section id=\"distribution\"><h2>Trade P&L distribution</h2>" + pnlHistogram() + "</section>\n"
        html += "<section id=\"attribution\"><h2>Attribution</h2><div class=\"grid2\"><div><h3>By strategy</h3>"
            + breakdownTable(m.byStrategy, label: "strategy") + "<h3>By exit reason</h3>" + breakdownTable(m.byExitReason, label: "exit reason")
            + "<h3>By market regime at entry</h3>" + breakdownTable(m.byRegime, label: "trend / volatility")
            + (m.byVotingStrategy.isEmpty ? "" : "<h3>By contributing strategy (trades each voted for; wins = it was right)</h3>"
                + breakdownTable(m.byVotingStrategy, label: "strategy"))
            + "</div><div><h3>By entry hour (UTC)</h3>" + hourChart() + "<h3>By exit month</h3>" + breakdownTable(m.byExitMonth, label: "month")
            + "</div></div></section>\n"
        html += "<section id=\"execution\"><h2>Execution quality</h2>" + executionTable() + "</section>\n"
        html += "<section id=\"metrics\"><h2>All metrics</h2>" + metricsTable() + "</section>\n"

        html += "<section id=\"trades\"><h2>Trades (\(trades.count))</h2><div class=\"scroll\"><table><tr>"
        for h in ["#", "pair", "side", "entry time", "entry", "exit time", "exit", "qty", "P&L", "P&L %", "fees", "exit reason"] {
            html += "<th\(h == "pair" || h == "side" || h.hasSuffix("time") || h == "exit reason" ? " class=\"l\"" : "")>\(esc(h))</th>"
        }
        html += "</tr>"
        let shown = trades.prefix(1000)
        for (i, t) in shown.enumerated() {
            let pnl = t.pnl
            html += "<tr><td>\(i + 1)</td><td class=\"l\">\(esc(t.pair.description))</td><td class=\"l\">\(t.side == .buy ? "long" : "short")</td>"
            html += "<td class=\"l\">\(esc(UTCTime.iso(t.entryTimeMs)))</td><td>\(price(t.entryPrice))</td>"
            html += "<td class=\"l\">\(esc(t.exitTimeMs.map(UTCTime.iso) ?? "open"))</td><td>\(t.exitPrice.map(price) ?? "")</td>"
            html += "<td>\(String(format: "%.6f", t.quantity))</td>"
            html += "<td class=\"\(pnl.map { $0 > 0 ? "pos" : "neg" } ?? "")\">\(pnl.map { money($0, t.pair.quote) } ?? "")</td>"
            html += "<td>\(t.pnlPct.map { pct($0 * 100) } ?? "")</td><td>\(money(t.fees, t.pair.quote))</td>"
            html += "<td class=\"l\">\(esc(t.isOpen ? "" : (t.exitReason ?? "")))</td></tr>"
        }
        html += "</table></div>"
        if trades.count > shown.count { html += "<p class=\"muted\">First \(shown.count) of \(trades.count) trades; trades.csv has them all.</p>" }
        html += "</section>\n"

        html += "<section id=\"signals\"><h2>Signals</h2>" + signalSummary() + "</section>\n"
        html += "<section id=\"notes\"><h2>Notes</h2>"
        if a.notes.isEmpty { html += "<p class=\"muted\">None.</p>" } else {
            let limit = NoteGroups.reportLimit
            html += "<ul>" + a.notes.prefix(limit).map { "<li>\(esc($0))</li>" }.joined() + "</ul>"
            if a.notes.count > limit {
                html += "<p class=\"muted\">\(a.notes.count - limit) more notes: <code>novapulse runs show \(esc(a.runID)) --json</code> lists them all.</p>"
            }
        }
        html += "</section>\n"
        html += "<section id=\"config\"><h2>Configuration and data</h2><table>"
        html += "<tr><td class=\"l\">run id</td><td class=\"l\"><code>\(esc(a.runID))</code></td></tr>"
        for (pair, fp) in a.fingerprints.sorted(by: { $0.key < $1.key }) {
            html += "<tr><td class=\"l\">data fingerprint \(esc(pair)) (SHA-256)</td><td class=\"l\"><code>\(esc(fp))</code></td></tr>"
        }
        html += "</table><pre>\(esc(prettyJSON(a.configJSON)))</pre></section>\n"
        html += "</main></body></html>\n"
        return html
    }

    // MARK: Tables

    func breakdownTable(_ rows: [BreakdownRow], label: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">No closed trades.</p>" }
        var t = "<table><tr><th class=\"l\">\(esc(label))</th><th>trades</th><th>win rate</th><th>P&L</th><th>fees</th></tr>"
        for r in rows {
            t += "<tr><td class=\"l\">\(esc(r.key))</td><td>\(r.trades)</td><td>\(pct(r.winRate * 100))</td>"
                + "<td class=\"\(r.pnl > 0 ? "pos" : "neg")\">\(money(r.pnl))</td><td>\(money(r.fees))</td></tr>"
        }
        return t + "</table>"
    }

    func metricsTable() -> String {
        let m = metrics, b = m.buyAndHold
        let rows: [(String, String, String)] = [
            ("Total return", pct(m.totalReturnPct), pct(b.totalReturnPct)),
            ("CAGR", pct(m.cagrPct), pct(b.cagrPct)),
            ("Volatility (annual)", pct(m.volatilityPct), pct(b.volatilityPct)),
            ("Sharpe", fixed(m.sharpe), fixed(b.sharpe)),
            ("Sortino", fixed(m.sortino), fixed(b.sortino)),
            ("Calmar", m.calmar.map(fixed) ?? "n/a", b.calmar.map(fixed) ?? "n/a"),
            ("Max drawdown", pct(-m.maxDrawdownPct), pct(-b.maxDrawdownPct)),
            ("Max drawdown (amount)", money(-m.maxDrawdown), money(-b.maxDrawdown)),
            ("Longest drawdown", duration(m.maxDrawdownDurationSeconds), duration(b.maxDrawdownDurationSeconds)),
            ("Closed trades", "\(m.trades)", ""), ("Open trades", "\(m.openTrades)", ""),
            ("Win rate", m.trades == 0 ? "n/a" : pct(m.winRate * 100), ""), ("Average win", money(m.averageWin), ""), ("Average loss", money(m.averageLoss), ""),
            ("Largest win", money(m.largestWin), ""), ("Largest loss", money(m.largestLoss), ""),
            ("Profit factor", m.profitFactor.map(fixed) ?? "n/a", ""), ("Expectancy per trade", money(m.expectancy), ""),
            ("SQN", m.sqn.map(fixed) ?? "n/a", ""), ("Exposure", pct(m.exposurePct), "100.00%"),
            ("Turnover", String(format: "%.1fx", m.turnover), ""), ("Trades per day", String(format: "%.2f", m.tradesPerDay), ""),
            ("Average holding", duration(m.averageHoldingSeconds), ""), ("Fees paid", money(m.feesPaid), ""),
            ("Realised P&L", money(m.realisedPnl), ""), ("Unrealised P&L", money(m.unrealisedPnl), ""),
            ("Initial cash", money(m.initialCash), money(m.initialCash)), ("Final equity", money(m.finalEquity), ""),
        ]
        var t = "<table><tr><th class=\"l\">metric</th><th>strategy</th><th>buy and hold</th></tr>"
        for (k, v, bh) in rows { t += "<tr><td class=\"l\">\(esc(k))</td><td>\(esc(v))</td><td>\(esc(bh))</td></tr>" }
        return t + "</table><p class=\"muted\">Definitions: docs/metrics.md. Returns per bar, annualised with 365 days.</p>"
    }

    func executionTable() -> String {
        let entries = trades.compactMap(\.entrySlippageBps)
        let exits = trades.compactMap(\.exitSlippageBps)
        guard !entries.isEmpty else { return "<p class=\"muted\">No fills.</p>" }
        func stats(_ v: [Double]) -> (String, String, String) {
            guard !v.isEmpty else { return ("", "", "") }
            let sorted = v.sorted()
            return (String(format: "%.2f", v.reduce(0, +) / Double(v.count)), String(format: "%.2f", sorted[sorted.count / 2]),
                    String(format: "%.2f", sorted.last!))
        }
        let feeBps = trades.map { $0.fees / ($0.entryPrice * $0.quantity) * 10_000 }
        var t = "<table><tr><th class=\"l\">bps against the decision price (positive is worse)</th><th>mean</th><th>median</th><th>worst</th><th>fills</th></tr>"
        for (name, v) in [("entry slippage", entries), ("exit slippage", exits), ("fees per round trip", feeBps)] {
            let (mean, median, worst) = stats(v)
            t += "<tr><td class=\"l\">\(name)</td><td>\(mean)</td><td>\(median)</td><td>\(worst)</td><td>\(v.count)</td></tr>"
        }
        t += "</table>"
        if let x = a.execution {
            func f(_ v: Double?, _ unit: String) -> String { v.map { String(format: "%.2f", $0) + unit } ?? "-" }
            let faults = x.simulator.faultsInjected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let rejects = x.simulator.rejects.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let rows: [(String, String)] = [
                ("fill model", x.fillModel + (x.fillModel == "book" ? " (\(x.simulator.barsMatchedOnBook) bars on \(x.simulator.bookUpdates) snapshots, \(x.simulator.barsMatchedOnCandles) on candles)" : "")),
                ("order latency", "\(x.latencyMs) ms (mean decision to first fill \(f(x.meanLatencyMs.map { $0 / 1000 }, " s")))"),
                ("mean spread at decision", f(x.meanSpreadBps, " bps")),
                ("expected slippage (book at decision)", f(x.meanExpectedSlippageBps, " bps")),
                ("realised minus expected", f(x.meanSlippageSurpriseBps, " bps")),
                ("mean R multiple (closed trades)", f(x.meanRMultiple, " R")),
                ("orders / fills / partial fills", "\(x.simulator.ordersReceived) / \(x.simulator.fills) / \(x.simulator.partialFills)"),
                ("entries filled in part", "\(x.partialFillTrades)"),
                ("faults (\(x.faults))", faults.isEmpty ? "none" : faults),
                ("venue rejects", rejects.isEmpty ? "none" : rejects),
            ]
            t += "<table><tr><th class=\"l\">execution</th><th class=\"l\">value</th></tr>"
            for (k, v) in rows { t += "<tr><td class=\"l\">\(esc(k))</td><td class=\"l\">\(esc(v))</td></tr>" }
            t += "</table>"
        }
        return t + "<p class=\"muted\">Decision price: the close of the bar a signal was decided on; the stop or target "
            + "price for protective exits. Fill models: docs/venues.md.</p>"
    }

    func signalSummary() -> String {
        let m = a.signalSummary
        var html = "<p>\(m.count) signals, \(m.acted) acted upon, \(m.count - m.acted) not. <code>novapulse runs export \(a.runID) --signals</code> writes signals.csv, a row for each.</p>"
        // Grouped by the gate: the reason up to its first number ("confidence 0.47 < 0.55" -> "confidence").
        if !m.refusedByGate.isEmpty {
            html += "<table><tr><th class=\"l\">why not acted upon</th><th>signals</th></tr>"
            for (r, n) in m.refusedByGate.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) { html += "<tr><td class=\"l\">\(esc(r))</td><td>\(n)</td></tr>" }
            html += "</table>"
        }
        return html
    }

    /// A refusal's gate, for grouping: its text before the first number, without the trailing
    /// punctuation ("sizing: Kelly fraction -0.45 <= 0" -> "sizing: Kelly fraction",
    /// "pair_cooldown: 120 s since ..." -> "pair_cooldown"). On bytes: a year of signals is
    /// hundreds of thousands of these.
    static func gate(of reason: String) -> String {
        let u = Array(reason.utf8)
        var end = u.firstIndex { $0 >= 48 && $0 <= 57 } ?? u.count
        // Drop what leads into the number: spaces, signs, colons, brackets, "<=".
        while end > 0, [32, 45, 43, 58, 40, 60, 62, 61, 46, 44].contains(u[end - 1]) { end -= 1 }
        var start = 0
        while start < end, u[start] == 32 { start += 1 }
        return end > start ? String(decoding: u[start..<end], as: UTF8.self) : reason
    }

    /// Whether the longest drawdown is the one still open when the data ends (then it never
    /// came "back to" its peak, and the report must not say it did).
    var longestDrawdownUnrecovered: Bool {
        guard let last = equity.last, let lastMs = equityTimestampMs.last else { return false }
        var peak = -Double.infinity, peakMs: Int64 = 0
        for (t, e) in zip(equityTimestampMs, equity) where e >= peak { peak = e; peakMs = t }
        guard last < peak else { return false }
        return Double(lastMs - peakMs) / 1000 >= metrics.maxDrawdownDurationSeconds - 60
    }

    /// A banner at the top when trading was halted: when, by what, how many entries refused.
    func haltBanner() -> String {
        guard !a.halts.isEmpty else { return "" }
        var h = "<section id=\"halts\" style=\"background:#fdecea;border-left:4px solid #b42318\"><h2>Trading was halted</h2><ul>"
        for x in a.halts { h += "<li>" + esc(RunHalts.describe(x)) + "</li>" }
        return h + "</ul><p class=\"muted\">The shaded spans on the charts. Entries refused by the edge gates are "
            + "paper-tracked (shadow trades) so the estimates can recover; docs/risk.md.</p></section>"
    }

    // Chart geometry (HTMLReport+Charts.swift).
    let width = 1100.0, height = 260.0, padL = 70.0, padR = 12.0, padT = 10.0, padB = 24.0

    // MARK: Formatting

    func esc(_ s: String) -> String { HTML.escape(s) }

    /// Money in the run's quote currency ("-195.99 USD"); "USD+USDT" when pairs of several quotes mix.
    func money(_ v: Double) -> String { money(v, quoteCurrency) }
    /// Money in a given currency (a trade's own quote).
    func money(_ v: Double, _ currency: String) -> String { WorkCount.add(); return String(format: "%@%.2f", v < 0 ? "-" : "", abs(v)) + " " + currency }

    /// Realised P&L of closed trades per quote currency, in currency order.
    public static func realisedByQuote(_ trades: [Trade]) -> [(currency: String, pnl: Double)] {
        var by: [String: Double] = [:]
        for t in trades where !t.isOpen { by[t.pair.quote, default: 0] += t.pnl ?? 0 }
        for t in trades where t.isOpen && by[t.pair.quote] == nil { by[t.pair.quote] = 0 }
        return by.keys.sorted().map { ($0, by[$0]!) }
    }
    func fixed(_ v: Double) -> String { String(format: "%.2f", v) }
    func duration(_ seconds: Double) -> String {
        if seconds >= 86_400 { return String(format: "%.1f days", seconds / 86_400) }
        if seconds >= 3600 { return String(format: "%.1f hours", seconds / 3600) }
        return String(format: "%.0f min", seconds / 60)
    }
    func pct(_ v: Double) -> String { WorkCount.add(); return String(format: "%.2f%%", v) }
    func price(_ v: Double) -> String { String(format: "%.2f", v) }

    func prettyJSON(_ json: String) -> String {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]) else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
