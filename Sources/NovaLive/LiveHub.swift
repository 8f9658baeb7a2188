import Foundation
import NIOPosix
import NovaCore

/// Several accounts in one process (`novapulse live --accounts main:kraken,swing:coinbase`, or
/// `TRADING_ACCOUNTS`; the seed's MultiEngineHub and MultiControlRouter): one session per
/// account, each with its own ledger, keys and connections, run side by side; one status
/// endpoint for all of them, whose controls reach every account; SIGINT or SIGTERM stops all.
public final class LiveHub: @unchecked Sendable {
    public struct Account: Sendable {
        public var name: String
        public var exchange: String
        public var runtime: LiveRuntime
        public init(name: String, exchange: String, runtime: LiveRuntime) { self.name = name; self.exchange = exchange; self.runtime = runtime }
    }

    public let accounts: [Account]
    let statusPort: Int?
    let keys: StatusServer.Keys
    let output: @Sendable (String) -> Void
    public private(set) var statusServer: StatusServer?

    public init(accounts: [Account], statusPort: Int?, keys: StatusServer.Keys, output: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.accounts = accounts; self.statusPort = statusPort; self.keys = keys; self.output = output
    }

    /// `name:exchange,...`: names of letters, digits and `_` (they prefix the account's keys,
    /// `MAIN_KRAKEN_API_KEY`), exchanges kraken or coinbase, no name twice.
    public static func parseAccounts(_ spec: String) throws -> [(name: String, exchange: String)] {
        var out: [(name: String, exchange: String)] = []
        for part in spec.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            let kv = part.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2 else { throw LiveError.refused("--accounts \(part): expected NAME:EXCHANGE, e.g. main:kraken") }
            let name = kv[0].lowercased(), exchange = kv[1].lowercased()
            guard !name.isEmpty, name.count <= 32, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw LiveError.refused("--accounts \(part): the name must be letters, digits or _ (it prefixes the account's keys)")
            }
            guard ["kraken", "coinbase"].contains(exchange) else { throw LiveError.refused("--accounts \(part): expected kraken or coinbase") }
            guard !out.contains(where: { $0.name == name }) else { throw LiveError.refused("--accounts: \(name) is named twice") }
            out.append((name, exchange))
        }
        guard !out.isEmpty else { throw LiveError.refused("--accounts is empty: expected NAME:EXCHANGE,..., e.g. main:kraken,swing:coinbase") }
        return out
    }

    /// Runs every account to its end; a failure of one does not stop the others.
    public func run(handleSignals: Bool) async -> [(name: String, result: Result<LiveSummary, any Error>)] {
        var sources: [any DispatchSourceSignal] = []
        if handleSignals {
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let s = DispatchSource.makeSignalSource(signal: sig)
                let name = sig == SIGINT ? "SIGINT" : "SIGTERM"
                let runtimes = accounts.map(\.runtime)
                s.setEventHandler { for r in runtimes { Task { await r.requestStop(name) } } }
                s.resume()
                sources.append(s)
            }
        }
        defer { sources.forEach { $0.cancel() } }
        if let port = statusPort {
            let server = StatusServer(group: MultiThreadedEventLoopGroup.singleton)
            do {
                let accounts = self.accounts
                try server.start(port: port, keys: keys) { method, path in await Self.respond(accounts, method, path) }
                statusServer = server
                output("status endpoint: http://127.0.0.1:\(server.port)/api/v1/health (accounts \(accounts.map(\.name).joined(separator: ", ")))")
            } catch {
                output("status endpoint off: cannot listen on 127.0.0.1:\(port) (\(error)); set live.status_port")
            }
        }
        defer { statusServer?.stop() }
        // Each account's result goes into its own slot of a locked box and the child tasks
        // return nothing: a task group returning (Int, Result<LiveSummary, any Error>) came back
        // with a garbage index in release builds (a trap at the end of a two-account run).
        let box = ResultSlots(count: accounts.count)
        await withTaskGroup(of: Void.self) { group in
            for (i, a) in accounts.enumerated() {
                group.addTask {
                    let r: Result<LiveSummary, any Error>
                    do { r = .success(try await a.runtime.run()) } catch { r = .failure(error) }
                    box.set(i, r)
                }
            }
            await group.waitForAll()
        }
        return accounts.enumerated().map { i, a in
            (a.name, box.get(i) ?? .failure(LiveError.refused("account \(a.name) ended without a result")))
        }
    }

    /// The one endpoint: `/api/v1/health` for the process; any other page as
    /// `{"accounts": {NAME: that account's page}}`, or one account's at
    /// `/api/v1/accounts/NAME/PAGE`; a control (`POST /api/v1/control/...`) reaches every account.
    static func respond(_ accounts: [Account], _ method: String, _ path: String) async -> (status: Int, json: String) {
        if method == "GET" && path == "/api/v1/health" {
            let names = accounts.map { "\"\($0.name)\"" }.joined(separator: ",")
            return (200, #"{"status":"healthy","version":"0.1.0","timestamp":"\#(UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000)))","accounts":[\#(names)]}"#)
        }
        if method == "GET" && path == "/api/v1/accounts" {
            let rows = accounts.map { #"{"name":"\#($0.name)","exchange":"\#($0.exchange)"}"# }.joined(separator: ",")
            return (200, "[\(rows)]")
        }
        if method == "GET" && path.hasPrefix("/api/v1/accounts/") {
            let rest = path.dropFirst("/api/v1/accounts/".count)
            let name = String(rest.prefix { $0 != "/" })
            guard let a = accounts.first(where: { $0.name == name }) else { return (404, #"{"error":"no account \#(name)"}"#) }
            return await a.runtime.answer("GET", "/api/v1" + rest.dropFirst(name.count))
        }
        var parts: [String] = []
        var status = 200
        for a in accounts {
            let (s, json) = await a.runtime.answer(method, path)
            if s != 200 && status == 200 { status = s }
            parts.append("\"\(a.name)\":\(json)")
        }
        return (status, #"{"accounts":{\#(parts.joined(separator: ","))}}"#)
    }
}

/// The hub's per-account results, filled by the accounts' tasks.
final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<LiveSummary, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<LiveSummary, any Error>) { lock.withLock { slots[i] = r } }
    func get(_ i: Int) -> Result<LiveSummary, any Error>? { lock.withLock { slots[i] } }
}
