import Foundation
import NovaCore

/// Reads an OHLCV CSV file (plain or `.zst`) into column buffers and validates it.
///
/// Policy: every row-level problem (unparsable value, wrong field count, NaN, zero or negative
/// price, negative volume, high/low inconsistent with open/close) is an error. Sequence
/// problems (rows out of order, exact duplicate rows) are errors too unless `repair` is set,
/// in which case rows are sorted by time and exact duplicates dropped, and each repair is
/// counted. A duplicate timestamp with different values is never guessed at. Gaps are not
/// errors: they are counted, and filled with flat zero-volume bars only when `fillGaps` asks.
public struct OHLCVImporter {
    public struct Options: Sendable {
        public var pair: Pair
        public var exchange: ExchangeID
        /// nil: infer from the most common interval between rows.
        public var timeframe: Timeframe?
        public var repair = false
        public var fillGaps = false
        public init(pair: Pair, exchange: ExchangeID, timeframe: Timeframe? = nil, repair: Bool = false, fillGaps: Bool = false) {
            self.pair = pair
            self.exchange = exchange
            self.timeframe = timeframe
            self.repair = repair
            self.fillGaps = fillGaps
        }
    }

    public struct Result: Sendable {
        public var bars: BarSeries
        public var info: DatasetInfo
        /// Notes for the user (ignored columns, repairs made).
        public var notes: [String]
        /// Decompressed bytes parsed.
        public var contentBytes: Int
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    public func importFile(_ path: String) throws -> Result {
        let sink = OHLCVCSVSink(path: path)
        let reader = try CSVReader(sink: sink)
        reader.path = path
        var stream = ByteStream(path: path)
        var contentBytes = 0
        try stream.forEachChunk { chunk in
            contentBytes += chunk.count
            try reader.parse(chunk)
            if let error = sink.layoutError { throw error }
        }
        reader.finish()
        if let error = sink.layoutError { throw error }
        guard sink.layout != nil else { throw MarketDataError.empty(path: path) }

        var bars = sink.bars
        var lines = sink.lines
        var issues = sink.issues
        var repairs = DatasetInfo.Repairs()
        var notes: [String] = []
        if let ignored = sink.layout?.ignoredColumns, !ignored.isEmpty {
            notes.append("ignored unknown column\(ignored.count == 1 ? "" : "s"): \(ignored.joined(separator: ", "))")
        }

        // Order and duplicates.
        if options.repair {
            var outOfOrder = 0
            for i in bars.timestampMs.indices.dropFirst() where bars.timestampMs[i] < bars.timestampMs[i - 1] { outOfOrder += 1 }
            if outOfOrder > 0 {
                let order = bars.timestampMs.indices.sorted { (a, b) in
                    bars.timestampMs[a] != bars.timestampMs[b] ? bars.timestampMs[a] < bars.timestampMs[b] : a < b
                }
                bars = bars.gathered(order)
                lines = order.map { lines[$0] }
                repairs.rowsOutOfOrder = outOfOrder
            }
            var keep: [Int] = []
            keep.reserveCapacity(bars.count)
            for i in bars.timestampMs.indices {
                if let last = keep.last, bars.timestampMs[last] == bars.timestampMs[i] {
                    if bars.bar(at: last) == bars.bar(at: i) {
                        repairs.exactDuplicatesDropped += 1
                    } else {
                        issues.add(DataIssue(kind: .conflictingDuplicate, line: Int(lines[i]),
                                             detail: "\(UTCTime.iso(bars.timestampMs[i])) also on line \(lines[last]) with other values"))
                    }
                    continue
                }
                keep.append(i)
            }
            if repairs.exactDuplicatesDropped > 0 {
                bars = bars.gathered(keep)
                lines = keep.map { lines[$0] }
            }
        } else {
            for i in bars.timestampMs.indices.dropFirst() {
                let (t, p) = (bars.timestampMs[i], bars.timestampMs[i - 1])
                if t < p {
                    issues.add(DataIssue(kind: .outOfOrder, line: Int(lines[i]),
                                         detail: "\(UTCTime.iso(t)) comes after \(UTCTime.iso(p)) (line \(lines[i - 1])); --repair sorts"))
                } else if t == p {
                    let exact = bars.bar(at: i) == bars.bar(at: i - 1)
                    issues.add(DataIssue(kind: exact ? .duplicateTimestamp : .conflictingDuplicate, line: Int(lines[i]),
                                         detail: "\(UTCTime.iso(t)) repeats line \(lines[i - 1])" + (exact ? "; --repair drops exact duplicates" : " with other values")))
                }
            }
        }

        // Timeframe: given, or the most common interval.
        let timeframe: Timeframe
        if let given = options.timeframe {
            timeframe = given
        } else if let inferred = Self.inferInterval(bars.timestampMs) {
            timeframe = Timeframe(seconds: max(1, inferred / 1000))
            notes.append("timeframe inferred from the data: \(timeframe)")
        } else {
            timeframe = .oneMinute
        }
        let intervalMs = timeframe.milliseconds
        for i in bars.timestampMs.indices where bars.timestampMs[i] % intervalMs != 0 {
            issues.add(DataIssue(kind: .offGrid, line: Int(lines[i]),
                                 detail: "\(UTCTime.iso(bars.timestampMs[i])) is not a multiple of \(timeframe) (is --timeframe right?)"))
        }

        if !issues.isEmpty {
            throw MarketDataError.validationFailed(path: path, summary: issues.summary(path: path))
        }
        guard !bars.isEmpty else { throw MarketDataError.empty(path: path) }

        let gaps = GapStats.of(bars.timestampMs, intervalMs: intervalMs)
        if options.fillGaps && gaps.missingBars > 0 {
            // One wrong timestamp (seconds for milliseconds, a digit dropped) is a gap of
            // centuries: the fuzzer's 12-row file asked for 257 million flat bars.
            let limit = max(Self.maxFilledBarsFloor, bars.count * 10)
            guard gaps.missingBars <= limit else {
                throw MarketDataError.validationFailed(path: path, summary: "--fill-gaps would add \(gaps.missingBars) bars to \(bars.count) rows "
                    + "(the largest gap: \(gaps.largestGapBars) bars from \(UTCTime.iso(gaps.largestGapStartMs ?? 0))); at most \(limit) are filled. "
                    + "Is a timestamp wrong? Without --fill-gaps the gaps are counted and kept")
            }
            bars = Self.fillingGaps(bars, intervalMs: intervalMs)
            repairs.filledBars = gaps.missingBars
            notes.append("filled \(gaps.missingBars) missing bars with flat zero-volume bars at the previous close")
        }
        if repairs.rowsOutOfOrder > 0 { notes.append("repaired: sorted \(repairs.rowsOutOfOrder) rows that were out of order") }
        if repairs.exactDuplicatesDropped > 0 { notes.append("repaired: dropped \(repairs.exactDuplicatesDropped) exact duplicate rows") }

        let info = DatasetInfo(
            kind: .ohlcv, pair: options.pair, exchange: options.exchange, timeframe: timeframe, rows: bars.count,
            firstMs: bars.timestampMs.first!, lastMs: bars.timestampMs.last!, gapCount: gaps.gapCount,
            missingBars: gaps.missingBars, largestGapBars: gaps.largestGapBars, largestGapStartMs: gaps.largestGapStartMs,
            fingerprint: stream.fingerprint, sourcePath: path, sourceBytes: stream.bytesOnDisk,
            importedAtMs: Int64(Date().timeIntervalSince1970 * 1000), columns: bars.columnNames, depth: 0, repairs: repairs)
        return Result(bars: bars, info: info, notes: notes, contentBytes: contentBytes)
    }

    /// The most frequent positive interval between consecutive rows (ms).
    static func inferInterval(_ ts: [Int64]) -> Int64? {
        guard ts.count > 1 else { return nil }
        var histogram: [Int64: Int] = [:]
        for i in 1..<min(ts.count, 100_000) where ts[i] > ts[i - 1] { histogram[ts[i] - ts[i - 1], default: 0] += 1 }
        return histogram.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
    }

    /// Inserts flat bars (open = high = low = close = previous close, volume 0) for each
    /// missing interval. Only on request: fabricated bars change indicator values.
    /// `--fill-gaps` fills at most ten times the file's rows, and at least this many bars
    /// (69 days of minutes) whatever the file's size.
    static let maxFilledBarsFloor = 100_000

    static func fillingGaps(_ bars: BarSeries, intervalMs: Int64) -> BarSeries {
        var out = BarSeries(trades: bars.trades == nil ? nil : [], takerBuyVolume: bars.takerBuyVolume == nil ? nil : [])
        out.reserve(bars.count)
        for i in 0..<bars.count {
            if i > 0 {
                var t = bars.timestampMs[i - 1] + intervalMs
                let c = bars.close[i - 1]
                while t < bars.timestampMs[i] {
                    out.timestampMs.append(t)
                    out.open.append(c); out.high.append(c); out.low.append(c); out.close.append(c); out.volume.append(0)
                    out.trades?.append(0); out.takerBuyVolume?.append(0)
                    t += intervalMs
                }
            }
            out.timestampMs.append(bars.timestampMs[i])
            out.open.append(bars.open[i]); out.high.append(bars.high[i]); out.low.append(bars.low[i])
            out.close.append(bars.close[i]); out.volume.append(bars.volume[i])
            if let t = bars.trades { out.trades?.append(t[i]) }
            if let t = bars.takerBuyVolume { out.takerBuyVolume?.append(t[i]) }
        }
        return out
    }
}
