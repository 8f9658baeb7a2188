import Foundation

/// A run's recorded evaluations and decisions, stored compactly: blocks of `chunkSize`
/// records, each a zstd frame of plain separated text (0x1F between fields, 0x1E between
/// records; 0x00 stands for "none"), one row per block with its time range. A year of the full
/// stack records about 470,000 of them: as rows of JSON that was 340 MB of database and most of
/// the run's time; as chunks it is a few MB, and `runs why` decodes only the blocks it needs.
enum SignalChunks {
    static let format = "np-signals-v1"
    static let chunkSize = 20_000

    struct Chunk {
        var index: Int
        var firstTimestamp: String
        var lastTimestamp: String
        var count: Int
        var data: Data
    }

    static func encode(_ records: [RunSignalRecord]) throws -> [Chunk] {
        var chunks: [Chunk] = []
        var start = 0
        while start < records.count {
            let part = records[start..<min(records.count, start + chunkSize)]
            var text = ""
            text.reserveCapacity(part.count * 200)
            for r in part {
                for (k, f) in fields(r).enumerated() {
                    if k > 0 { text.unicodeScalars.append("\u{1F}") }
                    text += f
                }
                text.unicodeScalars.append("\u{1E}")
            }
            chunks.append(Chunk(index: chunks.count, firstTimestamp: part.first!.timestamp, lastTimestamp: part.last!.timestamp,
                                count: part.count, data: try ZstdFrame.compress(Data(text.utf8))))
            start += chunkSize
        }
        return chunks
    }

    static func decode(_ data: Data, runID: String) throws -> [RunSignalRecord] {
        let text = String(decoding: try ZstdFrame.decompress(data), as: UTF8.self)
        var out: [RunSignalRecord] = []
        for record in text.split(separator: "\u{1E}", omittingEmptySubsequences: true) {
            let f = record.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 13, let seq = Int(f[0]), let strength = Double(f[5]), let count = Int(f[11]) else {
                throw StorageError.database("a stored signal block of run \(runID) is damaged")
            }
            out.append(RunSignalRecord(runID: runID, seq: seq, timestamp: f[1], pair: f[2], strategy: f[3], action: f[4], strength: strength,
                                       actedUpon: f[6] == "1", reason: opt(f[7]), rejection: opt(f[8]), metadata: opt(f[9]),
                                       direction: f[10], confluenceCount: count, confidence: opt(f[12]).flatMap(Double.init)))
        }
        return out
    }

    private static func fields(_ r: RunSignalRecord) -> [String] {
        [String(r.seq), clean(r.timestamp), clean(r.pair), clean(r.strategy), clean(r.action), "\(r.strength)", r.actedUpon ? "1" : "0",
         r.reason.map(clean) ?? "\u{0}", r.rejection.map(clean) ?? "\u{0}", r.metadata.map(clean) ?? "\u{0}", clean(r.direction),
         String(r.confluenceCount), r.confidence.map { "\($0)" } ?? "\u{0}"]
    }

    /// The separators cannot occur in the text: they are control characters no reason, pair or
    /// JSON of ours contains; any that did would be replaced by a space.
    private static func clean(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value == 0x1E || $0.value == 0x1F || $0.value == 0 }) else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value == 0x1E || $0.value == 0x1F || $0.value == 0 ? " " : $0 }))
    }

    private static func opt(_ s: String) -> String? { s == "\u{0}" ? nil : s }
}
