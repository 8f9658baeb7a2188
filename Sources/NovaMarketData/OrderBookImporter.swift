import Foundation
import NovaCore
#if canImport(Glibc)
import Glibc
#endif

/// Imports L2 order-book snapshots into `OrderBookSeries`.
///
/// Two shapes are read:
/// - CSV: `timestamp,bid_price_1,bid_size_1,...,ask_price_1,ask_size_1,...` (any depth, level 1
///   the best), plain or `.zst`;
/// - JSON (`.json`/`.jsonl`, optionally `.zst`): one object per line, or one array of objects,
///   each `{"timestamp": ms|seconds|ISO, "bids": [[price, size], ...], "asks": [[price, size], ...]}`,
///   the `snapshot_data` shape of the seed's `order_book_snapshots` table plus a timestamp.
///
/// Checked: parsable numbers, positive prices, non-negative sizes, bids descending and asks
/// ascending, an uncrossed book (best bid < best ask), increasing timestamps (`repair` sorts
/// and drops exact duplicates).
public struct OrderBookImporter {
    public var pair: Pair
    public var exchange: ExchangeID
    public var repair: Bool

    public init(pair: Pair, exchange: ExchangeID, repair: Bool = false) {
        self.pair = pair
        self.exchange = exchange
        self.repair = repair
    }

    struct Snapshot { var line: Int; var ts: Int64; var bids: [(Double, Double)]; var asks: [(Double, Double)] }

    public func importFile(_ path: String) throws -> (OrderBookSeries, DatasetInfo, [String]) {
        var stream = ByteStream(path: path)
        let base = path.hasSuffix(".zst") ? String(path.dropLast(4)) : path
        let isJSON = base.hasSuffix(".json") || base.hasSuffix(".jsonl") || base.hasSuffix(".ndjson")
        var snapshots: [Snapshot] = []
        var issues = DataIssueLog()
        if isJSON {
            var bytes: [UInt8] = []
            try stream.forEachChunk { bytes.append(contentsOf: $0) }
            snapshots = try parseJSON(bytes, path: path, issues: &issues)
        } else {
            let sink = BookCSVSink(path: path)
            let reader = try CSVReader(sink: sink)
            reader.path = path
            try stream.forEachChunk { chunk in
                try reader.parse(chunk)
                if let e = sink.layoutError { throw e }
            }
            reader.finish()
            if let e = sink.layoutError { throw e }
            snapshots = sink.snapshots
            for issue in sink.issues.firstIssues { issues.add(issue) }
            if sink.issues.total > sink.issues.firstIssues.count {
                // Keep the true count of problems beyond the first few.
                for _ in 0..<(sink.issues.total - sink.issues.firstIssues.count) {
                    issues.add(DataIssue(kind: .unparsable, line: 0, detail: "(further problem)"))
                }
            }
        }
        var notes: [String] = []
        var repairs = DatasetInfo.Repairs()
        for s in snapshots { check(s, &issues) }
        if repair {
            let before = snapshots
            snapshots.sort { $0.ts != $1.ts ? $0.ts < $1.ts : $0.line < $1.line }
            repairs.rowsOutOfOrder = zip(before, snapshots).filter { $0.line != $1.line }.count
            var kept: [Snapshot] = []
            for s in snapshots {
                if let last = kept.last, last.ts == s.ts {
                    if last.bids.elementsEqual(s.bids, by: ==) && last.asks.elementsEqual(s.asks, by: ==) {
                        repairs.exactDuplicatesDropped += 1
                    } else {
                        issues.add(DataIssue(kind: .conflictingDuplicate, line: s.line, detail: "\(UTCTime.iso(s.ts)) also on line \(last.line)"))
                    }
                    continue
                }
                kept.append(s)
            }
            snapshots = kept
            if repairs.rowsOutOfOrder > 0 { notes.append("repaired: sorted \(repairs.rowsOutOfOrder) snapshots") }
            if repairs.exactDuplicatesDropped > 0 { notes.append("repaired: dropped \(repairs.exactDuplicatesDropped) exact duplicate snapshots") }
        } else {
            for i in snapshots.indices.dropFirst() where snapshots[i].ts <= snapshots[i - 1].ts {
                let kind: DataIssue.Kind = snapshots[i].ts == snapshots[i - 1].ts ? .duplicateTimestamp : .outOfOrder
                issues.add(DataIssue(kind: kind, line: snapshots[i].line,
                                     detail: "\(UTCTime.iso(snapshots[i].ts)) after \(UTCTime.iso(snapshots[i - 1].ts)); --repair sorts and drops exact duplicates"))
            }
        }
        if !issues.isEmpty { throw MarketDataError.validationFailed(path: path, summary: issues.summary(path: path)) }
        guard !snapshots.isEmpty else { throw MarketDataError.empty(path: path) }

        let depth = snapshots.map { max($0.bids.count, $0.asks.count) }.max() ?? 0
        var book = OrderBookSeries(depth: depth)
        for s in snapshots {
            book.timestampMs.append(s.ts)
            for level in 0..<depth {
                let b = level < s.bids.count ? s.bids[level] : (Double.nan, 0)
                let a = level < s.asks.count ? s.asks[level] : (Double.nan, 0)
                book.bidPrice.append(b.0); book.bidSize.append(b.1)
                book.askPrice.append(a.0); book.askSize.append(a.1)
            }
        }
        let interval = OHLCVImporter.inferInterval(book.timestampMs) ?? 1000
        let info = DatasetInfo(
            kind: .book, pair: pair, exchange: exchange, timeframe: Timeframe(seconds: max(1, interval / 1000)),
            rows: book.count, firstMs: book.timestampMs.first!, lastMs: book.timestampMs.last!, gapCount: 0, missingBars: 0,
            largestGapBars: 0, largestGapStartMs: nil, fingerprint: stream.fingerprint, sourcePath: path,
            sourceBytes: stream.bytesOnDisk, importedAtMs: Int64(Date().timeIntervalSince1970 * 1000),
            columns: ["timestamp", "bid_price", "bid_size", "ask_price", "ask_size"], depth: depth, repairs: repairs)
        return (book, info, notes)
    }

    private func check(_ s: Snapshot, _ issues: inout DataIssueLog) {
        for (side, levels) in [("bid", s.bids), ("ask", s.asks)] {
            for (k, (p, q)) in levels.enumerated() {
                if p.isNaN || q.isNaN { issues.add(DataIssue(kind: .notANumber, line: s.line, detail: "\(side) level \(k + 1) is NaN")); return }
                if !(p > 0) || !p.isFinite { issues.add(DataIssue(kind: .nonPositivePrice, line: s.line, detail: "\(side) price \(p) at level \(k + 1)")); return }
                if !q.isFinite { issues.add(DataIssue(kind: .notFinite, line: s.line, detail: "\(side) size \(q) at level \(k + 1)")); return }
                if q < 0 { issues.add(DataIssue(kind: .negativeVolume, line: s.line, detail: "\(side) size \(q) at level \(k + 1)")); return }
                if k > 0 {
                    let prev = levels[k - 1].0
                    if (side == "bid" && p >= prev) || (side == "ask" && p <= prev) {
                        issues.add(DataIssue(kind: .outOfOrder, line: s.line, detail: "\(side) levels not sorted best first at level \(k + 1)"))
                        return
                    }
                }
            }
        }
        if let b = s.bids.first?.0, let a = s.asks.first?.0, b >= a {
            issues.add(DataIssue(kind: .crossedBook, line: s.line, detail: "best bid \(b) >= best ask \(a)"))
        }
    }

    private func parseJSON(_ bytes: [UInt8], path: String, issues: inout DataIssueLog) throws -> [Snapshot] {
        func levels(_ any: Any?) -> [(Double, Double)]? {
            guard let rows = any as? [Any] else { return nil }
            var out: [(Double, Double)] = []
            for row in rows {
                guard let pair = row as? [Any], pair.count >= 2 else { return nil }
                func num(_ x: Any) -> Double? { (x as? NSNumber)?.doubleValue ?? (x as? String).flatMap(Double.init) }
                guard let p = num(pair[0]), let q = num(pair[1]) else { return nil }
                out.append((p, q))
            }
            return out
        }
        func snapshot(_ obj: Any, line: Int) -> Snapshot? {
            guard let dict = obj as? [String: Any] else {
                issues.add(DataIssue(kind: .unparsable, line: line, detail: "not a JSON object"))
                return nil
            }
            var ts: Int64?
            if let n = dict["timestamp"] as? NSNumber {
                let text = Array(n.stringValue.utf8)
                ts = text.withUnsafeBufferPointer { UTCTime.parseTimestamp($0) }
            } else if let s = dict["timestamp"] as? String {
                ts = try? UTCTime.parse(s)
            }
            guard let ts else {
                issues.add(DataIssue(kind: .unparsable, line: line, detail: "missing or bad \"timestamp\""))
                return nil
            }
            guard let bids = levels(dict["bids"]), let asks = levels(dict["asks"]) else {
                issues.add(DataIssue(kind: .unparsable, line: line, detail: "\"bids\"/\"asks\" must be arrays of [price, size]"))
                return nil
            }
            return Snapshot(line: line, ts: ts, bids: bids, asks: asks)
        }
        let data = Data(bytes)
        let trimmedFirst = bytes.first { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }
        var out: [Snapshot] = []
        if trimmedFirst == UInt8(ascii: "[") {
            guard let array = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw MarketDataError.unrecognisedLayout(path: path, reason: "not valid JSON")
            }
            for (i, obj) in array.enumerated() { if let s = snapshot(obj, line: i + 1) { out.append(s) } }
        } else {
            var line = 0
            for raw in data.split(separator: 0x0a, omittingEmptySubsequences: false) {
                line += 1
                if raw.allSatisfy({ $0 == 0x20 || $0 == 0x0d || $0 == 0x09 }) { continue }
                guard let obj = try? JSONSerialization.jsonObject(with: Data(raw)) else {
                    issues.add(DataIssue(kind: .unparsable, line: line, detail: "not valid JSON"))
                    continue
                }
                if let s = snapshot(obj, line: line) { out.append(s) }
            }
        }
        return out
    }
}

/// CSV sink for the wide book layout.
final class BookCSVSink: CSVSink {
    let path: String
    var snapshots: [OrderBookImporter.Snapshot] = []
    var issues = DataIssueLog()
    var layoutError: (any Error)?
    // column -> (side 0 bid / 1 ask, level index, 0 price / 1 size); -1 side = timestamp
    private var map: [(side: Int, level: Int, what: Int)?] = []
    private var depth = 0
    private var header = true
    private var headerNames: [String] = []
    private var fieldIndex = 0
    private var line = 0
    private var ts: Int64?
    private var bids: [(Double, Double)] = []
    private var asks: [(Double, Double)] = []
    private var bad = false

    init(path: String) { self.path = path }

    func field(_ bytes: UnsafePointer<CChar>, length: Int) {
        defer { fieldIndex += 1 }
        if header { headerNames.append(FieldText.quote(bytes, length: length)); return }
        guard !bad, fieldIndex < map.count, let slot = map[fieldIndex] else { return }
        if slot.side < 0 {
            ts = UnsafeRawPointer(bytes).withMemoryRebound(to: UInt8.self, capacity: length) {
                UTCTime.parseTimestamp(UnsafeBufferPointer(start: $0, count: length))
            }
            if ts == nil { fail(.unparsable, "timestamp '\(FieldText.quote(bytes, length: length))'") }
            return
        }
        if length == 0 { return } // an empty field: the level is checked whole at the end of the record
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(bytes, &end)
        guard let end, end - UnsafeMutablePointer(mutating: bytes) == length else {
            fail(.unparsable, "'\(FieldText.quote(bytes, length: length))' in column \(headerNames[fieldIndex])"); return
        }
        // strtod reads "NaN" and "inf": a book level is a finite number or nothing.
        guard v.isFinite else {
            fail(v.isNaN ? .notANumber : .notFinite, "'\(FieldText.quote(bytes, length: length))' in column \(headerNames[fieldIndex])"); return
        }
        if slot.side == 0 {
            if slot.what == 0 { bids[slot.level].0 = v } else { bids[slot.level].1 = v }
        } else {
            if slot.what == 0 { asks[slot.level].0 = v } else { asks[slot.level].1 = v }
        }
    }

    private func fail(_ kind: DataIssue.Kind, _ detail: String) {
        bad = true
        issues.add(DataIssue(kind: kind, line: line + 1, detail: detail))
    }

    func endRecord() {
        line += 1
        defer {
            fieldIndex = 0; bad = false; ts = nil
            bids = Array(repeating: (.nan, .nan), count: depth); asks = Array(repeating: (.nan, .nan), count: depth)
        }
        if header { header = false; buildLayout(); return }
        guard layoutError == nil, !bad else { return }
        guard fieldIndex == map.count else {
            issues.add(DataIssue(kind: .wrongFieldCount, line: line, detail: "\(fieldIndex) fields, expected \(map.count)")); return
        }
        guard let ts else { return }
        // A level has a price and a size, or neither (a thin book's missing depth, after the
        // levels it has): half a level, or a hole before deeper levels, is a broken row.
        for (side, levels) in [("bid", bids), ("ask", asks)] {
            var emptySeen = 0
            for (k, (p, q)) in levels.enumerated() {
                if p.isNaN != q.isNaN {
                    issues.add(DataIssue(kind: .unparsable, line: line, detail: "\(side) level \(k + 1) has a \(p.isNaN ? "size" : "price") but no \(p.isNaN ? "price" : "size")"))
                    return
                }
                if p.isNaN { if emptySeen == 0 { emptySeen = k + 1 }; continue }
                if emptySeen > 0 {
                    issues.add(DataIssue(kind: .unparsable, line: line, detail: "\(side) level \(emptySeen) is empty but level \(k + 1) is not"))
                    return
                }
            }
        }
        let b = bids.filter { !$0.0.isNaN }, a = asks.filter { !$0.0.isNaN }
        snapshots.append(.init(line: line, ts: ts, bids: b, asks: a))
    }

    static let maxDepth = 1_000

    private func buildLayout() {
        var maxLevel = 0
        for name in headerNames {
            let n = name.lowercased().trimmingCharacters(in: .whitespaces)
            if ["timestamp", "time", "ts", "datetime"].contains(n) { map.append((-1, 0, 0)); continue }
            let parts = n.split(separator: "_")
            if parts.count == 3, let level = Int(parts[2]), level >= 1,
               let side = ["bid": 0, "ask": 1][String(parts[0])], let what = ["price": 0, "size": 1, "qty": 1, "amount": 1][String(parts[1])] {
                // Each row holds `depth` levels a side: a header naming level 99999999 asked for
                // 1.6 GB a row (found by the fuzzer). Real books here have 10 to 25 levels.
                guard level <= Self.maxDepth else {
                    layoutError = MarketDataError.unrecognisedLayout(
                        path: path, reason: "column \(FieldText.quote(name)) names book level \(level); at most \(Self.maxDepth) levels are read")
                    map.append(nil)
                    continue
                }
                map.append((side, level - 1, what))
                maxLevel = max(maxLevel, level)
            } else {
                map.append(nil)
            }
        }
        // Both sides: a book of bids alone has no spread, no mid and no ask to fill a buy against.
        if layoutError == nil, !map.contains(where: { $0?.side == -1 }) || maxLevel == 0 || !map.contains(where: { $0?.side == 0 }) || !map.contains(where: { $0?.side == 1 }) {
            layoutError = MarketDataError.unrecognisedLayout(
                path: path, reason: "a book CSV needs a timestamp column and bid_price_N, bid_size_N, ask_price_N, ask_size_N columns")
        }
        depth = maxLevel
    }
}
