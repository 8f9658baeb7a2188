import ArgumentParser
import Foundation
import NovaConfig
import NovaCore
#if Live
import NIOPosix
import NovaKraken
import NovaLive
import NovaStorage
#endif

/// `novapulse live [run]`: the backtest's engine on Kraken's real-time data (docs/live.md).
struct LiveRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the NovaPulse stack on real-time Kraken data: paper trading (simulated fills) by default.",
        discussion: """
        Paper mode: Kraken's WebSocket v2 bars and books drive the same engine, risk manager and executor as \
        `backtest`, and fills come from the same simulated venue (candle fill model). The stack is primed with \
        REST OHLC history first (live.warmup_bars) and makes no decision before. State goes to the seed's tables \
        in data/live-kraken-paper.db (trades, signals, thought_log, metrics, daily_summary); structured logs to \
        logs/novapulse.jsonl. Endpoints: venues.kraken.rest_url / ws_url (settable with --param). SIGINT or \
        SIGTERM stops cleanly (exit 0), leaving resting stops at the exchange. --mode live --confirm-real-money places \
        real orders through Kraken's private API (keys from KRAKEN_API_KEY/KRAKEN_API_SECRET or `novapulse secrets`; \
        fills from the authenticated executions channel; reconciliation by client order id at start, after reconnects \
        and every live.reconcile_orders_s), with its own ledger data/live-kraken-live.db (docs/live.md). --mode shadow \
        places the real orders and gives each to the simulator on the same bars too (table shadow_fills of \
        data/live-kraken-shadow.db; `novapulse live report` compares them). \
        `novapulse live status|pause|resume|close-all` talk to it through its status \
        endpoint (live.status_port; DASHBOARD_READ_KEY, DASHBOARD_ADMIN_KEY). Needs a build with the live stack: swift build -c release --traits Live.
        """)

    @Option(name: .long, help: "Exchange: kraken or coinbase (Coinbase Advanced Trade: level2 book, bars built from its trades, spot only).")
    var exchange: String = "kraken"

    @Option(name: .long, help: "Several accounts in one process, NAME:EXCHANGE,... (e.g. main:kraken,swing:coinbase; default: TRADING_ACCOUNTS): each its own ledger data/live-EXCHANGE-NAME-MODE.db and keys NAME_EXCHANGE_API_KEY/_SECRET, one status endpoint.")
    var accounts: String?

    @Option(name: .long, help: "Pair(s), comma-separated, e.g. BTC/USD,ETH/USD (with --replay: the tape's pairs by default).")
    var pair: String?

    @Option(name: .long, help: "Keep a wire tape: every REST reply and WebSocket frame with its receive time, to DIR/EXCHANGE-DATE-TIME.tape.zst.")
    var record: String?

    @Option(name: .long, help: "Replay a wire tape through the real adapter code instead of connecting: the same tape gives the same decisions.")
    var replay: String?

    @Option(name: .long, help: "paper (default: real-time data, simulated fills), live (real orders) or shadow (real orders, each also given to the simulator on the same bars: `novapulse live report` compares them).")
    var mode: String = "paper"

    @Flag(name: .long, help: "Required with --mode live and --mode shadow: you understand real money is at stake.")
    var confirmRealMoney = false

    @Option(name: .customLong("for"), help: "Stop cleanly after this long of live data (after the warm-up): 90s, 30m, 2h, 1d.")
    var duration: String?

    @Option(name: .long, help: "YAML config file (default: built-in defaults, as config/novapulse.yaml).")
    var config: String?

    @Option(name: .long, help: "Strategy (default: config, confluence).")
    var strategy: String?

    @Option(name: .long, help: "Override a config key, KEY=VALUE (repeatable), e.g. venues.kraken.ws_url=ws://127.0.0.1:9000/v2.")
    var param: [String] = []

    @Option(name: .long, help: "Ledger database (default: data/live-kraken-MODE.db; NOVAPULSE_DATA_DIR moves data/).")
    var db: String?

    @Flag(name: .long, help: "Start a new journal instead of resuming the database's last session (needed when the configuration or pairs changed; its open positions are marked cancelled).")
    var fresh = false

    /// `90s`, `30m`, `2h`, `1d` in milliseconds.
    static func parseDuration(_ text: String) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (u, f) in units where t.hasSuffix(u) {
            if let v = Double(t.dropLast(u.count)), v.isFinite, v > 0, v * f < 9e15 { return Int64(v * f) }
        }
        throw ValidationError("--for \(text): expected a positive duration such as 90s, 30m, 2h or 1d")
    }

    /// `--accounts`, else `TRADING_ACCOUNTS` (the seed's variable).
    var accountSpec: String? {
        accounts ?? ProcessInfo.processInfo.environment["TRADING_ACCOUNTS"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }

    func validate() throws {
        if let spec = accountSpec {
            guard replay == nil, record == nil, db == nil else {
                throw ValidationError("--accounts runs each account on its own ledger and live data: leave out --db, --record and --replay")
            }
            #if Live
            let list: [(name: String, exchange: String)]
            do { list = try LiveHub.parseAccounts(spec) } catch { throw ValidationError("\(error)") }
            if mode != "paper" {
                guard confirmRealMoney else {
                    throw ValidationError("--mode \(mode) places real orders with real money: add --confirm-real-money if that is what you want")
                }
                for a in list where try !Self.hasCredentials("\(a.name)_\(a.exchange)") {
                    let p = "\(a.name)_\(a.exchange)".uppercased()
                    throw ValidationError("--mode \(mode): account \(a.name) needs \(p)_API_KEY and \(p)_API_SECRET (its own key: accounts never share one)")
                }
            }
            #endif
        }
        guard pair != nil || replay != nil else { throw ValidationError("--pair is needed (BTC/USD, or a list), unless --replay gives the tape's") }
        guard record == nil || replay == nil else { throw ValidationError("--record and --replay together: a replay is already a tape") }
        if replay != nil && mode != "paper" { throw ValidationError("--replay runs paper only: a tape places no real orders") }
        guard ["kraken", "coinbase"].contains(exchange.lowercased()) else {
            throw ValidationError("--exchange \(exchange): expected kraken or coinbase")
        }

        guard ["paper", "live", "shadow"].contains(mode) else { throw ValidationError("--mode \(mode): expected paper, live or shadow") }
        if let duration { _ = try Self.parseDuration(duration) }
        if mode != "paper" {
            guard confirmRealMoney else {
                throw ValidationError("--mode \(mode) places real orders with real money: add --confirm-real-money if that is what you want")
            }
            let venue = exchange.lowercased()
            guard try Self.hasCredentials(venue) else {
                throw ValidationError("--mode \(mode) needs \(venue.uppercased())_API_KEY and \(venue.uppercased())_API_SECRET in the environment, "
                                      + "or stored with `novapulse secrets set \(venue)` (and NOVAPULSE_MASTER_KEY set)")
            }
        }
    }

    #if Live
    /// `--db`, else the mode's default; a replay writes a new ledger each time (same tape, same
    /// decisions), `data/replay-NAME.db` (emptied once its lock is held) unless --db names one
    /// that does not exist yet.
    func databasePath() throws -> String {
        guard let replay else { return db ?? LiveOptions.defaultDatabasePath(mode: LiveOptions.Mode(rawValue: mode) ?? .paper, exchange: exchange.lowercased()) }
        if let db {
            guard !FileManager.default.fileExists(atPath: db) else { throw ValidationError("--db \(db) exists: a replay writes a new ledger") }
            return db
        }
        let name = ((replay as NSString).lastPathComponent as NSString).deletingPathExtension.replacingOccurrences(of: ".tape", with: "")
        let path = (LiveOptions.defaultDatabasePath(mode: .paper) as NSString).deletingLastPathComponent + "/replay-\(name).db"
        return path
    }
    #endif

    /// The environment first, else the encrypted secrets file; a file that does not open is an
    /// error of its own, not "no credentials".
    static func hasCredentials(_ exchange: String) throws -> Bool {
        #if Live
        do { return try SecretStore.credentials(for: exchange) != nil } catch let f as SecretStore.Failure {
            throw ValidationError("\(f)")
        }
        #else
        let env = ProcessInfo.processInfo.environment
        let p = exchange.uppercased()
        return env[p + "_API_KEY"]?.isEmpty == false && env[p + "_API_SECRET"]?.isEmpty == false
        #endif
    }

    func run() throws {
        #if Live
        if let spec = accountSpec { return try runAccounts(spec) }
        let tape = try replay.map { path in
            do { return try Tape(path: path) } catch { throw ValidationError("--replay \(path): \(error)") }
        }
        let pairs = try Pair.parseList(pair ?? tape?.header.pairs.joined(separator: ",") ?? "")
        var cfg = try ConfigLoader.load(path: config, params: param, strategy: strategy)
        if let strategy { cfg.backtest.strategy = strategy }
        // A replay runs on the adapters of the exchange its tape was recorded on.
        let onCoinbase = (tape?.header.exchange ?? exchange.lowercased()) == "coinbase"
        // The paper venue is the exchange's own: its fees, its order types (a stop-limit on Coinbase), no margin there.
        if onCoinbase { cfg.backtest.exchange = .coinbase }
        try ConfigValidator.validate(cfg, source: config ?? "command line")
        var options = LiveOptions(pairs: pairs, config: cfg, databasePath: try databasePath())
        options.durationMs = try duration.map(Self.parseDuration)
        options.handleSignals = true
        options.fresh = fresh
        options.mode = LiveOptions.Mode(rawValue: mode) ?? .paper
        options.statusPort = cfg.live.statusPort == 0 ? nil : cfg.live.statusPort
        options.readKey = ProcessInfo.processInfo.environment["DASHBOARD_READ_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        options.adminKey = ProcessInfo.processInfo.environment["DASHBOARD_ADMIN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        options.logPath = "logs/novapulse.jsonl"
        let lock = try InstanceLock(path: options.databasePath + ".instance.lock")
        if replay != nil && db == nil {
            // The replay's own ledger, started over, once no other replay of this tape holds it.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: options.databasePath + suffix) }
        }
        let store = try ResultsStore(path: options.databasePath)
        let ledger = LiveLedger(store: store)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let http = HTTPClientTransport(group: group)
        let wiring = try LiveWiring(http: http, ws: WebSocketKitConnector(group: group), recordDirectory: record, replay: tape, pairs: pairs,
                                    exchange: onCoinbase ? "coinbase" : "kraken")
        if tape != nil { options.statusPort = nil }
        options.clock = wiring.clock
        let adapters: ExchangeAdapters
        do {
            adapters = onCoinbase ? try ExchangeAdapters.coinbase(config: cfg, mode: options.mode, pairs: pairs, wiring: wiring)
                : try ExchangeAdapters.kraken(config: cfg, mode: options.mode, pairs: pairs, ledger: ledger, wiring: wiring)
        } catch {
            // The HTTP client must be shut down before it goes (async-http-client traps otherwise).
            Self.blocking { await http.shutdown() }
            try? group.syncShutdownGracefully()
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(error is LiveError ? ExitCodes.usage : ExitCodes.internal)
        }
        let runtime = LiveRuntime(options: options, market: adapters.market, connector: wiring.connector, ledger: ledger, orders: adapters.orders)
        let source = tape.map { "replaying \(replay ?? "") (\($0.events.count) events\($0.truncated ? ", cut off at the end" : ""))" }
            ?? (Self.modeText(options.mode) + " on \(exchange.lowercased())")
        let until = options.durationMs.map { ", stopping after \($0 / 1000) s" } ?? (tape != nil ? "" : "; Ctrl-C stops")
        print("novapulse live: \(source) \(pairs.map(\.description).joined(separator: ",")), strategy \(cfg.backtest.strategy), "
              + "ledger \(options.databasePath)\(until)"
              + (wiring.recorder.map { ", recording \($0.path)" } ?? ""))
        let result = Self.blocking { () async -> Result<LiveSummary, any Error> in
            let r: Result<LiveSummary, any Error>
            do { r = .success(try await runtime.run()) } catch { r = .failure(error) }
            await http.shutdown()
            return r
        }
        try? group.syncShutdownGracefully()
        if let r = wiring.recorder {
            r.close()
            print("wire tape: \(r.path) (\(r.events) events)")
        }
        _ = lock
        let s: LiveSummary
        do { s = try result.get() } catch let e as LiveError {
            // One line, no usage text: a refused journal is the user's to settle (2), a
            // warm-up that could not reach Kraken is not (1).
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            if case .refused = e { throw ExitCode(ExitCodes.usage) }
            throw ExitCode(ExitCodes.internal)
        }
        print("""
            stopped (\(s.stopReason)): \(s.warmupBars) warm-up bars, \(s.liveBars) live bars, \(s.decisions) decisions, \
            \(s.tradesOpened) trades opened, \(s.tradesClosed) closed; equity \(String(format: "%.2f", s.equity)); \
            \(s.connections) connections, \(s.reconnects) reconnects, \(s.checksumMismatches) book checksum mismatches
            """)
        if options.mode == .shadow {
            print("shadow fills: \(s.shadowSettled) orders compared with the simulator, \(s.shadowUnsettled) still open at the stop; "
                  + "`novapulse live report --db \(options.databasePath)` shows the comparison")
        }
        #else
        throw ValidationError("this novapulse was built without the live stack: build it with `swift build -c release --traits Live` "
                              + "(SwiftNIO, websocket-kit; a few more minutes) and run .build/release/novapulse live")
        #endif
    }

    #if Live
    /// How the start line names the mode.
    static func modeText(_ mode: LiveOptions.Mode) -> String {
        switch mode {
        case .paper: return "paper"
        case .live: return "LIVE (real orders)"
        case .shadow: return "SHADOW (real orders, each also simulated)"
        }
    }

    /// Runs async work to completion from the synchronous command.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task { box.value = await body(); done.signal() }
        done.wait()
        return box.value!
    }
    #endif
}

#if Live
/// The value an async task hands back to the waiting command.
final class ResultBox<T>: @unchecked Sendable { var value: T?; init() {} }
#endif
