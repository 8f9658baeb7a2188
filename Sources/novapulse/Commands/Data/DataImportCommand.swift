import ArgumentParser
import Foundation
import NovaCore
import NovaMarketData
import NovaResearch
#if Live
import NovaLive
#endif

/// `novapulse data import FILE`: parse, validate and cache a data file.
struct DataImportCommand: ParsableCommand {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case ohlcv, book, trades, tape }

    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an OHLCV CSV (plain or .zst) or order-book snapshots into the catalog.",
        discussion: """
        OHLCV: a header timestamp,open,high,low,close,volume[,trades,taker_buy_volume] (timestamps in unix \
        seconds or ms, or ISO 8601), or Kraken's headerless time,open,high,low,close,volume,trades. \
        Book (--kind book): CSV timestamp,bid_price_1,bid_size_1,...,ask_price_1,ask_size_1,... or JSON lines \
        {"timestamp":...,"bids":[[price,size],...],"asks":[...]}. Trades (--kind trades): CSV \
        timestamp,price,size,side (the taker's side); they drive the book fill model's queue positions and stop \
        triggers, and also give 1-minute bars (--timeframe to change) unless bars of that timeframe exist (then \
        the import says so and keeps them; --replace-bars builds them anyway). Bad rows fail the import (exit code 3) \
        unless --repair can fix them (sorting, dropping exact duplicates). Tape (--kind tape, a build with the \
        live stack): a `novapulse live --record` wire tape, whose REST history and WebSocket frames become the \
        pair's 1-minute bars through the live feed code. A new import of the same pair/exchange/timeframe replaces the old one.
        """)

    @Argument(help: "The file to import (.csv, .csv.zst, .json, .jsonl).")
    var file: String

    @Option(name: .long, help: "The pair the file holds, e.g. BTC/USD (a tape: default every pair on it).")
    var pair: String?

    @Option(name: .long, help: "The exchange to file it under: kraken or coinbase (default kraken; a tape: the exchange it was recorded on).")
    var exchange: String?

    @Option(name: .long, help: "Bar timeframe (e.g. 1m, 5m); inferred from the data when omitted.")
    var timeframe: String?

    @Option(name: .long, help: "What the file holds: ohlcv (default), book, or trades.")
    var kind: Kind = .ohlcv

    @Flag(name: .long, help: "Fix what can be fixed (sort rows, drop exact duplicates) and report each repair.")
    var repair = false

    @Flag(name: .long, help: "Fill missing bars with flat zero-volume bars at the previous close (default: keep gaps).")
    var fillGaps = false

    @Flag(name: .long, help: "With --kind trades: build the bars from the trades even when the pair already has bars of that timeframe (they are replaced).")
    var replaceBars = false

    @OptionGroup var output: JSONOutput

    func validate() throws {
        if let pair { try Validate.pair(pair) } else if kind != .tape {
            throw ValidationError("--pair is needed: which pair does \(file) hold? (only a tape names its own pairs)")
        }
        if let exchange { try Validate.exchange(exchange) }
        if let timeframe { try Validate.timeframe(timeframe) }
        if kind == .tape && timeframe.map({ $0 != "1m" }) == true { throw ValidationError("--kind tape gives 1-minute bars: drop --timeframe \(timeframe ?? "")") }
        if kind != .trades && replaceBars { throw ValidationError("--replace-bars applies to --kind trades (the bars built from them)") }
        if kind != .ohlcv && fillGaps { throw ValidationError("--fill-gaps applies to OHLCV bars, not \(kind == .book ? "order-book snapshots" : "trades")") }
    }

    func run() throws {
        try ExitCodes.reporting {
            let paths = WorkspacePaths.fromEnvironment(ProcessInfo.processInfo.environment)
            let catalog = DatasetCatalog(dataDirectory: paths.dataDirectory)
            let exchange = try ExchangeID(parsing: self.exchange ?? "kraken")
            if kind == .tape {
                #if Live
                try importTape(catalog: catalog, exchange: exchange)
                return
                #else
                throw ValidationError("--kind tape needs the live stack (Kraken's feed code): build with `swift build -c release --traits Live`")
                #endif
            }
            let pair = try Pair(parsing: self.pair ?? "")
            let start = Date()
            let info: DatasetInfo
            var notes: [String]
            var contentBytes = 0
            switch kind {
            case .tape:
                return
            case .ohlcv:
                let importer = OHLCVImporter(options: .init(pair: pair, exchange: exchange, timeframe: try timeframe.map { try Timeframe(parsing: $0) },
                                                            repair: repair, fillGaps: fillGaps))
                let result = try importer.importFile(file)
                try catalog.saveBars(result.bars, info: result.info)
                (info, notes, contentBytes) = (result.info, result.notes, result.contentBytes)
            case .book:
                let (book, bookInfo, bookNotes) = try OrderBookImporter(pair: pair, exchange: exchange, repair: repair).importFile(file)
                try catalog.saveBook(book, info: bookInfo)
                (info, notes) = (bookInfo, bookNotes)
            case .trades:
                let (tape, tapeInfo) = try TradeTapeImporter(pair: pair, exchange: exchange).importFile(file)
                try catalog.saveTrades(tape, info: tapeInfo)
                (info, notes) = (tapeInfo, [])
                // Bars built from the trades, unless the catalog already has bars of that
                // timeframe (kept, and said so: a backtest would run on those, not these).
                let tf = try timeframe.map { try Timeframe(parsing: $0) } ?? .oneMinute
                let existing = replaceBars ? nil : try? catalog.loadBars(pair: pair, exchange: exchange, timeframe: tf).1
                if let existing {
                    let other = ExchangeID.allCases.first { $0 != exchange }?.rawValue ?? "coinbase"
                    notes.append("no \(tf) bars built from the trades: \(pair) \(exchange.rawValue) \(tf) bars already exist (\(existing.rows) bars, "
                                 + "\(UTCTime.iso(existing.firstMs)) .. \(UTCTime.iso(existing.lastMs)), from \((existing.sourcePath as NSString).lastPathComponent)) "
                                 + "and are kept, so a backtest of \(pair) runs on them, not on these trades; to have both, import the trades "
                                 + "(and their book) under the other exchange (--exchange \(other)), or replace those bars with --replace-bars")
                } else {
                    let bars = TradeTapeImporter.bars(tape, timeframe: tf)
                    let gaps = GapStats.of(bars.timestampMs, intervalMs: tf.milliseconds)
                    var barInfo = tapeInfo
                    barInfo.kind = .ohlcv; barInfo.timeframe = tf; barInfo.rows = bars.count
                    barInfo.firstMs = bars.timestampMs.first!; barInfo.lastMs = bars.timestampMs.last!
                    barInfo.gapCount = gaps.gapCount; barInfo.missingBars = gaps.missingBars
                    barInfo.largestGapBars = gaps.largestGapBars; barInfo.largestGapStartMs = gaps.largestGapStartMs
                    barInfo.columns = ["timestamp", "open", "high", "low", "close", "volume", "trades", "taker_buy_volume"]
                    try catalog.saveBars(bars, info: barInfo)
                    notes.append("built \(bars.count) \(tf) bars from the trades (\(gaps.missingBars) minutes without trades have no bar)")
                }
            }
            report(info: info, notes: notes, contentBytes: contentBytes, pair: pair, exchange: exchange, seconds: Date().timeIntervalSince(start),
                   catalog: catalog)
        }
    }

#if Live
    /// A tape's pairs (all of them unless --pair names one): each one's bars through the OHLCV
    /// importer (the same validation, fingerprint and gap report as any bar file), and the
    /// `backtest` command that replays the recorded session.
    func importTape(catalog: DatasetCatalog, exchange flagged: ExchangeID) throws {
        let tape: Tape
        do { tape = try Tape(path: file) } catch { throw MarketDataError.unrecognisedLayout(path: file, reason: "\(error)") }
        // Filed under the exchange it was recorded on, unless --exchange says otherwise.
        let exchange = self.exchange == nil ? (ExchangeID(rawValue: tape.header.exchange) ?? flagged) : flagged
        let pairs = try pair.map { [try Pair(parsing: $0)] } ?? tape.header.pairs.map { try Pair(parsing: $0) }
        guard !pairs.isEmpty else { throw MarketDataError.unrecognisedLayout(path: file, reason: "the tape names no pair: give --pair") }
        for pair in pairs {
            let start = Date()
            let session: TapeBars.Session
            do { session = try TapeBars.read(tape, pair: pair) } catch { throw MarketDataError.unrecognisedLayout(path: file, reason: "\(error)") }
            guard !session.bars.isEmpty else { throw MarketDataError.empty(path: file) }
            let csv = FileManager.default.temporaryDirectory.appendingPathComponent("np-tape-\(getpid()).csv").path
            try TapeBars.csv(session.bars).write(toFile: csv, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: csv) }
            var result = try OHLCVImporter(options: .init(pair: pair, exchange: exchange, timeframe: .oneMinute, repair: repair, fillGaps: fillGaps)).importFile(csv)
            result.info.sourcePath = file
            try catalog.saveBars(result.bars, info: result.info)
            var notes = result.notes
            if tape.truncated { notes.append("the tape ends mid-frame (a crash while recording): its whole frames were read") }
            var replay: String?
            if let live = session.firstLiveMs {
                // The session primed on the REST bars with entries blocked, then traded the live ones.
                replay = "novapulse backtest --pair \(pair) --exchange \(exchange.rawValue) --from \(UTCTime.iso(session.bars[0].timestampMs)) "
                    + "--trade-from \(UTCTime.iso(live))"
                notes.append("the session's live bars begin at \(UTCTime.iso(live)); replay it with: \(replay!) "
                             + "(and the session's --strategy, --config and --param; for a baseline, sma_cross or buy_and_hold, also --sizing fixed-fractional: "
                             + "live runs it through the risk manager, a backtest runs it all-in)")
            } else {
                notes.append("the tape's WebSocket closed no bar: REST history only")
            }
            report(info: result.info, notes: notes, contentBytes: 0, pair: pair, exchange: exchange, seconds: Date().timeIntervalSince(start),
                   catalog: catalog, extra: ["trade_from": session.firstLiveMs.map(UTCTime.iso) ?? NSNull(), "replay": replay ?? NSNull()])
        }
    }
#endif

    func report(info: DatasetInfo, notes: [String], contentBytes: Int, pair: Pair, exchange: ExchangeID, seconds: Double,
                catalog: DatasetCatalog, extra: [String: Any] = [:]) {
        let destination = switch kind {
        case .ohlcv, .tape: catalog.barsPath(pair: pair, exchange: exchange, timeframe: info.timeframe)
        case .book: catalog.bookPath(pair: pair, exchange: exchange)
        case .trades: catalog.tradesPath(pair: pair, exchange: exchange)
        }
        if output.json {
            print(Terminal.json([
                "pair": pair.description, "exchange": exchange.rawValue, "kind": info.kind.rawValue, "timeframe": info.timeframe.description,
                "rows": info.rows, "first": UTCTime.iso(info.firstMs), "last": UTCTime.iso(info.lastMs), "gaps": info.gapCount,
                "missing_bars": info.missingBars, "largest_gap_bars": info.largestGapBars, "fingerprint": info.fingerprint,
                "repairs": ["rows_out_of_order": info.repairs.rowsOutOfOrder, "exact_duplicates_dropped": info.repairs.exactDuplicatesDropped,
                            "filled_bars": info.repairs.filledBars],
                "notes": notes, "seconds": seconds, "cache": destination,
            ].merging(extra) { $1 }))
            return
        }
        for note in notes { Terminal.error("note: \(note)") }
        var lines = [
            "Imported \(info.rows) \(info.kind == .book ? "snapshots (depth \(info.depth))" : info.kind == .trades ? "trades" : "\(info.timeframe) bars") of \(pair) (\(exchange))",
            "  range        \(UTCTime.iso(info.firstMs)) to \(UTCTime.iso(info.lastMs))",
        ]
        if info.kind == .ohlcv {
            var gapLine = "  gaps         \(info.gapCount) (\(info.missingBars) missing bars"
            if let at = info.largestGapStartMs { gapLine += ", largest \(info.largestGapBars) from \(UTCTime.iso(at))" }
            lines.append(gapLine + ")")
        }
        lines.append("  fingerprint  sha256 \(info.fingerprint)")
        let mb = Double(info.sourceBytes) / 1e6
        let contentMB = Double(contentBytes) / 1e6
        lines.append(String(format: "  speed        %.2f s, %.0f rows/s, %.1f MB/s on disk%@", seconds, Double(info.rows) / max(seconds, 1e-9),
                            mb / max(seconds, 1e-9), contentBytes > info.sourceBytes ? String(format: " (%.1f MB/s decompressed)", contentMB / max(seconds, 1e-9)) : ""))
        lines.append("  cached in    \(destination)")
        if let replay = extra["replay"] as? String { lines.append("  replay       \(replay)") }
        print(lines.joined(separator: "\n"))
    }
}
