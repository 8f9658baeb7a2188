import Foundation
import NovaCore
import NovaMarketData
import NovaSignals

/// `novapulse indicators`: reads any OHLCV file the importer accepts (with its validation) and
/// writes the input timestamp plus one column per indicator value (IndicatorTable.columnNames),
/// empty during warm-up. The timestamp keeps the input's form: unix seconds, unix milliseconds
/// or ISO 8601 (UTC).
public enum IndicatorExport {
    public struct Summary: Sendable {
        public var rows: Int
        public var columns: [String]
    }

    public static func export(data path: String, to out: String) throws -> Summary {
        let result = try OHLCVImporter(options: .init(pair: Pair(base: "X", quote: "Y"), exchange: .kraken)).importFile(path)
        let bars = result.bars
        let columns = IndicatorTable.compute(timestampMs: bars.timestampMs, open: bars.open, high: bars.high, low: bars.low,
                                             close: bars.close, volume: bars.volume)
        let style = try timestampStyle(path)
        var text: [UInt8] = Array(("timestamp," + IndicatorTable.columnNames.joined(separator: ",") + "\n").utf8)
        text.reserveCapacity(bars.count * 400)
        for i in 0..<bars.count {
            switch style {
            case .seconds: text.append(contentsOf: String(bars.timestampMs[i] / 1000).utf8)
            case .milliseconds: text.append(contentsOf: String(bars.timestampMs[i]).utf8)
            case .iso: UTCTime.appendISO(bars.timestampMs[i], to: &text)
            }
            for column in columns {
                text.append(UInt8(ascii: ","))
                if let x = column[i] { text.append(contentsOf: NumberText.clean(x).utf8) }
            }
            text.append(UInt8(ascii: "\n"))
        }
        let dir = (out as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        do { try Data(text).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw MarketDataError.usage("cannot write \(out): \(error.localizedDescription)")
        }
        return Summary(rows: bars.count, columns: IndicatorTable.columnNames)
    }

    enum TimestampStyle { case seconds, milliseconds, iso }

    /// The form of the first data row's timestamp.
    static func timestampStyle(_ path: String) throws -> TimestampStyle {
        var stream = ByteStream(path: path)
        var head: [UInt8] = []
        struct Enough: Error {}
        do {
            try stream.forEachChunk { chunk in
                head.append(contentsOf: chunk.prefix(4096))
                if head.count >= 4096 { throw Enough() }
            }
        } catch is Enough {}
        let lines = head.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        for line in lines {
            let field = String(decoding: line.prefix { $0 != UInt8(ascii: ",") }, as: UTF8.self)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"\r "))
            if field.allSatisfy({ $0.isNumber || $0 == "." }), let v = Double(field) {
                return v < 1e11 ? .seconds : .milliseconds
            }
            if (try? UTCTime.parse(field)) != nil { return .iso }
        }
        return .milliseconds
    }
}
