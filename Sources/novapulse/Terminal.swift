import Foundation

/// Terminal output helpers: progress on stderr (only when stderr is a terminal, so pipes and
/// CI logs stay clean) and aligned tables.
enum Terminal {
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A progress bar that redraws itself on one stderr line.
    final class ProgressBar {
        private let label: String
        private let enabled: Bool
        private let start = Date()
        private var lastDraw = Date.distantPast

        init(label: String, enabled: Bool = Terminal.stderrIsTTY) {
            self.label = label
            self.enabled = enabled
        }

        func update(_ done: Int, _ total: Int) {
            guard enabled else { return }
            let now = Date()
            guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let fraction = total > 0 ? Double(done) / Double(total) : 1
            let width = 30
            let filled = Int(fraction * Double(width))
            let elapsed = now.timeIntervalSince(start)
            let eta = fraction > 0 && fraction < 1 ? String(format: " ETA %.0fs", elapsed / fraction - elapsed) : ""
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = String(format: "\r%@ %@ %3.0f%% %@/%@%@   ", label, bar, fraction * 100, short(done), short(total), eta)
            FileHandle.standardError.write(Data(line.utf8))
        }

        func finish() {
            guard enabled else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }

        private func short(_ n: Int) -> String {
            n >= 1_000_000 ? String(format: "%.2fM", Double(n) / 1e6) : (n >= 10_000 ? String(format: "%.0fk", Double(n) / 1e3) : "\(n)")
        }
    }

    /// Left-aligned first column, right-aligned others.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, s in
                let pad = String(repeating: " ", count: widths[i] - s.count)
                return i == 0 ? s + pad : pad + s
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }

    static func json(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
