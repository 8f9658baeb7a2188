import Crypto
import Foundation
import NovaConfig
import NovaCore
import NovaSignals
import NovaStorage
import NovaVenue

/// The runtime's inputs as the journal stores them. The paper engine is deterministic in its
/// inputs, so replaying the journal into a fresh stack rebuilds exactly the state the last
/// session had: open positions, their stops and trailing, pending exits, cash, the risk
/// manager's history, the trade ids. That is how a restart loses nothing, with no snapshot
/// format to keep in step with the engine's types.
///
/// Numbers are written with Swift's shortest round-tripping form: a replayed bar is the bar.
enum JournalEntry: Equatable {
    /// A warm-up bar (REST history, entries blocked while priming).
    case warm(slot: Int, Bar)
    /// A live bar, closed.
    case bar(slot: Int, Bar)
    /// The book analysis in effect for the slot's next bar (only written when it changed).
    case book(slot: Int, OrderBookAnalysis?)
    /// The reason entries are refused for every slot (nil: open).
    case block(String?)
    /// The reason entries are refused for one slot (stale data; nil: open).
    case slotBlock(slot: Int, String?)
    /// The operator's close-all.
    case closeAll(atMs: Int64)
    /// What the exchange answered (live mode): acks, rejects, fills, cancels, balances. With
    /// them a replay rebuilds the positions real fills made.
    case venue(VenueEvent)
    /// The book as it was when a trade opened (its `order_book_snapshots` row): not an input
    /// of the engine, journaled so that a restart writes the row again if it was lost.
    case entryBook(EntryBook)

    var row: LiveLedger.JournalRow {
        func bar(_ b: Bar) -> String { "\(b.open),\(b.high),\(b.low),\(b.close),\(b.volume)" }
        switch self {
        case .warm(let s, let b): return .init(kind: "warm", slot: s, ts: b.timestampMs, payload: bar(b))
        case .bar(let s, let b): return .init(kind: "bar", slot: s, ts: b.timestampMs, payload: bar(b))
        case .book(let s, let a):
            guard let a else { return .init(kind: "book", slot: s, ts: 0, payload: "") }
            var fields = [a.obi, a.bookScore, a.bidVolume, a.askVolume, a.spreadBps].map { "\($0)" }
            if let w = a.whale { fields += [w.side.rawValue, "\(w.price)", "\(w.size)"] }
            return .init(kind: "book", slot: s, ts: 0, payload: fields.joined(separator: ","))
        case .block(let r): return .init(kind: "block", slot: -1, ts: 0, payload: r ?? "")
        case .slotBlock(let s, let r): return .init(kind: "slot_block", slot: s, ts: 0, payload: r ?? "")
        case .closeAll(let ms): return .init(kind: "close_all", slot: -1, ts: ms, payload: "")
        case .venue(let e):
            let json = (try? Self.encoder.encode(e)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return .init(kind: "venue", slot: -1, ts: e.timeMs, payload: json)
        case .entryBook(let b):
            let json = (try? Self.encoder.encode(b)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return .init(kind: "entry_book", slot: -1, ts: 0, payload: json)
        }
    }

    private static let encoder: JSONEncoder = { let e = JSONEncoder(); e.outputFormatting = .sortedKeys; return e }()

    struct Malformed: Error, CustomStringConvertible {
        let row: LiveLedger.JournalRow
        var description: String { "journal row \(row.kind) slot \(row.slot) ts \(row.ts) \"\(row.payload.prefix(80))\" cannot be read" }
    }

    init(_ r: LiveLedger.JournalRow) throws {
        let f = r.payload.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func bar() throws -> Bar {
            let v = f.compactMap(Double.init)
            guard v.count == 5, f.count == 5 else { throw Malformed(row: r) }
            return Bar(timestampMs: r.ts, open: v[0], high: v[1], low: v[2], close: v[3], volume: v[4])
        }
        switch r.kind {
        case "warm": self = .warm(slot: r.slot, try bar())
        case "bar": self = .bar(slot: r.slot, try bar())
        case "book":
            if r.payload.isEmpty { self = .book(slot: r.slot, nil); return }
            let v = f.prefix(5).compactMap(Double.init)
            guard v.count == 5, f.count == 5 || f.count == 8 else { throw Malformed(row: r) }
            var a = OrderBookAnalysis(obi: v[0], bookScore: v[1], bidVolume: v[2], askVolume: v[3], spreadBps: v[4], whale: nil)
            if f.count == 8 {
                guard let side = OrderBookAnalysis.Side(rawValue: f[5]), let p = Double(f[6]), let s = Double(f[7]) else { throw Malformed(row: r) }
                a.whale = (side, p, s)
            }
            self = .book(slot: r.slot, a)
        case "block": self = .block(r.payload.isEmpty ? nil : r.payload)
        case "slot_block": self = .slotBlock(slot: r.slot, r.payload.isEmpty ? nil : r.payload)
        case "close_all": self = .closeAll(atMs: r.ts)
        case "venue":
            guard let e = try? JSONDecoder().decode(VenueEvent.self, from: Data(r.payload.utf8)) else { throw Malformed(row: r) }
            self = .venue(e)
        case "entry_book":
            guard let b = try? JSONDecoder().decode(EntryBook.self, from: Data(r.payload.utf8)) else { throw Malformed(row: r) }
            self = .entryBook(b)
        default: throw Malformed(row: r)
        }
    }

    static func == (a: JournalEntry, b: JournalEntry) -> Bool { a.row == b.row }

    /// One `order_book_snapshots` row as the journal keeps it.
    struct EntryBook: Codable, Equatable, Sendable {
        var pair: String, timestamp: String, tradeID: String
        var bidVolume: Double, askVolume: Double, obi: Double, spread: Double
        var levels: String

        func write(to ledger: LiveLedger) throws {
            try ledger.insertBookSnapshot(pair: pair, timestamp: timestamp, bidVolume: bidVolume, askVolume: askVolume, obi: obi,
                                          spread: spread, snapshotJSON: levels, tradeID: tradeID)
        }
    }

    /// What the journal's decisions depend on: the configuration that shapes decisions and
    /// fills (not the endpoints, ports and timers of `live:` and `venues.*` URLs) and the pairs,
    /// in order. A journal is only replayed under the same fingerprint.
    static func fingerprint(_ config: NovaPulseConfig, pairs: [Pair]) -> String {
        var c = config
        c.live = NovaPulseConfig.LiveSection()
        for path in [\NovaPulseConfig.venues.kraken, \NovaPulseConfig.venues.coinbase] {
            c[keyPath: path].restURL = ""
            c[keyPath: path].wsURL = ""
            c[keyPath: path].wsAuthURL = ""
            c[keyPath: path].rateTier = ""
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = ((try? encoder.encode(c)) ?? Data()) + Data(pairs.map(\.description).joined(separator: ",").utf8)
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
