import Foundation
import NovaCore

/// The run report: one self-contained HTML file (inline CSS and SVG, no scripts, no network)
/// with the summary, price with entries and exits, equity against buy-and-hold, drawdown, the
/// trade list, the notes, the config and the data fingerprints.
public struct HTMLReport {
    public struct PriceSeries {
        public var pair: Pair
        public var timestampMs: [Int64]
        public var close: [Double]
        public init(pair: Pair, timestampMs: [Int64], close: [Double]) {
            self.pair = pair
            self.timestampMs = timestampMs
            self.close = close
        }
    }

    public var runID: String
    public var title: String
    public var metrics: RunMetrics
    public var trades: [Trade]
    public var equityTimestampMs: [Int64]
    public var equity: [Double]
    public var prices: [PriceSeries]
    public var notes: [String]
    public var configJSON: String
    public var fingerprints: [String: String]

    public init(runID: String, title: String, metrics: RunMetrics, trades: [Trade], equityTimestampMs: [Int64], equity: [Double],
                prices: [PriceSeries], notes: [String], configJSON: String, fingerprints: [String: String]) {
        self.runID = runID; self.title = title; self.metrics = metrics; self.trades = trades
        self.equityTimestampMs = equityTimestampMs; self.equity = equity; self.prices = prices
        self.notes = notes; self.configJSON = configJSON; self.fingerprints = fingerprints
    }

    /// Sections every report has, in order (a test checks each is present).
    public static let sectionIDs = ["summary", "price", "equity", "drawdown", "trades", "notes", "config"]

    public func render() -> String {
        let m = metrics
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>NovaPulse run \(esc(runID))</title>
        <style>
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
        header{background:#14213d;color:#fff;padding:18px 32px}
        header h1{margin:0;font-size:22px} header p{margin:4px 0 0;color:#c9d1e3;font-size:13px}
        main{padding:20px 32px;max-width:1200px}
        section{background:#fff;border-radius:8px;padding:16px 20px;margin-bottom:18px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
        h2{font-size:16px;margin:0 0 12px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
        .card{background:#f7f8fb;border-radius:6px;padding:10px 12px}
        .card .k{font-size:11px;color:#5b6478;text-transform:uppercase;letter-spacing:.04em}
        .card .v{font-size:19px;font-weight:600;margin-top:2px}
        .pos{color:#0a7d3e} .neg{color:#b42318}
        table{border-collapse:collapse;width:100%;font-size:12px}
        th,td{padding:4px 6px;border-bottom:1px solid #eceef3;text-align:right;white-space:nowrap}
        th{background:#f7f8fb;position:sticky;top:0} td.l,th.l{text-align:left}
        .scroll{max-height:420px;overflow:auto}
        pre{background:#f7f8fb;padding:10px;font-size:12px;overflow:auto;max-height:300px}
        svg{width:100%;height:auto;display:block} .legend{font-size:12px;color:#5b6478;margin-top:4px}
        .sw{display:inline-block;width:12px;height:3px;vertical-align:middle;margin:0 4px 0 12px}
        </style></head><body>
        <header><h1>\(esc(title))</h1>
        <p>Run \(esc(runID)) · \(esc(m.startTime)) to \(esc(m.endTime)) · \(m.bars) bars</p></header>
        <main>
        <section id="summary"><h2>Summary</h2><div class="cards">
        """
        func card(_ k: String, _ v: String, _ sign: Double? = nil) {
            let cls = sign.map { $0 > 0 ? " pos" : ($0 < 0 ? " neg" : "") } ?? ""
            html += "<div class=\"card\"><div class=\"k\">\(esc(k))</div><div class=\"v\(cls)\">\(esc(v))</div></div>"
        }
        card("Net P&L", money(m.netPnl), m.netPnl)
        card("Return", pct(m.totalReturnPct), m.totalReturnPct)
        card("Buy & hold", pct(m.buyAndHoldReturnPct), m.buyAndHoldReturnPct)
        card("Final equity", money(m.finalEquity))
        card("Trades", "\(m.trades)" + (m.openTrades > 0 ? " (+\(m.openTrades) open)" : ""))
        card("Win rate", pct(m.winRate * 100))
        card("Max drawdown", pct(-m.maxDrawdownPct), -m.maxDrawdownPct)
        card("Sharpe", String(format: "%.2f", m.sharpe))
        card("Sortino", String(format: "%.2f", m.sortino))
        card("Profit factor", m.profitFactor.map { String(format: "%.2f", $0) } ?? "n/a")
        card("Fees paid", money(m.feesPaid))
        card("Exposure", pct(m.exposurePct))
        html += "</div></section>\n"

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
        html += "<section id=\"drawdown\"><h2>Drawdown</h2>" + drawdownChart() + "</section>\n"

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
            html += "<td class=\"\(pnl.map { $0 > 0 ? "pos" : "neg" } ?? "")\">\(pnl.map(money) ?? "")</td>"
            html += "<td>\(t.pnlPct.map { pct($0 * 100) } ?? "")</td><td>\(money(t.fees))</td>"
            html += "<td class=\"l\">\(esc(t.isOpen ? "" : (t.exitReason ?? "")))</td></tr>"
        }
        html += "</table></div>"
        if trades.count > shown.count { html += "<p>First \(shown.count) of \(trades.count) trades; trades.csv has them all.</p>" }
        html += "</section>\n"

        html += "<section id=\"notes\"><h2>Notes</h2>"
        if notes.isEmpty { html += "<p>None.</p>" } else {
            html += "<ul>" + notes.prefix(200).map { "<li>\(esc($0))</li>" }.joined() + "</ul>"
            if notes.count > 200 { html += "<p>\(notes.count - 200) more notes not shown.</p>" }
        }
        html += "</section>\n"
        html += "<section id=\"config\"><h2>Configuration and data</h2><table>"
        for (pair, fp) in fingerprints.sorted(by: { $0.key < $1.key }) {
            html += "<tr><td class=\"l\">data fingerprint \(esc(pair)) (SHA-256)</td><td class=\"l\"><code>\(esc(fp))</code></td></tr>"
        }
        html += "</table><pre>\(esc(prettyJSON(configJSON)))</pre></section>\n"
        html += "</main></body></html>\n"
        return html
    }

    // MARK: Charts (SVG, downsampled to at most ~1600 columns, keeping each column's min and max)

    private let width = 1100.0, height = 260.0, padL = 70.0, padR = 12.0, padT = 10.0, padB = 24.0

    private func scaleX(_ t: Int64, _ t0: Int64, _ t1: Int64) -> Double {
        padL + (t1 == t0 ? 0 : Double(t - t0) / Double(t1 - t0)) * (width - padL - padR)
    }

    private func scaleY(_ v: Double, _ lo: Double, _ hi: Double) -> Double {
        padT + (hi == lo ? 0.5 : (hi - v) / (hi - lo)) * (height - padT - padB)
    }

    private func polyline(_ ts: [Int64], _ values: [Double], lo: Double, hi: Double, t0: Int64, t1: Int64, color: String, widthPx: Double = 1.3) -> String {
        guard !ts.isEmpty else { return "" }
        let columns = 1600
        var points = ""
        if ts.count <= columns * 2 {
            for i in ts.indices { points += String(format: "%.1f,%.1f ", scaleX(ts[i], t0, t1), scaleY(values[i], lo, hi)) }
        } else {
            let per = Double(ts.count) / Double(columns)
            for c in 0..<columns {
                let a = Int(Double(c) * per), b = min(ts.count, Int(Double(c + 1) * per))
                guard a < b else { continue }
                var mn = a, mx = a
                for i in a..<b { if values[i] < values[mn] { mn = i }; if values[i] > values[mx] { mx = i } }
                for i in (mn < mx ? [mn, mx] : [mx, mn]) { points += String(format: "%.1f,%.1f ", scaleX(ts[i], t0, t1), scaleY(values[i], lo, hi)) }
            }
        }
        return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(widthPx)\" points=\"\(points)\"/>"
    }

    private func axes(lo: Double, hi: Double, t0: Int64, t1: Int64, format: (Double) -> String) -> String {
        var s = ""
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            let y = scaleY(v, lo, hi)
            s += String(format: "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eceef3\"/>", padL, width - padR, y, y)
            s += String(format: "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6478\">", padL - 6, y + 4) + esc(format(v)) + "</text>"
        }
        for k in 0...4 {
            let t = t0 + (t1 - t0) * Int64(k) / 4
            let x = scaleX(t, t0, t1)
            let anchor = k == 0 ? "start" : (k == 4 ? "end" : "middle")
            s += String(format: "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"\(anchor)\" fill=\"#5b6478\">", x, height - 6)
                + esc(String(UTCTime.iso(t).prefix(16)).replacingOccurrences(of: "T", with: " ")) + "</text>"
        }
        return s
    }

    private func svg(_ body: String) -> String {
        "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\(body)</svg>"
    }

    private func priceChart(_ p: PriceSeries) -> String {
        guard let t0 = p.timestampMs.first, let t1 = p.timestampMs.last else { return "<p>No data.</p>" }
        let pairTrades = trades.filter { $0.pair == p.pair }
        var lo = p.close.min()!, hi = p.close.max()!
        for t in pairTrades { lo = min(lo, t.entryPrice, t.exitPrice ?? lo); hi = max(hi, t.entryPrice, t.exitPrice ?? hi) }
        let margin = (hi - lo) * 0.04
        lo -= margin; hi += margin
        var body = axes(lo: lo, hi: hi, t0: t0, t1: t1, format: { String(format: "%.0f", $0) })
        body += polyline(p.timestampMs, p.close, lo: lo, hi: hi, t0: t0, t1: t1, color: "#14213d", widthPx: 1)
        // Markers shrink as trades crowd the chart, so the price line stays readable.
        let m = pairTrades.count > 300 ? 2.0 : (pairTrades.count > 60 ? 3.0 : 5.0)
        for t in pairTrades.prefix(2000) {
            let x = scaleX(t.entryTimeMs, t0, t1), y = scaleY(t.entryPrice, lo, hi)
            body += String(format: "<path d=\"M%.1f %.1f l-%.0f %.0f h%.0f z\" fill=\"#0a7d3e\" fill-opacity=\"0.85\"><title>", x, y + 1, m, m * 1.8, m * 2)
                + esc("entry \(UTCTime.iso(t.entryTimeMs)) at \(price(t.entryPrice))") + "</title></path>"
            if let sl = t.stopLoss {
                let xe = t.exitTimeMs.map { scaleX($0, t0, t1) } ?? scaleX(t1, t0, t1)
                body += String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0a100\" stroke-width=\"1.5\"/>",
                               x, max(x + 1, xe), scaleY(sl, lo, hi), scaleY(sl, lo, hi))
            }
            if let et = t.exitTimeMs, let ep = t.exitPrice {
                let xe = scaleX(et, t0, t1), ye = scaleY(ep, lo, hi)
                body += String(format: "<path d=\"M%.1f %.1f l-%.0f -%.0f h%.0f z\" fill=\"#b42318\" fill-opacity=\"0.85\"><title>", xe, ye - 1, m, m * 1.8, m * 2)
                    + esc("exit \(UTCTime.iso(et)) at \(price(ep)) (\(t.exitReason ?? ""))") + "</title></path>"
            }
        }
        return svg(body)
    }

    private func equityChart() -> String {
        guard let t0 = equityTimestampMs.first, let t1 = equityTimestampMs.last else { return "<p>No data.</p>" }
        // Buy and hold of the first pair with the same starting cash, for comparison.
        var bench: [Double] = []
        var benchTs: [Int64] = []
        if let p = prices.first, let first = p.close.first, first > 0 {
            benchTs = p.timestampMs
            bench = p.close.map { metrics.initialCash * $0 / first }
        }
        let all = equity + bench
        var lo = all.min()!, hi = all.max()!
        let margin = max((hi - lo) * 0.05, 1)
        lo -= margin; hi += margin
        var body = axes(lo: lo, hi: hi, t0: t0, t1: t1, format: { String(format: "%.0f", $0) })
        body += polyline(benchTs, bench, lo: lo, hi: hi, t0: t0, t1: t1, color: "#9aa3b5")
        body += polyline(equityTimestampMs, equity, lo: lo, hi: hi, t0: t0, t1: t1, color: "#2557d6", widthPx: 1.8)
        return svg(body)
    }

    private func drawdownChart() -> String {
        guard let t0 = equityTimestampMs.first, let t1 = equityTimestampMs.last else { return "<p>No data.</p>" }
        var peak = -Double.infinity
        let dd = equity.map { e -> Double in peak = max(peak, e); return peak > 0 ? (e / peak - 1) * 100 : 0 }
        let lo = min(dd.min() ?? 0, -0.5) * 1.05
        var body = axes(lo: lo, hi: 0, t0: t0, t1: t1, format: { String(format: "%.1f%%", $0) })
        body += polyline(equityTimestampMs, dd, lo: lo, hi: 0, t0: t0, t1: t1, color: "#b42318")
        return svg(body)
    }

    // MARK: Formatting

    private func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private func money(_ v: Double) -> String { String(format: "%@%.2f", v < 0 ? "-" : "", abs(v)) }
    private func pct(_ v: Double) -> String { String(format: "%.2f%%", v) }
    private func price(_ v: Double) -> String { String(format: "%.2f", v) }

    private func prettyJSON(_ json: String) -> String {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]) else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
