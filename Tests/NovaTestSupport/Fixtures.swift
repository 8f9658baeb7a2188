import Foundation
import NovaCore
import NovaMarketData

/// Paths to committed fixtures, the shared real datasets, and scratch folders for tests.
public enum Fixtures {
    /// The package root (two levels above this file's folder).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/NAME`.
    public static func path(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/Fixtures/\(name)").path
    }

    /// `../shared/datasets/NAME`: the real datasets beside the repository (CI has them too).
    public static func shared(_ name: String) -> String {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets/\(name)").path
    }

    /// A new empty folder under the system temp directory.
    public static func scratch(_ label: String = "novapulse") -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Writes `text` to a new file in a scratch folder and returns its path.
    public static func file(_ text: String, name: String = "data.csv") -> String {
        let path = (scratch("fixture") as NSString).appendingPathComponent(name)
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    public static let btcusd = Pair(base: "BTC", quote: "USD")
}

/// Builders for hand-made bars.
public enum Bars {
    /// Bars one minute apart from `startMs`, each given as (open, high, low, close).
    public static func series(_ ohlc: [(Double, Double, Double, Double)], startMs: Int64 = 1_700_000_000_000 / 60_000 * 60_000) -> BarSeries {
        var s = BarSeries()
        for (i, b) in ohlc.enumerated() {
            s.timestampMs.append(startMs + Int64(i) * 60_000)
            s.open.append(b.0); s.high.append(b.1); s.low.append(b.2); s.close.append(b.3); s.volume.append(1)
        }
        return s
    }

    /// Flat bars (open = high = low = close) at the given closes.
    public static func closes(_ closes: [Double], startMs: Int64 = 1_700_000_000_000 / 60_000 * 60_000) -> BarSeries {
        series(closes.map { ($0, $0, $0, $0) }, startMs: startMs)
    }
}
