import Foundation
import NovaCore

/// `reports/EXPERIMENT_ID/optimize.html` (self-contained: inline CSS and SVG) and
/// `trials.csv`: the leaderboard, the objective over pairs of parameters, parameter stability,
/// in-sample vs out-of-sample, and the overfitting guards.
public enum OptimizeReport {
    public static func write(_ s: Optimizer.Summary, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let html = (directory as NSString).appendingPathComponent("optimize.html")
        try render(s).write(toFile: html, atomically: true, encoding: .utf8)
        try csv(s).write(toFile: (directory as NSString).appendingPathComponent("trials.csv"), atomically: true, encoding: .utf8)
        return html
    }

    static func esc(_ t: String) -> String { HTML.escape(t) }
    static func f(_ v: Double?, _ digits: Int = 3) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.\(digits)f", v)
    }

    public static func csv(_ s: Optimizer.Summary) -> String {
        let keys = s.spec.space.map(\.key)
        var out = (["window", "phase", "trial", "run_id", "feasible"] + keys + s.spec.objectives.map(\.metric)
            + ["total_return_pct", "max_drawdown_pct", "trades", "sharpe_per_bar"]).joined(separator: ",") + "\n"
        for w in s.windows {
            for t in w.trials + [w.test].compactMap({ $0 }) {
                var row = ["\(w.index)", t.phase, "\(t.trial)", t.runID, t.feasible ? "1" : "0"]
                row += keys.map { t.params[$0]?.text ?? "" }
                row += t.objectives.map { $0.map { "\($0)" } ?? "" }
                row += ["total_return_pct", "max_drawdown_pct", "trades"].map { t.stats.headline[$0].map { "\($0)" } ?? "" }
                row.append("\(t.stats.sharpePerBar)")
                out += row.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    static func render(_ s: Optimizer.Summary) -> String {
        let spec = s.spec
        let objective = spec.objectives[0]
        var h = """
        <!doctype html><html><head><meta charset="utf-8"><title>\(esc(spec.name)) · \(s.experimentID)</title><style>
        body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1180px;color:#1d2330;padding:0 16px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
        table{border-collapse:collapse;margin:6px 0 10px}td,th{padding:3px 9px;border-bottom:1px solid #eef1f5;text-align:right;font-variant-numeric:tabular-nums}
        th{background:#f4f6f9;font-weight:600}.l{text-align:left}.muted{color:#6b7385;font-size:12.5px}
        .cards{display:flex;gap:10px;flex-wrap:wrap}.card{background:#f4f6f9;border-radius:8px;padding:10px 14px;min-width:150px}
        .card b{display:block;font-size:19px}.bad{color:#b4232c}.good{color:#1a7f37}.heat{display:inline-block;margin:0 18px 14px 0;vertical-align:top}
        </style></head><body>
        <h1>\(esc(spec.name))</h1>
        <div class="muted">experiment \(s.experimentID) · \(esc(spec.data.pairs.map(\.description).joined(separator: ", "))) · sampler \(spec.sampler.rawValue),
        \(spec.trials) trials\(spec.walkForward.map { " per window, walk-forward \($0.anchored ? "anchored" : "rolling") \($0.trainMs / 86_400_000)d train / \($0.testMs / 86_400_000)d test" } ?? "")
        · objective \(spec.objectives.map { "\($0.maximize ? "max" : "min") \($0.metric)" }.joined(separator: ", "))
        \(spec.constraints.isEmpty ? "" : "· constraints " + esc(spec.constraints.map(\.description).joined(separator: ", ")))
        · \(s.ran) trials run now, \(s.skipped) resumed from the store, \(String(format: "%.1f", s.seconds)) s on \(s.workers) worker\(s.workers == 1 ? "" : "s")</div>

        """
        // Overfitting guard.
        h += "<h2>Overfitting guard</h2><table><tr><th>window</th><th>trials</th><th>winner</th><th class=\"l\">winner's parameters</th><th>\(esc(objective.metric))</th>"
            + "<th>Sharpe per bar</th><th>E[max Sharpe] of \(spec.trials) unskilled trials</th><th>deflated Sharpe</th><th>PBO (CSCV, \(Optimizer.blockCount) blocks)</th></tr>"
        for w in s.windows {
            let b = w.best
            let dsr = w.deflatedSharpe.map { "<span class=\"\($0 >= 0.95 ? "good" : "bad")\">\(f($0))</span>" } ?? "-"
            let pbo = w.pbo.map { "<span class=\"\($0 <= 0.5 ? "good" : "bad")\">\(f($0, 2))</span>" } ?? "-"
            h += "<tr><td>\(w.index)</td><td>\(w.trials.count)/\(w.planned)</td><td>\(b.map { "\($0.trial)" } ?? "-")</td>"
                + "<td class=\"l\">\(esc(b.map { paramsText($0, spec) } ?? "-"))</td><td>\(f(b?.objectives[0]))</td><td>\(f(b?.stats.sharpePerBar, 5))</td>"
                + "<td>\(f(w.expectedMaxSharpe, 5))</td><td>\(dsr)</td><td>\(pbo)</td></tr>"
        }
        h += "</table><p class=\"muted\">Deflated Sharpe (Bailey &amp; López de Prado 2014): the probability that the winner's per-bar Sharpe beats the best that "
            + "this many trials of no skill would show by chance, given the spread of the trials' Sharpe ratios and the winner's skew and kurtosis; "
            + "below 0.95 the winner is not distinguishable from luck. PBO (Bailey et al. 2014): over every split of the bars' \(Optimizer.blockCount) blocks into "
            + "halves, how often the in-sample winner ranks in the bottom half out of sample; above 0.5 the selection is more likely overfit than not.</p>"

        // In-sample vs out-of-sample.
        if spec.walkForward != nil {
            h += "<h2>In-sample vs out-of-sample</h2><table><tr><th>window</th><th class=\"l\">train</th><th class=\"l\">test</th><th class=\"l\">chosen parameters</th>"
                + "<th>\(esc(objective.metric)) in sample</th><th>\(esc(objective.metric)) out of sample</th><th>OOS return</th><th>OOS trades</th></tr>"
            for w in s.windows {
                guard let r = w.window else { continue }
                h += "<tr><td>\(w.index)</td><td class=\"l\">\(day(r.trainStartMs)) to \(day(r.trainEndMs))</td><td class=\"l\">\(day(r.trainEndMs)) to \(day(r.testEndMs))</td>"
                    + "<td class=\"l\">\(esc(w.best.map { paramsText($0, spec) } ?? "-"))</td><td>\(f(w.best?.objectives[0]))</td><td>\(f(w.test?.objectives[0]))</td>"
                    + "<td>\(f(w.test?.stats.headline["total_return_pct"], 2))%</td><td>\(f(w.test?.stats.headline["trades"], 0))</td></tr>"
            }
            h += "</table>"
            if let m = s.stitchedMetrics {
                h += "<div class=\"cards\"><div class=\"card\">stitched OOS return<b>\(f(m.totalReturnPct, 2))%</b></div>"
                    + "<div class=\"card\">stitched OOS Sharpe<b>\(f(m.sharpe, 2))</b></div><div class=\"card\">stitched OOS max drawdown<b>\(f(m.maxDrawdownPct, 2))%</b></div>"
                    + "<div class=\"card\">mean IS \(esc(objective.metric))<b>\(f(mean(s.windows.compactMap { $0.best?.objectives[0] ?? nil })))</b></div>"
                    + "<div class=\"card\">mean OOS \(esc(objective.metric))<b>\(f(mean(s.windows.compactMap { $0.test?.objectives[0] ?? nil })))</b></div></div>"
                h += equitySVG(s.stitched)
            }
        }

        // Leaderboard of each window (the last one for walk-forward: the most recent data).
        for w in s.windows where spec.walkForward == nil || w.index == s.windows.count - 1 {
            h += "<h2>Leaderboard\(spec.walkForward == nil ? "" : " (window \(w.index))")</h2><table><tr><th>#</th><th>trial</th>"
            h += spec.space.map { "<th>\(esc(short($0.key)))</th>" }.joined() + spec.objectives.map { "<th>\(esc($0.metric))</th>" }.joined()
            h += "<th>return %</th><th>max DD %</th><th>trades</th><th class=\"l\">run</th></tr>"
            for (i, t) in w.trials.prefix(20).enumerated() {
                h += "<tr\(t.feasible ? "" : " class=\"muted\"")><td>\(i + 1)</td><td>\(t.trial)</td>"
                h += spec.space.map { "<td>\(esc(t.params[$0.key]?.text ?? ""))</td>" }.joined()
                h += t.objectives.map { "<td>\(f($0))</td>" }.joined()
                h += "<td>\(f(t.stats.headline["total_return_pct"], 2))</td><td>\(f(t.stats.headline["max_drawdown_pct"], 2))</td>"
                    + "<td>\(f(t.stats.headline["trades"], 0))</td><td class=\"l\">\(esc(t.runID))\(t.feasible ? "" : " (breaks a constraint)")</td></tr>"
            }
            h += "</table>"
            if !w.pareto.isEmpty { h += "<p>Pareto front (no trial better on every objective): trials \(w.pareto.map(String.init).joined(separator: ", ")).</p>" }
            // Heatmaps: the objective averaged over the trials at each pair of values.
            if spec.space.count >= 2 {
                h += "<h2>\(esc(objective.metric)) over pairs of parameters\(spec.walkForward == nil ? "" : " (window \(w.index))")</h2>"
                var pairs: [(Int, Int)] = []
                for a in 0..<spec.space.count { for b in (a + 1)..<spec.space.count { pairs.append((a, b)) } }
                for (a, b) in pairs.prefix(6) { h += heatmap(w.trials, spec, a, b) }
            }
            // Stability: the objective by each parameter's value.
            h += "<h2>Parameter stability\(spec.walkForward == nil ? "" : " (window \(w.index))")</h2><p class=\"muted\">Mean and best \(esc(objective.metric)) "
                + "over the feasible trials at each value: a good value sits on a plateau, not on a lone peak.</p>"
            h += "<div class=\"cards\">"
            for p in spec.space {
                // One row per value: long ranges stay readable.
                h += "<table><tr><th class=\"l\">\(esc(short(p.key)))</th><th>mean</th><th>best</th><th>trials</th></tr>"
                for v in ParameterSpace.values(p.domain) {
                    let xs = w.trials.filter { $0.feasible && $0.params[p.key] == v }.compactMap { $0.objectives[0] }
                    guard !xs.isEmpty || ParameterSpace.values(p.domain).count <= 12 else { continue }
                    h += "<tr><td class=\"l\">\(esc(v.text))</td><td>\(f(mean(xs)))</td><td>\(f(objective.maximize ? xs.max() : xs.min()))</td><td>\(xs.count)</td></tr>"
                }
                h += "</table>"
            }
            h += "</div>"
        }
        if spec.walkForward != nil && spec.space.count > 0 {
            h += "<h2>Chosen parameters per window</h2><table><tr><th>window</th>" + spec.space.map { "<th>\(esc(short($0.key)))</th>" }.joined() + "</tr>"
            for w in s.windows { h += "<tr><td>\(w.index)</td>" + spec.space.map { "<td>\(esc(w.best?.params[$0.key]?.text ?? "-"))</td>" }.joined() + "</tr>" }
            h += "</table>"
        }
        if !s.notes.isEmpty { h += "<h2>Notes</h2><ul>" + s.notes.map { "<li>\(esc($0))</li>" }.joined() + "</ul>" }
        h += "<p class=\"muted\">Each trial is a run: <code>novapulse runs show RUN</code>, <code>runs compare</code>, <code>runs report</code> (trials keep an equity curve thinned to 2,000 points). "
            + "trials.csv lists every trial.</p></body></html>\n"
        return h
    }

    static func paramsText(_ t: Optimizer.Trial, _ spec: ExperimentSpec) -> String {
        spec.space.map { "\(short($0.key))=\(t.params[$0.key]?.text ?? "?")" }.joined(separator: " ")
    }
    static func short(_ key: String) -> String { key.split(separator: ".").suffix(2).joined(separator: ".") }
    static func day(_ ms: Int64) -> String { String(UTCTime.iso(ms).prefix(10)) }
    static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }

    static func heatmap(_ trials: [Optimizer.Trial], _ spec: ExperimentSpec, _ a: Int, _ b: Int) -> String {
        let pa = spec.space[a], pb = spec.space[b]
        let va = ParameterSpace.values(pa.domain), vb = ParameterSpace.values(pb.domain)
        var cells: [[Double?]] = Array(repeating: Array(repeating: nil, count: vb.count), count: va.count)
        for (i, x) in va.enumerated() {
            for (j, y) in vb.enumerated() {
                let xs = trials.filter { $0.feasible && $0.params[pa.key] == x && $0.params[pb.key] == y }.compactMap { $0.objectives[0] }
                cells[i][j] = mean(xs)
            }
        }
        let values = cells.flatMap { $0 }.compactMap { $0 }
        guard let lo = values.min(), let hi = values.max() else { return "" }
        let cw = vb.count > 12 ? 30 : 46, ch = va.count > 12 ? 16 : 22, left = 70, top = 40
        var svg = "<div class=\"heat\"><svg width=\"\(max(left + cw * vb.count + 10, 380))\" height=\"\(top + ch * va.count + 30)\" font-size=\"10\">"
        svg += "<text x=\"\(left)\" y=\"12\" font-weight=\"600\">columns: \(esc(short(pb.key))) →</text>"
        svg += "<text x=\"4\" y=\"28\" font-weight=\"600\">rows: \(esc(short(pa.key))) ↓</text>"
        for (j, y) in vb.enumerated() { svg += "<text x=\"\(left + j * cw + cw / 2)\" y=\"\(top + ch * va.count + 14)\" text-anchor=\"middle\">\(esc(y.text))</text>" }
        for (i, x) in va.enumerated() {
            svg += "<text x=\"\(left - 6)\" y=\"\(top + i * ch + ch - 6)\" text-anchor=\"end\">\(esc(x.text))</text>"
            for j in 0..<vb.count {
                guard let v = cells[i][j] else {
                    svg += "<rect x=\"\(left + j * cw)\" y=\"\(top + i * ch)\" width=\"\(cw - 1)\" height=\"\(ch - 1)\" fill=\"#f1f1f1\"/>"
                    continue
                }
                var t = hi > lo ? (v - lo) / (hi - lo) : 0.5
                if !spec.objectives[0].maximize { t = 1 - t }
                let r = Int(230 - 190 * t), g = Int(90 + 110 * t), bl = Int(80 + 40 * t)
                svg += "<rect x=\"\(left + j * cw)\" y=\"\(top + i * ch)\" width=\"\(cw - 1)\" height=\"\(ch - 1)\" fill=\"rgb(\(r),\(g),\(bl))\"><title>\(esc(short(pa.key)))=\(esc(x.text)) "
                    + "\(esc(short(pb.key)))=\(esc(vb[j].text)): \(f(v))</title></rect>"
                svg += "<text x=\"\(left + j * cw + cw / 2)\" y=\"\(top + i * ch + ch - 6)\" text-anchor=\"middle\" fill=\"#fff\">\(String(format: "%.2g", v))</text>"
            }
        }
        return svg + "</svg></div>"
    }

    static func equitySVG(_ e: [(timestampMs: Int64, equity: Double)]) -> String {
        guard e.count > 1, let lo = e.map(\.equity).min(), let hi = e.map(\.equity).max(), let t0 = e.first?.timestampMs, let t1 = e.last?.timestampMs, t1 > t0 else { return "" }
        let w = 1100.0, hgt = 200.0
        let line = HTML.polyline(count: e.count, columns: 1100, color: "#2f6fd6", width: 1.4,
                                 x: { Double(e[$0].timestampMs - t0) / Double(t1 - t0) * w },
                                 y: { hi > lo ? 2 + hgt - (e[$0].equity - lo) / (hi - lo) * hgt : 2 + hgt / 2 }, value: { e[$0].equity })
        return "<p class=\"muted\">Stitched out-of-sample equity (\(day(t0)) to \(day(t1))), \(f(lo, 0)) to \(f(hi, 0)):</p>"
            + HTML.svg(width: w, height: hgt + 4, line)
    }
}
