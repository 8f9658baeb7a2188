import ArgumentParser
import Foundation
import NovaConfig
import NovaCore
#if Live
import NIOPosix
import NovaLive
import NovaStorage
#endif

extension LiveRunCommand {
    #if Live
    /// `--accounts main:kraken,swing:coinbase`: one session per account in this process (each
    /// its own ledger, keys and connections), one status endpoint, one Ctrl-C for all.
    func runAccounts(_ spec: String) throws {
        let list = try LiveHub.parseAccounts(spec)
        let pairs = try Pair.parseList(pair ?? "")
        let base = try ConfigLoader.load(path: config, params: param, strategy: strategy)
        let liveMode = LiveOptions.Mode(rawValue: mode) ?? .paper
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let http = HTTPClientTransport(group: group)
        var members: [LiveHub.Account] = []
        var locks: [InstanceLock] = []
        func fail(_ error: any Error) throws -> Never {
            Self.blocking { await http.shutdown() }
            try? group.syncShutdownGracefully()
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(error is LiveError ? ExitCodes.usage : ExitCodes.internal)
        }
        for a in list {
            do {
                var cfg = base
                if let strategy { cfg.backtest.strategy = strategy }
                cfg.backtest.exchange = a.exchange == "coinbase" ? .coinbase : .kraken
                try ConfigValidator.validate(cfg, source: config ?? "command line")
                let dir = (LiveOptions.defaultDatabasePath(mode: liveMode) as NSString).deletingLastPathComponent
                var options = LiveOptions(pairs: pairs, config: cfg, databasePath: dir + "/live-\(a.exchange)-\(a.name)-\(mode).db")
                options.durationMs = try duration.map(Self.parseDuration)
                options.handleSignals = false
                options.fresh = fresh
                options.mode = liveMode
                options.statusPort = nil
                options.logPath = "logs/novapulse-\(a.name).jsonl"
                let name = a.name
                options.output = { print("[\(name)] \($0)") }
                locks.append(try InstanceLock(path: options.databasePath + ".instance.lock"))
                let ledger = LiveLedger(store: try ResultsStore(path: options.databasePath))
                let wiring = try LiveWiring(http: http, ws: WebSocketKitConnector(group: group), recordDirectory: nil, replay: nil, pairs: pairs)
                options.clock = wiring.clock
                let keys = "\(a.name)_\(a.exchange)"
                let adapters = a.exchange == "coinbase"
                    ? try ExchangeAdapters.coinbase(config: cfg, mode: liveMode, pairs: pairs, wiring: wiring, keys: keys)
                    : try ExchangeAdapters.kraken(config: cfg, mode: liveMode, pairs: pairs, ledger: ledger, wiring: wiring, keys: keys)
                let runtime = LiveRuntime(options: options, market: adapters.market, connector: wiring.connector, ledger: ledger, orders: adapters.orders)
                members.append(LiveHub.Account(name: a.name, exchange: a.exchange, runtime: runtime))
                print("novapulse live: account \(a.name): \(Self.modeText(liveMode)) on \(a.exchange) "
                      + "\(pairs.map(\.description).joined(separator: ",")), strategy \(cfg.backtest.strategy), ledger \(options.databasePath)")
            } catch {
                try fail(error)
            }
        }
        let env = ProcessInfo.processInfo.environment
        let hub = LiveHub(accounts: members, statusPort: base.live.statusPort == 0 ? nil : base.live.statusPort,
                          keys: .init(read: env["DASHBOARD_READ_KEY"], admin: env["DASHBOARD_ADMIN_KEY"]))
        let results = Self.blocking { () async -> [(name: String, result: Result<LiveSummary, any Error>)] in
            let r = await hub.run(handleSignals: true)
            await http.shutdown()
            return r
        }
        try? group.syncShutdownGracefully()
        _ = locks
        var failed = false
        for (name, r) in results {
            switch r {
            case .success(let s):
                print("[\(name)] stopped (\(s.stopReason)): \(s.warmupBars) warm-up bars, \(s.liveBars) live bars, \(s.decisions) decisions, "
                      + "\(s.tradesOpened) trades opened, \(s.tradesClosed) closed; equity \(String(format: "%.2f", s.equity))")
            case .failure(let e):
                failed = true
                FileHandle.standardError.write(Data("error: account \(name): \(e)\n".utf8))
            }
        }
        if failed { throw ExitCode(ExitCodes.internal) }
    }
    #endif
}
