import Foundation

/// Wall time of the phases of one command, printed to stderr when `NOVAPULSE_PHASES=1`: how a
/// benchmark note says where a run's time goes without a profiler (load, replay, report, store).
/// Off by default; the cost when off is one environment lookup per command.
public struct PhaseTimes: Sendable {
    public let enabled: Bool
    private var last: UInt64
    private var rows: [(String, Double)] = []

    public init(enabled: Bool = ProcessInfo.processInfo.environment["NOVAPULSE_PHASES"] == "1") {
        self.enabled = enabled
        last = DispatchTime.now().uptimeNanoseconds
    }

    /// Ends the phase named `name` (the time since the previous mark).
    public mutating func mark(_ name: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        rows.append((name, Double(now &- last) / 1e9))
        last = now
    }

    /// The phases as `phase NAME SECONDS` lines, and their sum.
    public var lines: [String] {
        rows.map { String(format: "phase %-22@ %8.3f s", $0.0, $0.1) }
            + [String(format: "phase %-22@ %8.3f s", "total", rows.reduce(0) { $0 + $1.1 })]
    }

    /// Prints the lines to stderr when enabled.
    public func report() {
        guard enabled else { return }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
