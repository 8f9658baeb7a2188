import Foundation
import NovaCore
import NovaEngine

/// Everything a report shows about one run. Built by the runner at the end of a backtest, or
/// rebuilt from the results store (and the market-data catalog) by `runs report`.
public struct RunArtifacts: Sendable {
    public struct PriceSeries: Sendable {
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
    /// Buy and hold of the same cash, per equity sample (empty when the data is gone).
    public var benchmark: [Double]
    public var prices: [PriceSeries]
    /// The report's account of the run's decisions (recorded as the run went, or read back
    /// from the store block by block): the decisions themselves are in the store.
    public var signalSummary: SignalSummary
    public var notes: [String]
    /// The effective configuration, canonical JSON.
    public var configJSON: String
    /// Pair -> SHA-256 of the data file the run used.
    public var fingerprints: [String: String]
    /// The run's execution summary (fill model, latency, faults, simulator counts).
    public var execution: ExecutionSummary?
    /// Spans in which the edge gates refused every entry.
    public var halts: [Halt] = []

    public init(runID: String, title: String, metrics: RunMetrics, trades: [Trade], equityTimestampMs: [Int64], equity: [Double],
                benchmark: [Double], prices: [PriceSeries], signalSummary: SignalSummary, notes: [String], configJSON: String,
                fingerprints: [String: String]) {
        self.runID = runID; self.title = title; self.metrics = metrics; self.trades = trades
        self.equityTimestampMs = equityTimestampMs; self.equity = equity; self.benchmark = benchmark; self.prices = prices
        self.signalSummary = signalSummary; self.notes = notes; self.configJSON = configJSON; self.fingerprints = fingerprints
    }
}

/// Writes a run's report folder: report.html, trades.csv, equity.csv, metrics.csv. Each file is
/// written to a temporary name and renamed, so a report is never half-written. signals.csv (a
/// row per evaluation: 148 MB and a seventh of a year-long run's time) is written on request
/// from the stored run: `novapulse runs export RUN --signals`.
public enum ReportWriter {
    public static let files = ["report.html", "trades.csv", "equity.csv", "metrics.csv"]

    /// A report folder being written is named `RUN_ID.staging-PID` until its run is committed.
    static let stagingSuffix = ".staging-"

    /// Removes staging folders of processes that no longer run (a backtest killed mid-report).
    /// The staging folders of processes that are gone: a run the store calls completed was
    /// killed between its commit and the rename, so its folder is moved into place (a completed
    /// run keeps its report); any other is removed.
    public static func settleStaleStaging(in reportsDirectory: String, completed: (String) -> Bool) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: reportsDirectory) else { return }
        for name in names {
            guard let r = name.range(of: stagingSuffix, options: .backwards), let pid = Int32(name[r.upperBound...]), pid != getpid(),
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let path = (reportsDirectory as NSString).appendingPathComponent(name)
            let runID = String(name[..<r.lowerBound])
            let final = (reportsDirectory as NSString).appendingPathComponent(runID)
            if completed(runID) && !FileManager.default.fileExists(atPath: final) && rename(path, final) == 0 { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Writes the report's four files, made side by side on the machine's cores (the HTML page
    /// and the per-bar equity CSV are each about half of a long run's report). Each file is
    /// written plainly, not atomically: the folder is the unit that appears (a staging folder
    /// renamed into place once the run is stored).
    public static func write(_ a: RunArtifacts, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files: [(name: String, make: @Sendable () -> [UInt8])] = [
            ("report.html", { Array(HTMLReport(a).render().utf8) }),
            ("equity.csv", { CSVExport.equityBytes(timestampMs: a.equityTimestampMs, equity: a.equity) }),
            ("trades.csv", { Array(CSVExport.trades(a.trades).utf8) }),
            ("metrics.csv", { Array(CSVExport.metrics(a.metrics).utf8) }),
        ]
        let failures = FirstError()
        DispatchQueue.concurrentPerform(iterations: files.count) { k in
            do {
                let bytes = files[k].make()
                try bytes.withUnsafeBytes { raw in
                    try Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!), count: raw.count, deallocator: .none)
                        .write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(files[k].name)))
                }
            } catch {
                failures.record(error)
            }
        }
        if let error = failures.first { throw error }
    }
}

/// The first error of work done on several threads.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func record(_ e: any Error) { lock.withLock { if error == nil { error = e } } }
    var first: (any Error)? { lock.withLock { error } }
}

/// A file NovaPulse could not write (a full disk, a read-only place): one line naming the file
/// and the system's reason, not Foundation's error dump.
public struct WriteFailure: Error, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, error: any Error) {
        self.path = path
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(ns.code))).lowercased()
        } else if ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteOutOfSpace.rawValue {
            reason = "no space left on device"
        } else if ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteNoPermission.rawValue {
            reason = "permission denied"
        } else if ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteVolumeReadOnly.rawValue {
            reason = "read-only file system"
        } else {
            reason = ns.localizedFailureReason ?? ns.localizedDescription
        }
    }

    public var description: String {
        "cannot write \(path): \(reason)" + (reason.contains("no space") ? " (free some space, or set NOVAPULSE_REPORTS_DIR elsewhere)" : "")
    }
}
