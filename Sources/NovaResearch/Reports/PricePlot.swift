import Foundation
import NovaCore
import NovaMarketData
import NovaSignals

/// `novapulse plot`: one self-contained HTML page (inline SVG, no scripts) of a pair's closes
/// with chosen indicators and, for a run, its entries and exits (freqtrade's plot-dataframe).
/// Indicators on the price's scale (moving averages, bands, channels, supertrend, ichimoku,
/// VWAP) are drawn over the price; the others (RSI, MACD, ADX, ...) each get a panel of their
/// own below it. Long series are thinned per pixel column, keeping each column's low and high.
public enum PricePlot {
    /// The indicator columns `novapulse indicators` writes, by name.
    public static var names: [String] { IndicatorTable.columnNames }

    /// Columns that share the price's scale.
    public static func onPriceScale(_ name: String) -> Bool {
        ["sma_", "ema_", "bb_", "keltner_", "ichimoku_", "vwap"].contains { name.hasPrefix($0) } || name == "supertrend_10_3"
    }

    // No green or red: those mark entries and exits.
    static let colors = ["#e0a100", "#7b2cbf", "#00838f", "#c2185b", "#6d4c41", "#5e35b1", "#ef6c00", "#0277bd"]
    static let width = 1100.0, padL = 70.0, padR = 16.0

    public static func render(title: String, timestampMs ts: [Int64], close: [Double], indicators: [(name: String, values: [Double?])],
                              trades: [Trade]) -> String {
        guard let t0 = ts.first, let t1 = ts.last else { return page(title, "<p>No bars in the window.</p>") }
        var body = "<h1>\(HTML.escape(title))</h1>"
        let over = indicators.filter { onPriceScale($0.name) }, below = indicators.filter { !onPriceScale($0.name) }
        // The price panel: closes, the price-scale indicators, the trades.
        var lo = close.min()!, hi = close.max()!
        for i in over { for v in i.values { if let v { lo = min(lo, v); hi = max(hi, v) } } }
        let m = max((hi - lo) * 0.04, 1e-9)
        lo -= m; hi += m
        let h = 420.0
        var svg = axes(lo: lo, hi: hi, t0: t0, t1: t1, height: h)
        svg += line(ts, close.map { Optional($0) }, lo: lo, hi: hi, t0: t0, t1: t1, height: h, color: "#14213d", width: 1)
        var legend = "<span class=\"sw\" style=\"background:#14213d\"></span>close"
        for (k, i) in over.enumerated() {
            let c = colors[k % colors.count]
            svg += line(ts, i.values, lo: lo, hi: hi, t0: t0, t1: t1, height: h, color: c, width: 1.2)
            legend += "<span class=\"sw\" style=\"background:\(c)\"></span>\(HTML.escape(i.name))"
        }
        let shown = trades.filter { $0.entryTimeMs >= t0 && $0.entryTimeMs <= t1 }
        for t in shown.prefix(2000) {
            let x = sx(t.entryTimeMs, t0, t1), y = sy(t.entryPrice, lo, hi, h)
            svg += String(format: "<path d=\"M%.1f %.1f l-4 7 h8 z\" fill=\"#0a7d3e\"><title>", x, y + 1)
                + HTML.escape("entry \(UTCTime.iso(t.entryTimeMs)) at \(NumberText.clean(t.entryPrice))") + "</title></path>"
            if let et = t.exitTimeMs, let ep = t.exitPrice, et <= t1 {
                svg += String(format: "<path d=\"M%.1f %.1f l-4 -7 h8 z\" fill=\"#b42318\"><title>", sx(et, t0, t1), sy(ep, lo, hi, h) - 1)
                    + HTML.escape("exit \(UTCTime.iso(et)) at \(NumberText.clean(ep)) (\(t.exitReason ?? ""))") + "</title></path>"
            }
        }
        if !shown.isEmpty { legend += "<span class=\"sw\" style=\"background:#0a7d3e\"></span>entry ▲<span class=\"sw\" style=\"background:#b42318\"></span>exit ▼" }
        body += HTML.svg(width: width, height: h, svg) + "<div class=\"legend\">\(legend)</div>"
        if shown.count > 2000 { body += "<p class=\"muted\">The first 2,000 of \(shown.count) trades are marked.</p>" }
        // One panel per indicator of its own scale.
        for (k, i) in below.enumerated() {
            let vs = i.values.compactMap { $0 }
            guard var plo = vs.min(), var phi = vs.max() else { continue }
            let pm = max((phi - plo) * 0.05, 1e-9)
            plo -= pm; phi += pm
            let ph = 170.0, c = colors[(over.count + k) % colors.count]
            body += "<h2>\(HTML.escape(i.name))</h2>" + HTML.svg(width: width, height: ph,
                axes(lo: plo, hi: phi, t0: t0, t1: t1, height: ph) + line(ts, i.values, lo: plo, hi: phi, t0: t0, t1: t1, height: ph, color: c, width: 1.2))
        }
        body += "<p class=\"muted\">\(ts.count) bars, \(HTML.escape(UTCTime.iso(t0))) to \(HTML.escape(UTCTime.iso(t1))); "
            + "lines thinned to the chart's pixel columns, each keeping its low and high.</p>"
        return page(title, body)
    }

    static func sx(_ t: Int64, _ t0: Int64, _ t1: Int64) -> Double { padL + (t1 == t0 ? 0 : Double(t - t0) / Double(t1 - t0)) * (width - padL - padR) }
    static func sy(_ v: Double, _ lo: Double, _ hi: Double, _ h: Double) -> Double { 10 + (hi == lo ? 0.5 : (hi - v) / (hi - lo)) * (h - 34) }

    /// A line through the defined values only (an indicator is undefined while it warms up).
    static func line(_ ts: [Int64], _ values: [Double?], lo: Double, hi: Double, t0: Int64, t1: Int64, height: Double, color: String, width w: Double) -> String {
        let idx = values.indices.filter { values[$0] != nil }
        return HTML.polyline(count: idx.count, color: color, width: w, x: { sx(ts[idx[$0]], t0, t1) }, y: { sy(values[idx[$0]]!, lo, hi, height) },
                             value: { values[idx[$0]]! })
    }

    static func axes(lo: Double, hi: Double, t0: Int64, t1: Int64, height h: Double) -> String {
        var s = ""
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4, y = sy(v, lo, hi, h)
            s += String(format: "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eceef3\"/>", padL, width - padR, y, y)
            s += String(format: "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6478\">", padL - 6, y + 4)
                + HTML.escape(NumberText.compact(v, digits: 6)) + "</text>"
        }
        for k in 0...4 {
            let t = t0 + (t1 - t0) * Int64(k) / 4
            let anchor = k == 0 ? "start" : (k == 4 ? "end" : "middle")
            s += String(format: "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"\(anchor)\" fill=\"#5b6478\">", sx(t, t0, t1), h - 6)
                + HTML.escape(String(UTCTime.iso(t).prefix(16)).replacingOccurrences(of: "T", with: " ")) + "</text>"
        }
        return s
    }

    static func page(_ title: String, _ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;margin:24px;color:#14213d}svg{width:100%;height:auto;display:block}
        .legend{font-size:13px;margin:6px 0 18px}.sw{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;vertical-align:-1px}
        .muted{color:#5b6478;font-size:13px}h1{font-size:20px}h2{font-size:15px;margin:18px 0 4px}</style></head>
        <body>\(body)</body></html>

        """
    }
}

/// The indicator table of a bar series (`IndicatorTable` over its columns).
public enum IndicatorTableColumns {
    public static func compute(_ bars: BarSeries) -> [[Double?]] {
        IndicatorTable.compute(timestampMs: bars.timestampMs, open: bars.open, high: bars.high, low: bars.low, close: bars.close, volume: bars.volume)
    }
}
