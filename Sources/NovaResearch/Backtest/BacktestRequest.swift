import Foundation
import NovaMarketData
import NovaCore
import NovaEngine

/// What a user asked `novapulse backtest` for. Flags left nil fall back to the config file,
/// then to the built-in defaults.
public struct BacktestRequest: Sendable {
    public var pairs: [Pair]
    public var exchange: ExchangeID?
    public var timeframe: Timeframe?
    /// Inclusive start, exclusive end (ms since epoch, UTC).
    public var fromMs: Int64?
    public var toMs: Int64?
    public var strategy: String?
    public var configPath: String?
    public var params: [String] = []
    /// One fee rate for maker and taker, replacing the venue's schedule.
    public var fee: Double?
    public var cash: Double?
    public var sizing: EngineConfig.Sizing?
    /// `backtest.direction`: long, short or both (shorts on margin; Kraken only).
    public var direction: TradeDirection?
    public var closeAtEnd = false
    /// `--trade-from`: entries open from this time (ms); earlier bars warm the stack.
    public var tradeFromMs: Int64?
    /// Simulator overrides (`--fill-model`, `--latency-ms`, `--seed`, `--faults`).
    public var fillModel: String?
    public var latencyMs: Int?
    public var seed: Int?
    public var faults: String?
    public var paths: WorkspacePaths

    public init(pairs: [Pair], paths: WorkspacePaths) {
        self.pairs = pairs
        self.paths = paths
    }
}

/// Where NovaPulse reads and writes: data (catalog and database), reports, bundled samples.
public struct WorkspacePaths: Sendable {
    public var dataDirectory: String
    public var databasePath: String
    public var reportsDirectory: String
    public var bundledDatasetsDirectory: String

    public init(dataDirectory: String, databasePath: String, reportsDirectory: String, bundledDatasetsDirectory: String) {
        self.dataDirectory = dataDirectory
        self.databasePath = databasePath
        self.reportsDirectory = reportsDirectory
        self.bundledDatasetsDirectory = bundledDatasetsDirectory
    }

    /// The reports folder exists (or is created) and takes files: checked before a run starts,
    /// so a file or an unwritable place named by NOVAPULSE_REPORTS_DIR is one clear line, exit 2,
    /// not a failed run with a raw error.
    public func checkReportsDirectory() throws(MarketDataError) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let named = "the reports folder \(reportsDirectory) (NOVAPULSE_REPORTS_DIR)"
        if fm.fileExists(atPath: reportsDirectory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .usage("\(named) is a file, not a folder: set NOVAPULSE_REPORTS_DIR to a folder")
        }
        do { try fm.createDirectory(atPath: reportsDirectory, withIntermediateDirectories: true) } catch {
            throw .usage("\(named) cannot be created: \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        guard access(reportsDirectory, W_OK) == 0 else { throw .usage("\(named) is not writable: set NOVAPULSE_REPORTS_DIR to a folder you can write") }
    }

    /// `data/`, `$DB_PATH` or `data/novapulse.db`, `reports/`, `datasets/`; each can be moved
    /// with an environment variable (NOVAPULSE_DATA_DIR, DB_PATH, NOVAPULSE_REPORTS_DIR).
    public static func fromEnvironment(_ env: [String: String]) -> WorkspacePaths {
        let data = env["NOVAPULSE_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
        let db = env["DB_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(data)/novapulse.db"
        let reports = env["NOVAPULSE_REPORTS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "reports"
        let bundled = env["NOVAPULSE_DATASETS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "datasets"
        return WorkspacePaths(dataDirectory: data, databasePath: db, reportsDirectory: reports, bundledDatasetsDirectory: bundled)
    }
}
