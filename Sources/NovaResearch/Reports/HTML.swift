import Foundation
import NovaCore

/// The few pieces of HTML and SVG both reports are made of: escaping (text and attribute
/// values alike, so `"` and `'` too), an SVG element, and a polyline that keeps the shape of a
/// long series (at most two points per pixel column: each column's low and high, in order).
enum HTML {
    static func escape(_ s: String) -> String {
        WorkCount.add()
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// An inline SVG with a view box (it scales with its container).
    static func svg(width: Double, height: Double, _ body: String) -> String {
        "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\(body)</svg>"
    }

    /// A polyline through `count` points (`x(i)`, `y(i)`), thinned to `columns` pixel columns:
    /// each column keeps its lowest and highest point, so spikes survive the thinning.
    static func polyline(count: Int, columns: Int = 1600, color: String, width: Double,
                         x: (Int) -> Double, y: (Int) -> Double, value: (Int) -> Double) -> String {
        guard count > 0 else { return "" }
        var points = ""
        func add(_ i: Int) { points += String(format: "%.1f,%.1f ", x(i), y(i)) }
        if count <= columns * 2 {
            for i in 0..<count { add(i) }
        } else {
            let per = Double(count) / Double(columns)
            for c in 0..<columns {
                let a = Int(Double(c) * per), b = min(count, Int(Double(c + 1) * per))
                guard a < b else { continue }
                var mn = a, mx = a
                for i in a..<b { if value(i) < value(mn) { mn = i }; if value(i) > value(mx) { mx = i } }
                for i in (mn < mx ? [mn, mx] : [mx, mn]) { add(i) }
            }
        }
        return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\" points=\"\(points)\"/>"
    }
}
