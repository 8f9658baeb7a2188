/// Errors of market-data ingest and the catalog. Each message names the file (and line) and
/// says what would fix it. The CLI maps every case to exit code 3 (data), except
/// `.usage` cases which are the user's flags (exit code 2).
public enum MarketDataError: Error, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case decompression(path: String, reason: String)
    case unrecognisedLayout(path: String, reason: String)
    case validationFailed(path: String, summary: String)
    case empty(path: String)
    case noDataset(pair: String, exchange: String, timeframe: String, hint: String)
    case corruptCache(path: String, reason: String)
    case usage(String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .decompression(let path, let reason):
            return "\(path): zstd decompression failed: \(reason) (is it a complete .zst file?)"
        case .unrecognisedLayout(let path, let reason):
            return "\(path): unrecognised layout: \(reason). Expected a header timestamp,open,high,low,close,volume "
                + "or Kraken's headerless time,open,high,low,close,volume,trades"
        case .validationFailed(let path, let summary):
            return "\(path): invalid data, nothing imported:\n\(summary)"
        case .empty(let path):
            return "\(path): no data rows"
        case .noDataset(let pair, let exchange, let timeframe, let hint):
            return "no \(timeframe) data for \(pair) on \(exchange): \(hint)"
        case .corruptCache(let path, let reason):
            return "\(path): damaged cache file (\(reason)); import the source file again"
        case .usage(let message):
            return message
        }
    }

    /// True when the error is the user's flags rather than the data.
    public var isUsage: Bool {
        if case .usage = self { return true }
        return false
    }
}
