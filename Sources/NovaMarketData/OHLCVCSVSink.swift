#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns CSV fields into OHLCV column buffers, checking each row as it arrives.
///
/// Fields are parsed straight from libcsv's buffer (`strtod` on NUL-terminated bytes), so a
/// row costs no allocation. A row with any problem is logged with its line and left out of
/// the columns; the importer then refuses the file unless every problem is repairable.
///
/// Its state is touched only by the one parse that owns it, field by field: the dynamic
/// exclusivity checks on it (a tenth of an import's time) are off.
final class OHLCVCSVSink: CSVSink {
    let path: String
    var layout: OHLCVLayout?
    @exclusivity(unchecked) var bars = BarSeries()
    /// Line of each kept row, for sequence messages after parsing.
    @exclusivity(unchecked) var lines: [Int32] = []
    var issues = DataIssueLog()

    private var headerFields: [String] = []
    @exclusivity(unchecked) private var fieldIndex = 0
    @exclusivity(unchecked) private var line = 0
    @exclusivity(unchecked) private var values = [Double](repeating: 0, count: 8)
    @exclusivity(unchecked) private var timestamp: Int64 = 0
    @exclusivity(unchecked) private var rowBad = false
    @exclusivity(unchecked) private var firstRecord = true
    private var pendingFirstRow: [String] = []

    init(path: String) { self.path = path }

    func field(_ bytes: UnsafePointer<CChar>, length: Int) {
        defer { fieldIndex += 1 }
        if firstRecord {
            pendingFirstRow.append(FieldText.quote(bytes, length: length))
            return
        }
        guard let layout, fieldIndex < layout.columns.count, let f = layout.columns[fieldIndex] else { return }
        if rowBad { return }
        if f == .timestamp {
            let parsed = UnsafeRawPointer(bytes).withMemoryRebound(to: UInt8.self, capacity: length) {
                UTCTimeBridge.parse(UnsafeBufferPointer(start: $0, count: length))
            }
            guard let ms = parsed else {
                bad(.unparsable, "timestamp '\(FieldText.quote(bytes, length: length))'")
                return
            }
            timestamp = ms
            return
        }
        let fast = UnsafeRawPointer(bytes).withMemoryRebound(to: UInt8.self, capacity: length) { FastDouble.parse($0, count: length) }
        if let fast {
            values[f.rawValue] = fast
            return
        }
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(bytes, &end)
        if length == 0 || end == nil || end! - UnsafeMutablePointer(mutating: bytes) != length {
            bad(.unparsable, "\(f.name) '\(FieldText.quote(bytes, length: length))'")
            return
        }
        values[f.rawValue] = v
    }

    func endRecord() {
        line += 1
        defer { fieldIndex = 0; rowBad = false }
        if firstRecord {
            firstRecord = false
            startLayout()
            return
        }
        guard let layout else { return }
        if rowBad { return }
        if fieldIndex != layout.fieldCount {
            issues.add(DataIssue(kind: .wrongFieldCount, line: line, detail: "\(fieldIndex) fields, expected \(layout.fieldCount)"))
            return
        }
        checkAndAppend()
    }

    private func startLayout() {
        let first = pendingFirstRow
        pendingFirstRow = []
        let looksNumeric = first.first.map { text -> Bool in
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { UTCTimeBridge.parse($0) } != nil
        } ?? false
        do {
            if looksNumeric {
                layout = try OHLCVLayout.headerless(fieldCount: first.count, path: path)
            } else {
                layout = try OHLCVLayout.fromHeader(first, path: path)
            }
        } catch {
            layoutError = error
            return
        }
        if layout!.has(.trades) { bars.trades = [] }
        if layout!.has(.takerBuyVolume) { bars.takerBuyVolume = [] }
        if looksNumeric {
            // The first record is data: replay it through the field parser.
            line -= 1
            fieldIndex = 0
            for text in first {
                var cString = Array(text.utf8CString)
                cString.withUnsafeMutableBufferPointer { field($0.baseAddress!, length: $0.count - 1) }
            }
            endRecord()
        }
    }

    var layoutError: (any Error)?

    private func bad(_ kind: DataIssue.Kind, _ detail: String) {
        rowBad = true
        issues.add(DataIssue(kind: kind, line: line + 1, detail: detail))
    }

    private func checkAndAppend() {
        let o = values[1], h = values[2], l = values[3], c = values[4], v = values[5]
        if !(o.isFinite && h.isFinite && l.isFinite && c.isFinite && v.isFinite) {
            for (i, x) in [o, h, l, c, v].enumerated() where !x.isFinite {
                // `inf` is not a price or a volume either; say which it is, not "zero or negative".
                issues.add(DataIssue(kind: x.isNaN ? .notANumber : .notFinite, line: line,
                                     detail: "\(OHLCVLayout.Field(rawValue: i + 1)!.name) is \(x.isNaN ? "NaN" : "\(x)")"))
                return
            }
        }
        if !(o > 0 && h > 0 && l > 0 && c > 0) || !o.isFinite || !h.isFinite || !l.isFinite || !c.isFinite {
            issues.add(DataIssue(kind: .nonPositivePrice, line: line, detail: "open \(o), high \(h), low \(l), close \(c)"))
            return
        }
        if v < 0 {
            issues.add(DataIssue(kind: .negativeVolume, line: line, detail: "volume \(v)"))
            return
        }
        if h < max(o, c) {
            issues.add(DataIssue(kind: .highBelowOpenClose, line: line, detail: "high \(h) < max(open \(o), close \(c))"))
            return
        }
        if l > min(o, c) {
            issues.add(DataIssue(kind: .lowAboveOpenClose, line: line, detail: "low \(l) > min(open \(o), close \(c))"))
            return
        }
        bars.timestampMs.append(timestamp)
        bars.open.append(o); bars.high.append(h); bars.low.append(l); bars.close.append(c); bars.volume.append(v)
        if bars.trades != nil { bars.trades!.append(values[6]) }
        if bars.takerBuyVolume != nil { bars.takerBuyVolume!.append(values[7]) }
        lines.append(Int32(truncatingIfNeeded: line))
    }
}

import NovaCore
enum UTCTimeBridge {
    @inline(__always)
    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? { UTCTime.parseTimestamp(b) }
}
