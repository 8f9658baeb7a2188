import Foundation
import NovaCore

/// The report's charts: the monthly heatmap, the P&L histogram, P&L by hour, and the price,
/// equity and drawdown charts (SVG, downsampled by `HTML.polyline`).
extension HTMLReport {
    func monthlyHeatmap() -> String {
        let months = metrics.monthlyReturns
        guard !months.isEmpty else { return "<p class=\"muted\">No data.</p>" }
        let years = Array(Set(months.map { String($0.month.prefix(4)) })).sorted()
        let byMonth = Dictionary(months.map { ($0.month, $0.returnPct) }, uniquingKeysWith: { a, _ in a })
        let maxAbs = max(months.map { abs($0.returnPct) }.max() ?? 1, 0.01)
        var t = "<table><tr><th class=\"l\">year</th>"
        for m in ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] { t += "<th style=\"text-align:center\">\(m)</th>" }
        t += "<th>year</th></tr>"
        for y in years {
            t += "<tr><td class=\"l\">\(y)</td>"
            var compound = 1.0
            for m in 1...12 {
                let key = "\(y)-" + (m < 10 ? "0\(m)" : "\(m)")
                if let r = byMonth[key] {
                    compound *= 1 + r / 100
                    let alpha = min(1, abs(r) / maxAbs) * 0.85 + 0.08
                    let color = r >= 0 ? "rgba(10,125,62,\(String(format: "%.2f", alpha)))" : "rgba(180,35,24,\(String(format: "%.2f", alpha)))"
                    let fg = alpha > 0.5 ? "#fff" : "#1d2330"
                    t += "<td class=\"heat\" style=\"background:\(color);color:\(fg)\">\(String(format: "%.1f", r))</td>"
                } else {
                    t += "<td></td>"
                }
            }
            t += "<td><b>\(pct((compound - 1) * 100))</b></td></tr>"
        }
        return t + "</table><p class=\"muted\">Compounded equity return of each calendar month (UTC), in %.</p>"
    }

    func pnlHistogram() -> String {
        let pnls = trades.compactMap(\.pnl)
        guard pnls.count >= 2, let lo = pnls.min(), let hi = pnls.max(), hi > lo else { return "<p class=\"muted\">Too few closed trades.</p>" }
        let bins = min(40, max(8, Int(Double(pnls.count).squareRoot())))
        let w = (hi - lo) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for p in pnls { counts[min(bins - 1, Int((p - lo) / w))] += 1 }
        let top = Double(counts.max()!)
        let h = 200.0, left = 50.0, right = 12.0, bottom = 24.0, width = 1100.0
        let bw = (width - left - right) / Double(bins)
        var body = ""
        for (i, c) in counts.enumerated() {
            let x0 = lo + Double(i) * w
            let bh = Double(c) / top * (h - bottom - 8)
            let color = x0 + w / 2 >= 0 ? "#0a7d3e" : "#b42318"
            body += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\" fill-opacity=\"0.8\"><title>", left + Double(i) * bw + 1,
                           h - bottom - bh, bw - 2, bh, color) + esc("\(money(x0)) to \(money(x0 + w)): \(c) trades") + "</title></rect>"
        }
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            let x = left + (width - left - right) * Double(k) / 4
            body += String(format: "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6478\">", x, h - 6) + esc(money(v)) + "</text>"
        }
        body += String(format: "<text x=\"%.0f\" y=\"14\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6478\">%d</text>", left - 6, Int(top))
        return HTML.svg(width: width, height: h, body)
            + "<p class=\"muted\">\(pnls.count) closed trades; P&L net of fees, \(bins) bins.</p>"
    }

    func hourChart() -> String {
        let rows = Dictionary(metrics.byEntryHour.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        guard !rows.isEmpty else { return "<p class=\"muted\">No closed trades.</p>" }
        let maxAbs = max(rows.values.map { abs($0.pnl) }.max() ?? 1, 1e-9)
        // A y axis: the largest gain and loss and zero, in money, left of the bars.
        let axisW = 78.0, plotW = 520.0, h = 170.0, mid = 80.0, reach = mid - 12
        let width = axisW + plotW
        let bw = plotW / 24
        var body = String(format: "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#c9d1e3\"/>", axisW, width, mid, mid)
        for (v, y) in [(maxAbs, mid - reach), (0, mid), (-maxAbs, mid + reach)] {
            if v != 0 {
                body += String(format: "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eceef3\"/>", axisW, width, y, y)
            }
            body += String(format: "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#5b6478\">", axisW - 6, y + 3)
                + esc(v == 0 ? "0" : money(v)) + "</text>"
        }
        for hour in 0..<24 {
            let key = hour < 10 ? "0\(hour)" : "\(hour)"
            let x = axisW + Double(hour) * bw
            if let r = rows[key] {
                let bh = abs(r.pnl) / maxAbs * reach
                let y = r.pnl >= 0 ? mid - bh : mid
                body += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>", x + 2, y, bw - 4, max(bh, 0.5),
                               r.pnl >= 0 ? "#0a7d3e" : "#b42318") + esc("\(key):00 UTC: \(r.trades) trades, \(money(r.pnl))") + "</title></rect>"
            }
            if hour % 3 == 0 {
                body += String(format: "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"middle\" fill=\"#5b6478\">%@</text>", x + bw / 2, h - 4, key)
            }
        }
        return HTML.svg(width: width, height: h, body)
            + "<p class=\"muted\">Net P&L of closed trades by the UTC hour they were entered (hover a bar for its trades and P&L).</p>"
    }

    // MARK: Charts (SVG, downsampled to at most ~1600 columns, keeping each column's min and max)


    func scaleX(_ t: Int64, _ t0: Int64, _ t1: Int64) -> Double {
        padL + (t1 == t0 ? 0 : Double(t - t0) / Double(t1 - t0)) * (width - padL - padR)
    }

    func scaleY(_ v: Double, _ lo: Double, _ hi: Double) -> Double {
        padT + (hi == lo ? 0.5 : (hi - v) / (hi - lo)) * (height - padT - padB)
    }

    func polyline(_ ts: [Int64], _ values: [Double], lo: Double, hi: Double, t0: Int64, t1: Int64, color: String, widthPx: Double = 1.3) -> String {
        HTML.polyline(count: ts.count, color: color, width: widthPx, x: { scaleX(ts[$0], t0, t1) }, y: { scaleY(values[$0], lo, hi) },
                      value: { values[$0] })
    }

    func axes(lo: Double, hi: Double, t0: Int64, t1: Int64, format: (Double) -> String) -> String {
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

    func svg(_ body: String) -> String { HTML.svg(width: width, height: height, body) }

    func priceChart(_ p: RunArtifacts.PriceSeries) -> String {
        guard let t0 = p.timestampMs.first, let t1 = p.timestampMs.last else { return "<p>No data.</p>" }
        let pairTrades = trades.filter { $0.pair == p.pair }
        var lo = p.close.min()!, hi = p.close.max()!
        for t in pairTrades { lo = min(lo, t.entryPrice, t.exitPrice ?? lo); hi = max(hi, t.entryPrice, t.exitPrice ?? hi) }
        let margin = (hi - lo) * 0.04
        lo -= margin; hi += margin
        var body = haltShading(t0: t0, t1: t1) + axes(lo: lo, hi: hi, t0: t0, t1: t1, format: { String(format: "%.0f", $0) })
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

    /// The strategy's equity against buy-and-hold of the same cash. When the strategy moves in
    /// a band under a quarter of the two together (a strategy that mostly waits, beside a
    /// trending market), one scale would draw it as a flat line: it gets its own chart, and
    /// buy-and-hold a second one below on its scale.
    func equityChart() -> String {
        guard let t0 = equityTimestampMs.first, let t1 = equityTimestampMs.last else { return "<p>No data.</p>" }
        let bench = a.benchmark
        let benchTs = bench.count == equityTimestampMs.count ? equityTimestampMs : []
        func bounds(_ v: [Double]) -> (Double, Double) {
            var lo = v.min()!, hi = v.max()!
            let margin = max((hi - lo) * 0.05, 1)
            lo -= margin; hi += margin
            return (lo, hi)
        }
        let own = bounds(equity)
        let together = bounds(equity + (benchTs.isEmpty ? [] : bench))
        let separate = !benchTs.isEmpty && (own.1 - own.0) < 0.25 * (together.1 - together.0)
        let (lo, hi) = separate ? own : together
        var body = haltShading(t0: t0, t1: t1) + axes(lo: lo, hi: hi, t0: t0, t1: t1, format: { String(format: "%.0f", $0) })
        if !separate { body += polyline(benchTs, bench, lo: lo, hi: hi, t0: t0, t1: t1, color: "#9aa3b5") }
        body += polyline(equityTimestampMs, equity, lo: lo, hi: hi, t0: t0, t1: t1, color: "#2557d6", widthPx: 1.8)
        guard separate else { return svg(body) }
        let (blo, bhi) = bounds(bench)
        var second = axes(lo: blo, hi: bhi, t0: t0, t1: t1, format: { String(format: "%.0f", $0) })
        second += polyline(benchTs, bench, lo: blo, hi: bhi, t0: t0, t1: t1, color: "#9aa3b5")
        let ratio = (together.1 - together.0) / max(own.1 - own.0, 1e-9)
        return svg(body)
            + "<p class=\"muted\">The strategy on its own scale: its range is \(String(format: "%.0f", ratio))x smaller than buy-and-hold's. "
            + "Buy and hold of the same cash, on its scale:</p>" + svg(second)
    }

    func drawdownChart() -> String {
        guard let t0 = equityTimestampMs.first, let t1 = equityTimestampMs.last else { return "<p>No data.</p>" }
        var peak = -Double.infinity
        let dd = equity.map { e -> Double in peak = max(peak, e); return peak > 0 ? (e / peak - 1) * 100 : 0 }
        let lo = min(dd.min() ?? 0, -0.5) * 1.05
        var body = axes(lo: lo, hi: 0, t0: t0, t1: t1, format: { String(format: "%.1f%%", $0) })
        body += polyline(equityTimestampMs, dd, lo: lo, hi: 0, t0: t0, t1: t1, color: "#b42318")
        return svg(body)
    }

    /// Halted spans as shaded bands behind a chart, each titled with its gate and count.
    func haltShading(t0: Int64, t1: Int64) -> String {
        a.halts.map { h in
            let x0 = scaleX(max(h.startMs, t0), t0, t1), x1 = scaleX(min(h.endMs ?? t1, t1), t0, t1)
            return String(format: "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"#f2b8b5\" fill-opacity=\"0.35\"><title>",
                          x0, padT, max(1, x1 - x0), height - padT - padB)
                + esc("halted by \(h.gate): \(h.refused) entries refused") + "</title></rect>"
        }.joined()
    }
}
