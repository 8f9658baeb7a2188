import Foundation
import NovaCore

/// Imports executed trades, `timestamp,price,size,side` (unix ms or seconds; side the taker's:
/// buy/sell or b/s), plain or `.zst`, into a `TradeTape`; and builds OHLCV bars from them, so a
/// market known only from a book capture and its trades can be backtested on the book model.
///
/// Checked: four fields, parsable positive price and size, a known side, timestamps that never
/// go back (trades may share one). Bad rows fail the import with their line numbers.
public struct TradeTapeImporter {
    public var pair: Pair
    public var exchange: ExchangeID

    public init(pair: Pair, exchange: ExchangeID) { self.pair = pair; self.exchange = exchange }

    public func importFile(_ path: String) throws -> (TradeTape, DatasetInfo) {
        guard FileManager.default.fileExists(atPath: path) else { throw MarketDataError.fileNotFound(path: path) }
        var stream = ByteStream(path: path)
        var bytes: [UInt8] = []
        try stream.forEachChunk { bytes.append(contentsOf: $0) }
        // A UTF-8 byte-order mark (spreadsheet programs write one) is not part of the header,
        // as the OHLCV and book readers already treat it.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        let text = String(decoding: body, as: UTF8.self)
        var tape = TradeTape()
        var issues = DataIssueLog()
        var lineNo = 0
        var lastMs = Int64.min
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if lineNo == 1 {
                guard fields.count >= 4, fields[0].lowercased() == "timestamp" else {
                    throw MarketDataError.unrecognisedLayout(path: path, reason: "expected a header timestamp,price,size,side, got '\(line)'")
                }
                continue
            }
            guard fields.count == 4 else {
                issues.add(DataIssue(kind: .wrongFieldCount, line: lineNo, detail: "\(fields.count) fields, expected 4"))
                continue
            }
            guard let t = Int64(fields[0]) ?? Double(fields[0]).flatMap({ Int64(checked: $0) }), let price = Double(fields[1]), let size = Double(fields[2]) else {
                issues.add(DataIssue(kind: .unparsable, line: lineNo, detail: "'\(line)'"))
                continue
            }
            // Seconds below 1e11 (before year 5138), milliseconds above; before 1970 is not a trade time.
            guard t >= 0, let ms = t < 100_000_000_000 ? Int64.milliseconds(fromSeconds: t) : t else {
                issues.add(DataIssue(kind: .unparsable, line: lineNo, detail: "timestamp \(fields[0]) out of range"))
                continue
            }
            guard price > 0 && price.isFinite else { issues.add(DataIssue(kind: .nonPositivePrice, line: lineNo, detail: "price \(price)")); continue }
            guard size > 0 && size.isFinite else { issues.add(DataIssue(kind: .negativeVolume, line: lineNo, detail: "size \(size) (must be positive)")); continue }
            let side = fields[3].lowercased()
            guard ["buy", "sell", "b", "s"].contains(side) else {
                issues.add(DataIssue(kind: .unparsable, line: lineNo, detail: "side '\(fields[3])' (expected buy or sell)"))
                continue
            }
            if ms < lastMs {
                issues.add(DataIssue(kind: .outOfOrder, line: lineNo, detail: "\(UTCTime.iso(ms)) after \(UTCTime.iso(lastMs))"))
                continue
            }
            lastMs = ms
            tape.append(timestampMs: ms, price: price, size: size, takerBuys: side.hasPrefix("b"))
        }
        if !issues.isEmpty { throw MarketDataError.validationFailed(path: path, summary: issues.summary(path: path)) }
        guard tape.count > 0 else { throw MarketDataError.empty(path: path) }
        let info = DatasetInfo(
            kind: .trades, pair: pair, exchange: exchange, timeframe: Timeframe(seconds: 1), rows: tape.count,
            firstMs: tape.timestampMs.first!, lastMs: tape.timestampMs.last!, gapCount: 0, missingBars: 0, largestGapBars: 0,
            largestGapStartMs: nil, fingerprint: stream.fingerprint, sourcePath: path, sourceBytes: stream.bytesOnDisk,
            importedAtMs: Int64(Date().timeIntervalSince1970 * 1000), columns: ["timestamp", "price", "size", "taker_buys"], depth: 0,
            repairs: DatasetInfo.Repairs())
        return (tape, info)
    }

    /// OHLCV bars of `timeframe` from the trades: open/close the first/last trade of the
    /// interval, high/low its extremes, volume the base units traded, trades the count. An
    /// interval without trades gets no bar (a gap, as Kraken's own files have).
    public static func bars(_ tape: TradeTape, timeframe: Timeframe) -> BarSeries {
        var bars = BarSeries()
        bars.trades = []
        bars.takerBuyVolume = []
        let step = timeframe.milliseconds
        var i = 0
        while i < tape.count {
            let start = tape.timestampMs[i] / step * step
            let o = tape.price[i]
            var (h, l, c, v, n, buyVolume) = (o, o, o, 0.0, 0.0, 0.0)
            while i < tape.count && tape.timestampMs[i] < start + step {
                let p = tape.price[i]
                h = max(h, p); l = min(l, p); c = p
                v += tape.size[i]; n += 1
                if tape.takerBuys[i] { buyVolume += tape.size[i] }
                i += 1
            }
            bars.timestampMs.append(start); bars.open.append(o); bars.high.append(h); bars.low.append(l); bars.close.append(c)
            bars.volume.append(v); bars.trades!.append(n); bars.takerBuyVolume!.append(buyVolume)
        }
        return bars
    }
}
