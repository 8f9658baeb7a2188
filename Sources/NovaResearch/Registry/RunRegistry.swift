import Foundation
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaStorage

/// The registry of stored runs: look one up, compare several, render a report again, delete.
/// Works on any run in the results store; `rerender` also reads the market-data catalog to
/// redraw prices, and leaves them out (saying so) when the data changed or is gone.
public struct RunRegistry {
    public let store: ResultsStore
    public let paths: WorkspacePaths

    public init(paths: WorkspacePaths) throws {
        self.paths = paths
        store = try ResultsStore(path: paths.databasePath)
        try? store.recoverInterruptedRuns(host: ProcessInfo.processInfo.hostName, isAlive: { kill(pid_t($0), 0) == 0 })
    }

    /// A stored run, decoded.
    public struct StoredRun {
        public var record: BacktestRunRecord
        /// The stored `config` JSON as an object (`config`, `config_hash`, `pairs`, `window`, `data`).
        public var stored: [String: Any]
        public var metrics: RunMetrics?
        public var notes: [String]
        public var execution: ExecutionSummary?
    }

    public func load(_ idOrPrefix: String) throws -> StoredRun {
        let record = try store.run(idOrPrefix)
        let stored = (try? JSONSerialization.jsonObject(with: Data(record.config.utf8))) as? [String: Any] ?? [:]
        var metrics: RunMetrics?
        var notes: [String] = []
        var execution: ExecutionSummary?
        if let results = record.results {
            metrics = try? JSONDecoder().decode(RunMetrics.self, from: Data(results.utf8))
            notes = ((try? JSONSerialization.jsonObject(with: Data(results.utf8))) as? [String: Any])?["notes"] as? [String] ?? []
            struct Execution: Decodable { var execution: ExecutionSummary? }
            execution = (try? JSONDecoder().decode(Execution.self, from: Data(results.utf8)))?.execution
        }
        return StoredRun(record: record, stored: stored, metrics: metrics, notes: notes, execution: execution)
    }

    /// Rebuilds everything a report shows from the store (and the catalog, for prices).
    public func artifacts(_ idOrPrefix: String) throws -> RunArtifacts {
        let run = try load(idOrPrefix)
        let r = run.record
        guard r.status == "completed", let metrics = run.metrics else {
            throw StorageError.runNotCompleted(r.runID, status: r.status, error: r.error)
        }
        let equityPoints = try store.equity(runID: r.runID)
        let ts = equityPoints.map(\.timestampMs), equity = equityPoints.map(\.equity)
        let trades = try store.trades(runID: r.runID).map(Self.trade)
        // Counted block by block: a year of decisions is not held to be counted.
        var signalSummary = SignalSummary()
        try store.forEachSignalBlock(runID: r.runID) { block in for s in block.compactMap(Self.signal) { signalSummary.add(s) } }
        var notes = run.notes
        var prices: [RunArtifacts.PriceSeries] = []
        var series: [BarSeries] = []
        var fingerprints: [String: String] = [:]
        let catalog = DatasetCatalog(dataDirectory: paths.dataDirectory)
        for entry in run.stored["data"] as? [[String: Any]] ?? [] {
            guard let pairText = entry["pair"] as? String, let pair = try? Pair(parsing: pairText),
                  let ex = (entry["exchange"] as? String).flatMap({ ExchangeID(rawValue: $0) }),
                  let tf = (entry["timeframe"] as? String).flatMap({ try? Timeframe(parsing: $0) }),
                  let fp = entry["fingerprint"] as? String else { continue }
            fingerprints[pairText] = fp
            guard let (bars, info) = try? catalog.loadBars(pair: pair, exchange: ex, timeframe: tf), info.fingerprint == fp,
                  let first = ts.first, let last = ts.last else {
                notes.append("\(pairText): the catalog no longer holds the data this run used (fingerprint \(fp.prefix(12))); prices are left out")
                continue
            }
            let slice = bars.slice(bars.indices(fromMs: first, toMs: last + 1))
            series.append(slice)
            prices.append(.init(pair: pair, timestampMs: slice.timestampMs, close: slice.close))
        }
        let expected = (run.stored["data"] as? [Any])?.count ?? 0
        let benchmark = series.count == expected && !series.isEmpty
            ? BacktestRunner.buyAndHoldEquity(series: series, at: ts, cash: metrics.initialCash) : []
        let config = run.stored["config"].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
        var artifacts = RunArtifacts(runID: r.runID, title: BacktestRunner.title(strategy: r.strategy, pairs: r.pairs.components(separatedBy: ","),
                                                                       exchange: r.exchange, timeframe: (run.stored["data"] as? [[String: Any]])?.first?["timeframe"] as? String ?? ""),
                            metrics: metrics, trades: trades, equityTimestampMs: ts, equity: equity, benchmark: benchmark, prices: prices,
                            signalSummary: signalSummary, notes: notes, configJSON: config.map { String(decoding: $0, as: UTF8.self) } ?? "{}",
                            fingerprints: fingerprints)
        artifacts.execution = run.execution
        artifacts.halts = Self.halts(resultsJSON: r.results)
        return artifacts
    }

    /// Writes the run's signals.csv (a row per recorded evaluation, as the report folder used to
    /// hold it) to `path`, default `reports/RUN/signals.csv`, block by block: memory holds one
    /// block of the store, not the run. Written beside and renamed: never half a file.
    /// Returns the path and the number of rows.
    public func exportSignals(_ idOrPrefix: String, to path: String? = nil) throws -> (path: String, rows: Int) {
        let run = try load(idOrPrefix)
        let runID = run.record.runID
        let out = path ?? (paths.reportsDirectory as NSString).appendingPathComponent(runID + "/signals.csv")
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temp = out + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: nil), let handle = FileHandle(forWritingAtPath: temp) else {
            throw StorageError.database("cannot write \(temp)")
        }
        var rows = 0
        do {
            defer { try? handle.close() }
            try handle.write(contentsOf: Data(CSVExport.signalsHeader.utf8))
            try store.forEachSignalBlock(runID: runID) { block in
                let events = block.compactMap(Self.signal)
                var text = ""
                CSVExport.signalRows(events, into: &text)
                try handle.write(contentsOf: Data(text.utf8))
                rows += events.count
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        guard rename(temp, out) == 0 else { throw StorageError.database("cannot move \(temp) to \(out)") }
        return (out, rows)
    }

    /// Writes the run's report folder again; returns its path.
    public func rerender(_ idOrPrefix: String) throws -> String {
        let a = try artifacts(idOrPrefix)
        let dir = (paths.reportsDirectory as NSString).appendingPathComponent(a.runID)
        try ReportWriter.write(a, to: dir)
        return dir
    }

    /// Deletes the run and its rows (trades, equity, signals); its report folder too.
    /// A run still being written by a live process on this host is refused: deleting its rows
    /// under it made that backtest fail and left its report folder.
    public func delete(_ idOrPrefix: String) throws -> String {
        let r = try store.run(idOrPrefix)
        if r.status == "running", let pid = r.pid, r.host == ProcessInfo.processInfo.hostName, pid != Int(getpid()), kill(pid_t(pid), 0) == 0 {
            throw StorageError.runStillRunning(r.runID, pid: pid)
        }
        try store.deleteRun(runID: r.runID)
        let dir = (paths.reportsDirectory as NSString).appendingPathComponent(r.runID)
        try? FileManager.default.removeItem(atPath: dir)
        return r.runID
    }

    /// Metrics side by side and the config keys whose values differ between the runs.
    public struct Comparison {
        public var runIDs: [String]
        /// (metric name, value per run).
        public var metrics: [(String, [Double?])]
        /// (config key path, value per run as text), only the keys that differ.
        public var configDifferences: [(String, [String])]
    }

    public func compare(_ ids: [String]) throws -> Comparison {
        let runs = try ids.map(load)
        var seen = Set<String>()
        for r in runs where !seen.insert(r.record.runID).inserted {
            throw StorageError.duplicateRunID(r.record.runID)
        }
        let names = runs.compactMap(\.metrics).first?.scalars.map(\.0) ?? []
        let metrics = names.map { name in
            (name, runs.map { run in run.metrics?.scalars.first(where: { $0.0 == name })?.1 ?? nil })
        }
        var flat: [[String: String]] = []
        for run in runs {
            var f: [String: String] = [:]
            Self.flatten(run.stored["config"] ?? [:], prefix: "", into: &f)
            f["pairs"] = run.record.pairs
            if let w = run.stored["window"] as? [String: String] { f["window.from"] = w["from"] ?? ""; f["window.to"] = w["to"] ?? "" }
            for entry in run.stored["data"] as? [[String: Any]] ?? [] {
                if let p = entry["pair"] as? String, let fp = entry["fingerprint"] as? String { f["data.\(p).fingerprint"] = String(fp.prefix(16)) }
            }
            flat.append(f)
        }
        let keys = Set(flat.flatMap(\.keys)).sorted()
        let diffs = keys.compactMap { key -> (String, [String])? in
            let values = flat.map { $0[key] ?? "-" }
            return Set(values).count > 1 ? (key, values) : nil
        }
        return Comparison(runIDs: runs.map(\.record.runID), metrics: metrics, configDifferences: diffs)
    }

    static func flatten(_ value: Any, prefix: String, into out: inout [String: String]) {
        if let dict = value as? [String: Any] {
            for (k, v) in dict { flatten(v, prefix: prefix.isEmpty ? k : "\(prefix).\(k)", into: &out) }
        } else if let array = value as? [Any] {
            let data = try? JSONSerialization.data(withJSONObject: array, options: [.sortedKeys])
            out[prefix] = data.map { String(decoding: $0, as: UTF8.self) } ?? "\(array)"
        } else if let n = value as? NSNumber {
            out[prefix] = n.stringValue
        } else {
            out[prefix] = "\(value)"
        }
    }

    static func trade(_ r: RunTradeRecord) -> Trade {
        let entry = (try? UTCTime.parse(r.entryTime)) ?? 0
        var t = Trade(tradeID: r.tradeID, pair: (try? Pair(parsing: r.pair)) ?? Pair(base: "?", quote: "?"), side: r.side == "sell" ? .sell : .buy,
                      strategy: r.strategy, entryTimeMs: entry, entryPrice: r.entryPrice, quantity: r.quantity, entryFee: r.entryFee,
                      stopLoss: r.stopLoss, takeProfit: r.takeProfit, entryReason: r.entryReason ?? "")
        t.exitTimeMs = r.exitTime.flatMap { try? UTCTime.parse($0) }
        t.exitPrice = r.exitPrice
        t.exitFee = r.exitFee
        t.exitReason = r.exitReason
        if let json = r.metadata, let meta = try? JSONDecoder().decode(TradeMetadata.self, from: Data(json.utf8)) {
            meta.apply(to: &t)
        }
        return t
    }

    static func signal(_ r: RunSignalRecord) -> SignalEvent? {
        guard let pair = try? Pair(parsing: r.pair), let action = SignalEvent.Action(rawValue: r.action) else { return nil }
        return SignalEvent(timestampMs: r.timestampMs, pair: pair, strategy: r.strategy, action: action, strength: r.strength,
                           actedUpon: r.actedUpon, reason: r.reason ?? "", rejection: r.rejection, confluence: r.confluence)
    }
}
