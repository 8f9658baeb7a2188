import Foundation
import NovaConfig
import NovaCore
import NovaEngine
import NovaKraken
import NovaSignals
import NovaStorage
import NIOPosix

/// What `novapulse live` was asked to do.
public struct LiveOptions: Sendable {
    public enum Mode: String, Sendable { case paper, live }
    public var pairs: [Pair]
    public var config: NovaPulseConfig
    public var mode: Mode = .paper
    /// Stop cleanly after this long of live feed (`--for`, counted from the end of the
    /// warm-up); nil: until SIGINT/SIGTERM.
    public var durationMs: Int64?
    /// Stop once this many live bars have closed (tests and soak runs stop by themselves).
    public var stopAfterBars: Int?
    public var databasePath: String
    public var logPath: String?
    /// How often time-driven work runs (dead connections, candles whose minute ended).
    public var tickMs: Int64 = 1_000
    /// The status endpoint's port on 127.0.0.1 (0: any free port; nil: off) and its read key.
    public var statusPort: Int?
    public var readKey: String?
    /// Stop on SIGINT/SIGTERM (the CLI); tests stop by duration.
    public var handleSignals = false
    /// One line per decision, fill and status change; the summary at the end.
    public var output: @Sendable (String) -> Void = { print($0) }

    public init(pairs: [Pair], config: NovaPulseConfig, databasePath: String) {
        self.pairs = pairs; self.config = config; self.databasePath = databasePath
    }

    /// The default database: `data/live-<exchange>-<mode>.db` (paper and live never share one).
    public static func defaultDatabasePath(mode: Mode, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let dir = environment["NOVAPULSE_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
        return (dir as NSString).appendingPathComponent("live-kraken-\(mode.rawValue).db")
    }
}

/// What a live session did, for the summary at its end and for tests.
public struct LiveSummary: Sendable, Equatable {
    public var warmupBars = 0
    public var liveBars = 0
    public var decisions = 0
    public var tradesOpened = 0
    public var tradesClosed = 0
    public var connections = 0
    public var reconnects = 0
    public var resubscriptions = 0
    public var checksumMismatches = 0
    public var booksValidated = 0
    public var equity = 0.0
    public var stopReason = ""
}

public enum LiveError: Error, CustomStringConvertible {
    case refused(String)
    case warmup(String)
    public var description: String {
        switch self {
        case .refused(let m): return m
        case .warmup(let m): return "warm-up failed: \(m)"
        }
    }
}

/// `novapulse live` in paper mode: Kraken's real-time data into the very engine the backtest
/// runs, fills from the simulated venue. One actor serialises everything that happens, WebSocket
/// frames, timer ticks, a stop, into the same session: nothing in strategies, risk or
/// execution knows the mode.
///
/// Order of work: instance lock; ledger database; REST AssetPairs (precisions for the book
/// checksum) and OHLC history; the stack primed with that history with entries blocked (no
/// decision on a half-primed stack); then the WebSocket feed until the duration ends or a
/// signal comes, reconnecting as the feed says; then everything persisted and a summary.
public actor LiveRuntime {
    enum Input: Sendable {
        case ws(generation: Int, WSEvent)
        case connected(generation: Int, any WebSocketHandle)
        case connectFailed(generation: Int, String)
        case tick
        case stop(String)
    }

    let options: LiveOptions
    let rest: KrakenRESTClient
    let connector: any WebSocketConnector
    let wsURL: String
    let ledger: LiveLedger
    let log: LiveLog
    let wall = WallClock()
    let statusGroup = MultiThreadedEventLoopGroup.singleton
    private var summary = LiveSummary()
    private var stack: (any LiveStack)?
    private var feed: KrakenFeed?
    private var handle: (any WebSocketHandle)?
    private var generation = 0
    private var written: [String: String] = [:]
    private var signalsWritten = 0
    private var lastBarMs: [Int64]
    private var continuation: AsyncStream<Input>.Continuation?
    private var primed = false
    private let startedMs = Int64(Date().timeIntervalSince1970 * 1000)
    public private(set) var statusServer: StatusServer?

    public init(options: LiveOptions, rest: KrakenRESTClient, connector: any WebSocketConnector, wsURL: String, ledger: LiveLedger) {
        self.options = options
        self.rest = rest
        self.connector = connector
        self.wsURL = wsURL
        self.ledger = ledger
        self.log = LiveLog(path: options.logPath)
        self.lastBarMs = options.pairs.map { _ in .min }
    }

    public func run() async throws -> LiveSummary {
        let (stream, cont) = AsyncStream<Input>.makeStream()
        continuation = cont
        try thought("system", "novapulse live starting: \(options.mode.rawValue) on kraken, \(options.pairs.map(\.description).joined(separator: ","))")

        // Instruments and warm-up history over REST, before any decision.
        let instruments: [Pair: KrakenInstrument]
        var history: [[Bar]] = []
        do {
            instruments = try await rest.assetPairs(options.pairs)
            for p in options.pairs {
                guard instruments[p] != nil else { throw LiveError.warmup("Kraken's AssetPairs does not list \(p)") }
                let bars = try await rest.ohlc(p).bars.suffix(options.config.live.warmupBars)
                history.append(Array(bars))
            }
        } catch let e as KrakenError {
            throw LiveError.warmup("\(e)")
        }
        let stack = try StrategyCatalog.visit(options.config.backtest.strategy, params: StrategyParams(
            keltner: options.config.strategies.keltner, smaCross: options.config.strategies.smaCross, confluence: options.config.confluenceStrategy),
            PaperStackVisitor(config: options.config, pairs: options.pairs))
        self.stack = stack
        stack.blockEntries("warming up: the stack is being primed with REST history")
        prime(stack, history)
        summary.warmupBars = history.reduce(0) { $0 + $1.count }
        stack.blockEntries(nil)
        primed = true
        signalsWritten = stack.signals.count
        let warm = "warm-up: \(summary.warmupBars) bars of REST history (\(history.map { "\($0.count)" }.joined(separator: "+")))"
        options.output(warm)
        try thought("system", warm)

        var settings = KrakenFeed.Settings()
        settings.silentConnectionMs = Int64(options.config.live.silentConnectionS * 1000)
        settings.silentSubscriptionMs = Int64(options.config.live.silentSubscriptionS * 1000)
        settings.reconnectMinMs = Int64(options.config.live.reconnectMinS * 1000)
        settings.reconnectMaxMs = Int64(options.config.live.reconnectMaxS * 1000)
        feed = KrakenFeed(pairs: options.pairs, instruments: instruments, lastBars: history.map(\.last), settings: settings)

        let ticker = Task { [tickMs = options.tickMs] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(tickMs) * 1_000_000)
                cont.yield(.tick)
            }
        }
        var signalSources: [any DispatchSourceSignal] = []
        if options.handleSignals {
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let s = DispatchSource.makeSignalSource(signal: sig)
                s.setEventHandler { cont.yield(.stop(sig == SIGINT ? "SIGINT" : "SIGTERM")) }
                s.resume()
                signalSources.append(s)
            }
        }
        if let port = options.statusPort {
            let server = StatusServer(group: statusGroup)
            do {
                try server.start(port: port, readKey: options.readKey) { [weak self] path in
                    guard let self else { return (503, #"{"error":"stopping"}"#) }
                    return await self.status(path)
                }
                statusServer = server
                options.output("status endpoint: http://127.0.0.1:\(server.port)/api/v1/health"
                               + (options.readKey == nil ? " (no DASHBOARD_READ_KEY: only health answers)" : ""))
            } catch {
                // Trading does not depend on the dashboard: say so and go on without it.
                options.output("status endpoint off: cannot listen on 127.0.0.1:\(port) (\(error)); set live.status_port")
                try? thought("system", "status endpoint off: cannot listen on 127.0.0.1:\(port)", severity: "warning")
            }
        }
        connect(afterMs: 0)
        let started = wall.nowMs()

        for await input in stream {
            if case .stop(let why) = input { summary.stopReason = why; break }
            handle(input)
            if let n = options.stopAfterBars, summary.liveBars >= n { summary.stopReason = "\(n) live bars"; break }
            if let d = options.durationMs, wall.nowMs() - started >= d { summary.stopReason = "--for elapsed"; break }
        }
        ticker.cancel()
        for s in signalSources { s.cancel() }
        statusServer?.stop()
        await shutdown()
        return summary
    }

    private func prime(_ stack: any LiveStack, _ history: [[Bar]]) {
        // Merged in time order, as the backtest's replay does.
        var cursor = history.map { _ in 0 }
        while true {
            var t = Int64.max
            for p in history.indices where cursor[p] < history[p].count { t = min(t, history[p][cursor[p]].timestampMs) }
            if t == .max { break }
            for p in history.indices where cursor[p] < history[p].count && history[p][cursor[p]].timestampMs == t {
                stack.bar(p, history[p][cursor[p]])
                lastBarMs[p] = t
                cursor[p] += 1
            }
            stack.recordEquity(atMs: t)
        }
    }

    private func handle(_ input: Input) {
        guard var feed else { return }
        let now = wall.nowMs()
        var actions: [KrakenFeed.Action] = []
        switch input {
        case .connected(let g, let h):
            guard g == generation else { Task { await h.close() }; return }
            handle = h
            summary.connections += 1
            options.output("connected to \(wsURL)")
            actions = feed.connected(nowMs: now)
        case .connectFailed(let g, let why):
            guard g == generation else { return }
            actions = feed.closed(reason: why, nowMs: now)
        case .ws(let g, .text(let text)):
            guard g == generation else { return }
            actions = feed.frame(text, nowMs: now)
        case .ws(let g, .closed(let why)):
            guard g == generation else { return }
            handle = nil
            actions = feed.closed(reason: why, nowMs: now)
        case .tick:
            actions = feed.tick(nowMs: now)
            checkStaleness(now: now)
        case .stop:
            return
        }
        self.feed = feed
        perform(actions)
    }

    private func perform(_ actions: [KrakenFeed.Action]) {
        for a in actions {
            switch a {
            case .send(let text):
                if let h = handle { Task { await h.send(text) } }
            case .disconnect(let reason):
                let h = handle
                handle = nil
                generation += 1     // frames of the dead connection are ignored from here on
                Task { await h?.close() }
                if var f = feed { let more = f.closed(reason: reason, nowMs: wall.nowMs()); feed = f; perform(more) }
            case .reconnect(let ms):
                summary.reconnects += 1
                try? thought("system", "reconnecting in \(ms) ms", severity: "warning")
                connect(afterMs: ms)
            case .bar(let pair, let bar):
                onBar(pair, bar)
            case .book(let pair):
                summary.booksValidated += 1
                if let i = options.pairs.firstIndex(of: pair), let b = feed?.book(pair) {
                    let l = b.levels()
                    stack?.book(i, OrderBookAnalysis.analyze(bidPrices: l.bidPrices[...], bidSizes: l.bidSizes[...],
                                                             askPrices: l.askPrices[...], askSizes: l.askSizes[...]))
                }
            case .systemStatus(let s):
                if s != "online" {
                    stack?.blockEntries("Kraken is in \(s)")
                    try? thought("system", "Kraken status \(s): entries paused", severity: "warning")
                } else if primed {
                    stack?.blockEntries(nil)
                }
            case .log(let level, let message):
                if level != "debug" {
                    options.output(message)
                    try? thought("system", message, severity: level == "error" ? "error" : "warning")
                }
                log.write(message, level: level, logger: "kraken.ws")
            }
        }
        if let f = feed {
            summary.resubscriptions = f.resubscriptions
            summary.checksumMismatches = f.checksumMismatches
        }
    }

    private func connect(afterMs ms: Int64) {
        generation += 1
        let g = generation
        let url = wsURL
        let connector = connector
        guard let cont = continuation else { return }
        Task {
            if ms > 0 { try? await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000) }
            let (events, eventsCont) = AsyncStream<WSEvent>.makeStream()
            do {
                let h = try await connector.connect(url: url, events: eventsCont)
                cont.yield(.connected(generation: g, h))
                for await e in events {
                    cont.yield(.ws(generation: g, e))
                    if case .closed = e { break }
                }
            } catch {
                cont.yield(.connectFailed(generation: g, "\(error)"))
            }
        }
    }

    private func onBar(_ pair: Pair, _ bar: Bar) {
        guard let stack, let i = options.pairs.firstIndex(of: pair) else { return }
        guard bar.timestampMs > lastBarMs[i] else { return }
        lastBarMs[i] = bar.timestampMs
        let before = stack.trades.count
        stack.bar(i, bar)
        stack.recordEquity(atMs: bar.timestampMs)
        summary.liveBars += 1
        stack.blockEntries(slot: i, nil)
        persist(stack, at: bar.timestampMs + 60_000)
        if stack.trades.count > before { summary.tradesOpened += stack.trades.count - before }
        log.write("bar closed", logger: "live", ["pair": pair.description, "close": bar.close, "time": UTCTime.iso(bar.timestampMs)])
    }

    /// A pair whose newest bar is too old takes no entries until fresh data comes.
    private func checkStaleness(now: Int64) {
        guard let stack else { return }
        let limit = Int64(options.config.live.staleDataS * 1000)
        for (i, t) in lastBarMs.enumerated() where t != .min && now - (t + 60_000) > limit {
            stack.blockEntries(slot: i, "\(options.pairs[i]) data is stale (last bar \(UTCTime.iso(t)))")
        }
    }

    /// New decisions and every trade that changed go to the ledger, each in its own transaction.
    private func persist(_ stack: any LiveStack, at ms: Int64) {
        let signals = stack.signals
        if signals.count > signalsWritten {
            for s in signals[signalsWritten...] {
                summary.decisions += 1
                let line = "\(UTCTime.iso(s.timestampMs)) \(s.pair) \(s.action.rawValue) \(s.strategy) strength \(String(format: "%.2f", s.strength))"
                    + (s.actedUpon ? " -> order" : " refused: \(s.rejection ?? "")")
                options.output(line)
                try? ledger.appendSignal(timestamp: UTCTime.iso(s.timestampMs), pair: s.pair.description, strategy: s.strategy,
                                         direction: s.direction, strength: s.strength, confluenceCount: s.confluence?.confluenceCount ?? 1,
                                         confidence: s.confluence?.confidence, actedUpon: s.actedUpon,
                                         metadata: s.confluence?.json(compact: true))
            }
            signalsWritten = signals.count
        }
        for t in stack.trades {
            let row = LiveLedgerRows.row(t, mode: options.mode.rawValue)
            let key = "\(row.status)|\(row.quantity)|\(row.exitPrice ?? 0)|\(row.stopLoss ?? 0)"
            guard written[t.tradeID] != key else { continue }
            let isNew = written[t.tradeID] == nil
            written[t.tradeID] = key
            try? ledger.upsertTrade(row)
            if row.status == "closed" {
                summary.tradesClosed += 1
                options.output("\(row.exitTime ?? "") \(row.pair) closed \(t.exitReason ?? "") pnl \(String(format: "%.2f", row.pnl))")
            } else if isNew {
                options.output("\(row.entryTime) \(row.pair) opened \(String(format: "%.6f", row.quantity)) @ \(row.entryPrice)")
            }
            if isNew { recordBook(at: t) }
        }
        try? ledger.appendMetrics(timestamp: UTCTime.iso(ms), [("bankroll", stack.equity),
                                                               ("drawdown", stack.peakEquity > 0 ? 1 - stack.equity / stack.peakEquity : 0)])
    }

    /// The pair's book as it was when the trade opened (the seed's `order_book_snapshots`, for
    /// ML training data), if a valid one is at hand.
    private func recordBook(at t: Trade) {
        guard let book = feed?.book(t.pair), !book.isEmpty else { return }
        let l = book.levels()
        let bidVolume = l.bidSizes.reduce(0, +), askVolume = l.askSizes.reduce(0, +)
        let obi = bidVolume + askVolume > 0 ? (bidVolume - askVolume) / (bidVolume + askVolume) : 0
        let spread = (l.askPrices.first ?? 0) - (l.bidPrices.first ?? 0)
        let side: ([Double], [Double]) -> [[Double]] = { p, q in zip(p, q).map { [$0, $1] } }
        let json = (try? JSONSerialization.data(withJSONObject: ["bids": side(l.bidPrices, l.bidSizes), "asks": side(l.askPrices, l.askSizes)],
                                                options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try? ledger.insertBookSnapshot(pair: t.pair.description, timestamp: UTCTime.iso(t.entryTimeMs), bidVolume: bidVolume, askVolume: askVolume,
                                       obi: obi, spread: spread, snapshotJSON: json, tradeID: t.tradeID)
    }

    /// The status endpoint's answers, in the seed's shapes (novapulse-data-formats.md).
    func status(_ path: String) -> (status: Int, json: String) {
        func json(_ obj: Any) -> String {
            (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        let now = wall.nowMs()
        switch path {
        case "/api/v1/health":
            return (200, json(["status": "healthy", "version": "0.1.0", "timestamp": UTCTime.iso(now)]))
        case "/api/v1/status":
            return (200, json(["status": primed ? "running" : "warming_up", "exchange": "kraken", "mode": options.mode.rawValue,
                               "paused": false, "uptime_seconds": (now - startedMs) / 1000, "scan_count": summary.liveBars,
                               "pairs": options.pairs.map(\.description), "scan_interval": 60, "ws_connected": handle != nil]))
        case "/api/v1/trades", "/api/v1/positions":
            let rows = ((try? ledger.trades(status: path.hasSuffix("positions") ? "open" : nil, limit: 200)) ?? []).map { t -> [String: Any] in
                var o: [String: Any] = ["trade_id": t.tradeID, "pair": t.pair, "side": t.side, "entry_price": t.entryPrice, "quantity": t.quantity,
                                        "status": t.status, "strategy": t.strategy, "pnl": t.pnl, "pnl_pct": t.pnlPct, "fees": t.fees,
                                        "entry_time": t.entryTime]
                if let x = t.exitPrice { o["exit_price"] = x }
                if let x = t.exitTime { o["exit_time"] = x }
                if let x = t.stopLoss { o["stop_loss"] = x }
                if let x = t.takeProfit { o["take_profit"] = x }
                if let m = t.metadata, let obj = try? JSONSerialization.jsonObject(with: Data(m.utf8)) { o["metadata"] = obj }
                return o
            }
            return (200, json([path.hasSuffix("positions") ? "positions" : "trades": rows]))
        case "/api/v1/risk":
            let equity = stack?.equity ?? options.config.backtest.initialCash
            let initial = options.config.backtest.initialCash
            let peak = stack?.peakEquity ?? initial
            let open = stack?.trades.filter(\.isOpen) ?? []
            return (200, json(["bankroll": equity, "initial_bankroll": initial, "total_return_pct": (equity / initial - 1) * 100,
                               "peak_bankroll": peak, "current_drawdown": peak > 0 ? (1 - equity / peak) * 100 : 0,
                               "open_positions": open.count, "total_exposure_usd": open.reduce(0) { $0 + $1.entryPrice * $1.quantity },
                               "trade_count": stack?.trades.count ?? 0]))
        case "/api/v1/thoughts":
            let rows = ((try? ledger.thoughts(limit: 100)) ?? []).map { ["timestamp": $0.timestamp, "category": $0.category, "message": $0.message, "severity": $0.severity] }
            return (200, json(["thoughts": rows]))
        default:
            return (404, json(["error": "no such endpoint: \(path)"]))
        }
    }

    private func shutdown() async {
        stack?.blockEntries("stopping")
        if let h = handle { await h.close() }
        handle = nil
        if let stack {
            persist(stack, at: wall.nowMs())
            summary.equity = stack.equity
            let closed = stack.trades.filter { !$0.isOpen }
            let wins = closed.filter { ($0.pnl ?? 0) > 0 }.count
            try? ledger.upsertDailySummary(date: UTCTime.isoDate(wall.nowMs()), total: closed.count, wins: wins, losses: closed.count - wins,
                                           pnl: closed.reduce(0) { $0 + ($1.pnl ?? 0) },
                                           maxDrawdown: stack.peakEquity > 0 ? 1 - stack.equity / stack.peakEquity : 0)
        }
        try? thought("system", "stopped (\(summary.stopReason)): \(summary.liveBars) live bars, \(summary.decisions) decisions, "
                     + "\(summary.reconnects) reconnects; open positions and their simulated stops are kept in the ledger")
        continuation?.finish()
    }

    private func thought(_ category: String, _ message: String, severity: String = "info") throws {
        try ledger.appendThought(timestamp: UTCTime.iso(wall.nowMs()), category: category, message: message, severity: severity)
        log.write(message, level: severity, logger: category)
    }
}
