import Foundation
import NovaConfig
import NovaCore
import NovaEngine
import NovaKraken
import NovaSignals
import NovaSimulator
import NovaStorage
import NovaVenue
import NIOPosix

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
        /// What the exchange's order side said (live mode).
        case orders([OrderAdapterEvent])
    }

    /// Live mode: the exchange's order side, and the one task that hands it the engine's
    /// commands in order (a cancel never overtakes the submit it cancels). LiveRuntime+Orders.swift.
    let orders: (any OrderAdapter)?
    var orderJobs: AsyncStream<VenueCommandJob>.Continuation?
    var orderTask: Task<Void, Never>?
    /// Commands handed to the order task and not yet sent.
    var ordersPending = 0
    /// The journal's number (1 for the first): it tags this journal's client order ids.
    var journalEpoch = 1
    /// The last reconciliation with the exchange (status endpoint).
    var lastReconciliation: (atMs: Int64, reason: String, changes: [String])?
    /// Kraken's clock minus the machine's (from `Time`, when over a second): candles close on
    /// the exchange's time, so a local clock that is off neither cuts minutes short nor
    /// invents minutes that have not happened at the exchange.
    var clockOffsetMs: Int64 = 0
    /// On while a signal may end the process at once (the warm-up: nothing decided or sent).
    var warmUpFlag: WarmUpFlag?
    /// The exchange refuses our orders for a reason no retry mends: no new entries.
    var ordersHalt: String?
    /// Orders the replayed journal leaves working: looked up at the exchange, not sent again.
    var resumedOrders: [ResumedOrder] = []
    /// Shadow mode: the simulated venues every real order is also given to (LiveRuntime+Shadow.swift).
    var shadow: ShadowFills?

    let options: LiveOptions
    /// The exchange's market data: REST warm-up, its clock, and the feed it prepares.
    let market: any MarketDataSource
    let connector: any WebSocketConnector
    var wsURL: String { market.wsURL }
    let ledger: LiveLedger
    /// Where the live phase's ledger writes go (off the actor, in order).
    let writer: LedgerWriter
    let log: LiveLog
    /// Wall time, or tape time when replaying (`LiveOptions.clock`).
    let wall: any Clock
    let statusGroup = MultiThreadedEventLoopGroup.singleton
    var summary = LiveSummary()
    var stack: (any LiveStack)?
    var feed: (any MarketFeed)?
    var handle: (any WebSocketHandle)?
    /// Frames for the open connection, written in order by one task (a task per frame could
    /// let an unsubscribe overtake the subscribe before it).
    var outbox: AsyncStream<String>.Continuation?
    var generation = 0
    var written: [String: String] = [:]
    /// Trades before this index are closed and written: persist looks at the rest only.
    var settledTrades = 0
    var signalsWritten = 0
    /// Live bars in the journal (this session's and those it resumed).
    var journalBars = 0
    var barsSinceCheckpoint = 0
    /// A checkpoint failed to encode (said once).
    var checkpointFailed = false
    var lastBarMs: [Int64]
    /// Each pair's newest closed bar (the feed's starting point).
    var lastBars: [Bar?]
    var cursor: JournalCursor
    /// The ledger writer failed 3 times in a row: no entries until a write succeeds (trading
    /// on without a record of it would lose exactly what the ledger is for).
    var ledgerFailing = false
    var lastStatusLineMs: Int64 = 0
    /// When the frame being handled arrived (0: not from a frame).
    var frameReceivedNs: UInt64 = 0
    /// Prefix of this journal's trade ids in the ledger (empty for the first journal).
    var tradeIDPrefix = ""
    var continuation: AsyncStream<Input>.Continuation?
    /// A stop asked for before `run` opened its input stream (the multi-account hub's signal).
    var pendingStop: String?
    var primed = false
    /// Entries held by the operator (`pause`), kept in `system_state` across restarts.
    var paused = false
    var stopping = false
    /// The exchange says it is not `online` (maintenance, cancel-only).
    var exchangeBlock: String?
    let startedMs = Int64(Date().timeIntervalSince1970 * 1000)
    public private(set) var statusServer: StatusServer?

    /// A session on `market`'s data, with `orders` placing real orders (live mode) or none (paper).
    public init(options: LiveOptions, market: any MarketDataSource, connector: any WebSocketConnector, ledger: LiveLedger,
                orders: (any OrderAdapter)? = nil) {
        self.orders = orders
        self.options = options
        self.market = market
        self.connector = connector
        self.ledger = ledger
        self.writer = LedgerWriter(ledger: ledger, report: options.output)
        self.wall = options.clock ?? WallClock()
        self.log = LiveLog(path: options.logPath)
        self.lastBarMs = options.pairs.map { _ in .min }
        self.lastBars = options.pairs.map { _ in nil }
        self.cursor = JournalCursor(pairs: options.pairs.count)
    }

    /// A session on Kraken.
    public init(options: LiveOptions, rest: KrakenRESTClient, connector: any WebSocketConnector, wsURL: String, ledger: LiveLedger,
                orders: (any OrderAdapter)? = nil) {
        self.init(options: options, market: KrakenMarketData(rest: rest, wsURL: wsURL), connector: connector, ledger: ledger, orders: orders)
    }

    public func run() async throws -> LiveSummary {
        defer { writer.barrier() }     // a start that fails still leaves its thoughts written
        let (stream, cont) = AsyncStream<Input>.makeStream()
        continuation = cont
        if let reason = pendingStop { cont.yield(.stop(reason)) }
        // From the first moment: a stop during the warm-up (nothing decided, nothing sent yet)
        // ends the process at once with exit 0; afterwards it is a clean stop of the session.
        var signalSources: [any DispatchSourceSignal] = []
        if options.handleSignals {
            let warming = WarmUpFlag()
            warmUpFlag = warming
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let s = DispatchSource.makeSignalSource(signal: sig)
                let name = sig == SIGINT ? "SIGINT" : "SIGTERM"
                let output = options.output
                s.setEventHandler {
                    if warming.isOn {
                        output("stopped by \(name) during the warm-up: nothing was decided or sent")
                        exit(0)
                    }
                    cont.yield(.stop(name))
                }
                s.resume()
                signalSources.append(s)
            }
        }
        try thought("system", "novapulse live starting: \(options.mode.rawValue) on \(market.exchangeName.lowercased()), \(options.pairs.map(\.description).joined(separator: ","))")
        if try ledger.state("paused") == "1" {
            paused = true
            options.output("paused, as the last session left it: no entries until `novapulse live resume`")
            try thought("control", "still paused from the last session: entries stay off until resumed", severity: "warning")
        }

        // A journal from the last session is resumed; else a new one starts with the warm-up.
        let resume = try journalToResume()

        // Instruments and recent history over REST, before any decision.
        let feedMaker = try await market.prepare(options.pairs)
        var history: [[Bar]] = []
        for p in options.pairs {
            let bars = try await market.recentBars(p)
            history.append(resume == nil ? Array(bars.suffix(options.config.live.warmupBars)) : bars)
        }
        let params = StrategyParams(keltner: options.config.strategies.keltner, smaCross: options.config.strategies.smaCross,
                                    confluence: options.config.confluenceStrategy)
        await measureClockOffset(reason: "start")
        let stack: any LiveStack
        if options.mode.placesOrders {
            guard orders != nil else { throw LiveError.refused("--mode live needs the exchange's order adapter") }
            stack = try StrategyCatalog.visit(options.config.backtest.strategy, params: params,
                                              ExchangeStackVisitor(config: options.config, pairs: options.pairs, runTag: "np\(journalEpoch)"))
        } else {
            stack = try StrategyCatalog.visit(options.config.backtest.strategy, params: params, PaperStackVisitor(config: options.config, pairs: options.pairs))
        }
        self.stack = stack
        if options.mode == .shadow {
            shadow = ShadowFills(profile: options.config.venueProfile, settings: options.config.simulatorSettings)
        }
        if let resume {
            try replay(resume, into: stack)
            resumedOrders = stack.liveOrders
            primed = true
            refreshEntryBlock()
            fillGap(history)
        } else {
            refreshEntryBlock()
            journal(history.enumerated().flatMap { i, bars in bars.map { JournalEntry.warm(slot: i, $0) } })
            prime(stack, history)
            primed = true
            refreshEntryBlock()
            signalsWritten = stack.signalCount
            let warm = "warm-up: \(summary.warmupBars) bars of REST history (\(history.map { "\($0.count)" }.joined(separator: "+")))"
            options.output(warm)
            try thought("system", warm)
        }

        flushJournal()
        try await startOrders()
        warmUpFlag?.isOn = false

        var settings = FeedSettings()
        settings.silentConnectionMs = Int64(options.config.live.silentConnectionS * 1000)
        settings.silentSubscriptionMs = Int64(options.config.live.silentSubscriptionS * 1000)
        settings.reconnectMinMs = Int64(options.config.live.reconnectMinS * 1000)
        settings.reconnectMaxMs = Int64(options.config.live.reconnectMaxS * 1000)
        feed = feedMaker.make(options.pairs, lastBars, settings)
        feed?.clockOffsetMs = clockOffsetMs

        let ticker = Task { [tickMs = options.tickMs] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(tickMs) * 1_000_000)
                cont.yield(.tick)
            }
        }
        if let port = options.statusPort {
            let server = StatusServer(group: statusGroup)
            do {
                try server.start(port: port, keys: .init(read: options.readKey, admin: options.adminKey)) { [weak self] method, path in
                    guard let self else { return (503, #"{"error":"stopping"}"#) }
                    return method == "POST" ? await self.control(path) : await self.status(path)
                }
                statusServer = server
                options.output("status endpoint: http://127.0.0.1:\(server.port)/api/v1/health"
                               + (options.readKey == nil && options.adminKey == nil ? " (no DASHBOARD_READ_KEY: only health answers)" : "")
                               + (options.adminKey == nil ? " (no DASHBOARD_ADMIN_KEY: control is off)" : ""))
            } catch {
                // Trading does not depend on the dashboard: say so and go on without it.
                options.output("status endpoint off: cannot listen on 127.0.0.1:\(port) (\(error)); set live.status_port")
                try? thought("system", "status endpoint off: cannot listen on 127.0.0.1:\(port)", severity: "warning")
            }
        }
        connect(afterMs: 0)
        let started = wall.nowMs()

        var inputs = stream.makeAsyncIterator()
        while let input = await inputs.next() {
            if case .stop(let why) = input { summary.stopReason = why; break }
            handle(input)
            summary.inputs += 1
            if let n = options.stopAfterBars, summary.liveBars >= n { summary.stopReason = "\(n) live bars"; break }
            if let d = options.durationMs, wall.nowMs() - started >= d { summary.stopReason = "--for elapsed"; break }
        }
        ticker.cancel()
        for s in signalSources { s.cancel() }
        statusServer?.stop()
        await shutdown(&inputs)
        return summary
    }

    private func handle(_ input: Input) {
        guard var feed else { return }
        if case .ws(_, .text(_, _, let at?)) = input, let tape = wall as? TapeClock { tape.set(at) }
        let now = wall.nowMs()
        var actions: [FeedAction] = []
        switch input {
        case .connected(let g, let h):
            guard g == generation else { Task { await h.close() }; return }
            handle = h
            let (texts, out) = AsyncStream<String>.makeStream()
            outbox?.finish()
            outbox = out
            Task { for await t in texts { await h.send(t) } }
            summary.connections += 1
            options.output("connected to \(wsURL)")
            if summary.connections > 1 { Task { await self.measureClockOffset(reason: "reconnect") } }
            actions = feed.connected(nowMs: now)
        case .connectFailed(let g, let why):
            guard g == generation else { return }
            actions = feed.closed(reason: why, nowMs: now)
        case .ws(let g, .text(let text, let receivedNs, _)):
            guard g == generation else { return }
            frameReceivedNs = receivedNs
            actions = feed.frame(text, nowMs: now)
        case .ws(let g, .closed(let why)):
            guard g == generation else { return }
            handle = nil
            outbox?.finish()
            outbox = nil
            actions = feed.closed(reason: why, nowMs: now)
        case .tick:
            frameReceivedNs = 0     // a bar closed by the clock has no frame to time from
            actions = feed.tick(nowMs: now)
            checkStaleness(now: now)
            superviseLedger()
            statusLine(now: now)
        case .orders(let events):
            frameReceivedNs = 0     // no market frame behind what these answers lead to
            received(events)
            return
        case .stop, .ws(_, .ended):
            return      // the run loop stops on .stop; .ended is turned into one by the relay
        }
        self.feed = feed
        perform(actions)
        flushJournal()
        dispatchOrders()
    }

    private func shutdown(_ inputs: inout AsyncStream<Input>.Iterator) async {
        stopping = true
        refreshEntryBlock()
        flushJournal()
        await drainOrders(&inputs)
        outbox?.finish()
        outbox = nil
        if let h = handle { await h.close() }
        handle = nil
        if let stack {
            persist(stack, at: wall.nowMs())
            flushJournal()      // an entry's book, if a trade opened in the drain
            writeShadow(all: true)
            if primed { writeCheckpoint() }     // the next session starts from here
            summary.equity = stack.equity
            let closed = stack.trades.filter { !$0.isOpen }
            summary.realizedPnl = closed.reduce(0) { $0 + ($1.pnl ?? 0) }
            summary.openPositions = stack.trades.count - closed.count
            let wins = closed.filter { ($0.pnl ?? 0) > 0 }.count
            let (date, pnl) = (UTCTime.isoDate(wall.nowMs()), closed.reduce(0) { $0 + ($1.pnl ?? 0) })
            let maxDrawdown = stack.peakEquity > 0 ? 1 - stack.equity / stack.peakEquity : 0
            writer.write("daily summary") { try $0.upsertDailySummary(date: date, total: closed.count, wins: wins, losses: closed.count - wins,
                                                                      pnl: pnl, maxDrawdown: maxDrawdown) }
        }
        try? thought("system", "stopped (\(summary.stopReason)): \(summary.liveBars) live bars, \(summary.decisions) decisions, "
                     + "\(summary.reconnects) reconnects; open positions carry on in the next session on this ledger (its journal)")
        writer.barrier()
        summary.ledgerWriteFailures = writer.failures
        continuation?.finish()
    }

    /// A thought-log row, queued behind the writes before it (so the log reads in order).
    func thought(_ category: String, _ message: String, severity: String = "info") throws {
        let timestamp = UTCTime.iso(wall.nowMs())
        writer.write("thought") { try $0.appendThought(timestamp: timestamp, category: category, message: message, severity: severity) }
        log.write(message, level: severity, logger: category)
    }
}

/// Whether the session is still warming up, read by the signal handlers' queue.
final class WarmUpFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var on = true
    var isOn: Bool {
        get { lock.withLock { on } }
        set { lock.withLock { on = newValue } }
    }
}
