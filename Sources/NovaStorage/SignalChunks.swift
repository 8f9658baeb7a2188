import Foundation
import NovaCore
import NovaSignals

/// A run's recorded evaluations and decisions, stored compactly: blocks of `chunkSize`
/// records, one row per block with its time range, each a zstd frame. A year of the full stack
/// records about 470,000 of them. As rows of JSON that was 340 MB of database and most of the
/// run's time. `runs why` decodes only the blocks it needs.
///
/// Format v2 (`np-signals-v2`, written now): each record field by field into typed streams
/// (`TypedStreamWriter`): no text or JSON is made per record, numbers are their exact bits.
/// Format v1 (`np-signals-v1`, runs stored before): plain separated text (0x1F between fields,
/// 0x1E between records; 0x00 for "none") with the confluence as JSON; still read.
/// One stored block of a run's recorded decisions, encoded and compressed.
public struct SignalBlock: Sendable {
    public var index: Int
    public var firstTimestamp: String
    public var lastTimestamp: String
    public var count: Int
    public var data: Data

    /// `records` (non-empty, in order) as block number `index` of their run.
    public static func encode(_ records: ArraySlice<RunSignalRecord>, index: Int) throws -> SignalBlock {
        try SignalChunks.block(records, index: index)
    }
}

enum SignalChunks {
    static let format = "np-signals-v2"
    static let formatV1 = "np-signals-v1"
    static let chunkSize = 20_000

    typealias Chunk = SignalBlock

    static func encode(_ records: [RunSignalRecord]) throws -> [Chunk] {
        var chunks: [Chunk] = []
        var start = 0
        while start < records.count {
            chunks.append(try block(records[start..<min(records.count, start + chunkSize)], index: chunks.count))
            start += chunkSize
        }
        return chunks
    }

    /// One block of records (a run streaming its record encodes each as it comes).
    static func block(_ part: ArraySlice<RunSignalRecord>, index: Int, layoutV1: Bool = false) throws -> SignalBlock {
        var w = TypedStreamWriter(doubleFields: Field.count, layoutV1: layoutV1)
        var previous = (seq: 0, ms: Int64(0))
        for r in part {
            write(r, previous: previous, to: &w, layoutV1: layoutV1)
            previous = (r.seq, r.timestampMs)
        }
        return SignalBlock(index: index, firstTimestamp: part.first!.timestamp, lastTimestamp: part.last!.timestamp,
                           count: part.count, data: try ZstdFrame.compress(w.bytes()))
    }

    /// The blocks' double fields, each XOR'd with its own previous value.
    enum Field {
        static let strength = 0, confidence = 1, cStrength = 2, cConfidence = 3, voteStrength = 4, voteWeight = 5
        static let obi = 6, bookScore = 7, entry = 8, stop = 9, target = 10, volLevel = 11
        /// NPT2: a vote's strength is XOR'd with the same strategy's previous vote (fields 12-20,
        /// in `voteKinds`' order; another name: `voteStrength`). A strategy's strength repeats
        /// far more often than its neighbour's. NPT1 blocks chained every vote in `voteStrength`.
        static let firstVoteKind = 12
        static let count = 21
    }

    /// Part of the format: the nine strategies' names, in their field order.
    static let voteKinds = ["keltner", "mean_reversion", "ichimoku", "order_flow", "trend", "stochastic_divergence",
                            "volatility_squeeze", "supertrend", "reversal"]

    static func voteField(_ strategy: String, layoutV1: Bool) -> Int {
        guard !layoutV1, let k = voteKinds.firstIndex(of: strategy) else { return Field.voteStrength }
        return Field.firstVoteKind + k
    }

    private static func write(_ r: RunSignalRecord, previous: (seq: Int, ms: Int64), to w: inout TypedStreamWriter, layoutV1: Bool) {
        w.int(Int64(r.seq - previous.seq))
        w.int(r.timestampMs - previous.ms)
        w.string(r.pair, slot: 0); w.string(r.strategy, slot: 1); w.string(r.action, slot: 2)
        w.double(r.strength, field: Field.strength)
        w.bool(r.actedUpon)
        w.string(r.reason, slot: 3); w.string(r.rejection, slot: 4); w.string(r.direction, slot: 5)
        w.int(Int64(r.confluenceCount))
        w.optionalDouble(r.confidence, field: Field.confidence)
        guard let c = r.confluence else { w.code(0); return }
        // The record's strength and confidence are usually the confluence's own: said in one code.
        let sameStrength = c.strength.bitPattern == r.strength.bitPattern
        let sameConfidence = r.confidence.map { $0.bitPattern == c.confidence.bitPattern } == true
        w.code(1 | (sameStrength ? 2 : 0) | (sameConfidence ? 4 : 0))
        w.int(c.timestampMs - r.timestampMs)
        w.string(c.direction.rawValue, slot: 6)
        if !sameStrength { w.double(c.strength, field: Field.cStrength) }
        if !sameConfidence { w.double(c.confidence, field: Field.cConfidence) }
        w.int(Int64(c.confluenceCount))
        w.int(Int64(c.signals.count))
        // A decision not acted upon keeps its votes compact (no weight, no sentence), as it
        // was stored as JSON.
        for v in c.signals {
            w.string(v.strategy, slot: 7); w.string(v.direction.rawValue, slot: 8); w.double(v.strength, field: voteField(v.strategy, layoutV1: layoutV1))
            w.optionalDouble(r.actedUpon ? v.weight : nil, field: Field.voteWeight)
            w.string(r.actedUpon ? v.reason : nil, slot: 9)
        }
        w.optionalDouble(c.obi, field: Field.obi); w.optionalDouble(c.bookScore, field: Field.bookScore)
        w.bool(c.obiAgrees); w.bool(c.isSureFire)
        w.double(c.entryPrice, field: Field.entry); w.double(c.stopLoss, field: Field.stop); w.double(c.takeProfit, field: Field.target)
        w.string(c.regime, slot: 10); w.string(c.volatilityRegime, slot: 11)
        w.double(c.volLevel, field: Field.volLevel)
        w.bool(c.volExpanding)
        w.int(Int64(c.timeframeAgreement))
        w.int(Int64(c.timeframes.count))
        for (k, v) in c.timeframes.sorted(by: { $0.key < $1.key }) { w.string(k, slot: 12); w.string(v, slot: 13) }
        w.string(c.rejection, slot: 14)
    }

    static func decode(_ data: Data, format: String, runID: String) throws -> [RunSignalRecord] {
        guard format == Self.format else { return try decode(data, runID: runID) }
        func damaged() -> StorageError { StorageError.database("a stored signal block of run \(runID) is damaged") }
        var r: TypedStreamReader
        do { r = try TypedStreamReader(try ZstdFrame.decompress(data), doubleFields: Field.count) } catch { throw damaged() }
        var out: [RunSignalRecord] = []
        var previous = (seq: 0, ms: Int64(0))
        do {
            while !r.atEnd {
                let rec = try read(&r, previous: previous, runID: runID)
                previous = (rec.seq, rec.timestampMs)
                out.append(rec)
            }
        } catch { throw damaged() }
        return out
    }

    private static func read(_ r: inout TypedStreamReader, previous: (seq: Int, ms: Int64), runID: String) throws -> RunSignalRecord {
        struct Bad: Error {}
        func text(_ s: String?) throws -> String { guard let s else { throw Bad() }; return s }
        func direction(_ s: String?) throws -> SignalDirection { guard let d = SignalDirection(rawValue: try text(s)) else { throw Bad() }; return d }
        let seq = previous.seq + Int(try r.int())
        let ms = previous.ms + (try r.int())
        let (pair, strategy, action) = (try text(r.string()), try text(r.string()), try text(r.string()))
        let strength = try r.double(field: Field.strength)
        let acted = try r.bool()
        let (reason, rejection, dir) = (try r.string(), try r.string(), try text(r.string()))
        let count = Int(try r.int())
        let confidence = try r.optionalDouble(field: Field.confidence)
        var confluence: ConfluenceSignal?
        let kind = try r.code()
        if kind & 1 == 1 {
            let cMs = ms + (try r.int())
            let cDir = try direction(r.string())
            let cStrength = kind & 2 != 0 ? strength : try r.double(field: Field.cStrength)
            guard kind & 4 == 0 || confidence != nil else { throw Bad() }
            let cConfidence = kind & 4 != 0 ? confidence! : try r.double(field: Field.cConfidence)
            let cCount = Int(try r.int())
            let n = Int(try r.int())
            guard (0...64).contains(n) else { throw Bad() }
            var votes: [ConfluenceSignal.Vote] = []
            for _ in 0..<n {
                let s = try text(r.string()), d = try direction(r.string()), st = try r.double(field: voteField(s, layoutV1: r.isLayoutV1))
                let weight = try r.optionalDouble(field: Field.voteWeight), why = try r.string()
                votes.append(.init(strategy: s, direction: d, strength: st, weight: weight, reason: why))
            }
            let obi = try r.optionalDouble(field: Field.obi), book = try r.optionalDouble(field: Field.bookScore)
            let (agrees, sure) = (try r.bool(), try r.bool())
            let (entry, stop, target) = (try r.double(field: Field.entry), try r.double(field: Field.stop), try r.double(field: Field.target))
            let (regime, vol) = (try text(r.string()), try text(r.string()))
            let level = try r.double(field: Field.volLevel)
            let expanding = try r.bool()
            let agreement = Int(try r.int())
            let frames = Int(try r.int())
            guard (0...64).contains(frames) else { throw Bad() }
            var timeframes: [String: String] = [:]
            for _ in 0..<frames { let k = try text(r.string()); timeframes[k] = try text(r.string()) }
            confluence = ConfluenceSignal(timestampMs: cMs, direction: cDir, strength: cStrength, confidence: cConfidence, confluenceCount: cCount,
                                          signals: votes, obi: obi, bookScore: book, obiAgrees: agrees, isSureFire: sure, entryPrice: entry,
                                          stopLoss: stop, takeProfit: target, regime: regime, volatilityRegime: vol, volLevel: level,
                                          volExpanding: expanding, timeframeAgreement: agreement, timeframes: timeframes,
                                          rejection: try r.string())
        }
        return RunSignalRecord(runID: runID, seq: seq, timestampMs: ms, pair: pair, strategy: strategy, action: action, strength: strength,
                               actedUpon: acted, reason: reason, rejection: rejection, confluence: confluence, direction: dir,
                               confluenceCount: count, confidence: confidence)
    }

    /// Format v1: separated text.
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

    private static func opt(_ s: String) -> String? { s == "\u{0}" ? nil : s }
}
