import NovaCore

/// What the catalog knows of one imported dataset; stored in the header of its cache file.
public struct DatasetInfo: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case ohlcv, book, trades }

    public var kind: Kind
    public var pair: Pair
    public var exchange: ExchangeID
    /// Bar interval (OHLCV) or typical snapshot interval (book).
    public var timeframe: Timeframe
    public var rows: Int
    public var firstMs: Int64
    public var lastMs: Int64
    /// Number of gaps (runs of missing bars) and the bars missing in all.
    public var gapCount: Int
    public var missingBars: Int
    public var largestGapBars: Int
    public var largestGapStartMs: Int64?
    /// SHA-256 of the source file as stored on disk (`sha256sum` gives the same).
    public var fingerprint: String
    public var sourcePath: String
    public var sourceBytes: Int
    public var importedAtMs: Int64
    public var columns: [String]
    /// Book depth (levels per side) for book datasets; 0 for OHLCV.
    public var depth: Int
    public var repairs: Repairs

    public struct Repairs: Codable, Sendable, Equatable {
        public var rowsOutOfOrder = 0
        public var exactDuplicatesDropped = 0
        public var filledBars = 0
        public init() {}
        public var total: Int { rowsOutOfOrder + exactDuplicatesDropped + filledBars }
    }
}

/// Gap statistics of a timestamp column.
public struct GapStats: Sendable, Equatable {
    public var gapCount = 0
    public var missingBars = 0
    public var largestGapBars = 0
    public var largestGapStartMs: Int64?

    /// Counts missing bars between consecutive timestamps (a delta of k intervals means k-1
    /// missing bars). O(n), no allocation.
    public static func of(_ ts: [Int64], intervalMs: Int64) -> GapStats {
        var stats = GapStats()
        guard ts.count > 1 else { return stats }
        for i in 1..<ts.count {
            let delta = ts[i] - ts[i - 1]
            if delta > intervalMs {
                let missing = Int(delta / intervalMs) - 1
                guard missing > 0 else { continue }
                stats.gapCount += 1
                stats.missingBars += missing
                if missing > stats.largestGapBars {
                    stats.largestGapBars = missing
                    stats.largestGapStartMs = ts[i - 1] + intervalMs
                }
            }
        }
        return stats
    }
}
