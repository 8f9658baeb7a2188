import ArgumentParser
import Foundation
import NovaConfig
#if Live
import NIOPosix
import NovaLive
#endif

/// `novapulse live`: run a session (the default subcommand), or talk to the running one.
struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Run the NovaPulse stack on real-time Kraken data (paper by default), or control the running session.",
        discussion: """
        `novapulse live --pair BTC/USD` runs a session (the `run` subcommand is the default). \
        `status`, `pause`, `resume` and `close-all` talk to the running one through its status endpoint on \
        127.0.0.1 (live.status_port, 8090): status needs DASHBOARD_READ_KEY (or the admin key), the controls \
        DASHBOARD_ADMIN_KEY, the same keys the session was started with. `report` compares the real and simulated \
        fills of a --mode shadow session from its ledger.
        """,
        subcommands: [LiveRunCommand.self, LiveStatusCommand.self, LivePauseCommand.self, LiveResumeCommand.self, LiveCloseAllCommand.self,
                      LiveReportCommand.self],
        defaultSubcommand: LiveRunCommand.self)
}

/// Where the running session listens.
struct LiveEndpointOptions: ParsableArguments {
    @Option(name: .long, help: "The session's status port (default: live.status_port of --config, else 8090).")
    var port: Int?

    @Option(name: .long, help: "The YAML config the session runs with (for live.status_port).")
    var config: String?

    func resolvedPort() throws -> Int {
        if let port {
            guard (1...65_535).contains(port) else { throw ValidationError("--port \(port): expected 1 to 65535") }
            return port
        }
        let p = try ConfigLoader.load(path: config, params: [], strategy: nil).live.statusPort
        guard p != 0 else { throw ValidationError("live.status_port is 0 in \(config ?? "the defaults"): that session has no status endpoint") }
        return p
    }
}

struct LiveStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "What the running novapulse live is doing: state, bankroll, open positions, strategies.")
    @OptionGroup var endpoint: LiveEndpointOptions
    @Flag(name: .long, help: "Print the endpoint's JSON instead of the summary.")
    var json = false

    func run() throws {
        #if Live
        let port = try endpoint.resolvedPort()
        let key = LiveControl.key("DASHBOARD_READ_KEY") ?? LiveControl.key("DASHBOARD_ADMIN_KEY")
        guard let key else {
            throw ValidationError("novapulse live status needs DASHBOARD_READ_KEY (or DASHBOARD_ADMIN_KEY): the key the session was started with")
        }
        let json = json
        print(try LiveControl.call(port: port) { client in
            var parts: [String: [String: Any]] = [:]
            for name in ["status", "risk", "positions", "strategies"] { parts[name] = try await client.get(name, key: key) }
            return json ? LiveStatusText.json(parts) : LiveStatusText.summary(parts, port: port)
        })
        #else
        throw LiveControl.notBuilt
        #endif
    }
}

struct LivePauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop new entries in the running session; open positions keep their stops and exits.")
    @OptionGroup var endpoint: LiveEndpointOptions
    func run() throws { try LiveControl.send("pause", endpoint) }
}

struct LiveResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Open entries again in the running session.")
    @OptionGroup var endpoint: LiveEndpointOptions
    func run() throws { try LiveControl.send("resume", endpoint) }
}

struct LiveCloseAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close-all", abstract: "Exit every open position of the running session now (it goes on trading unless paused).")
    @OptionGroup var endpoint: LiveEndpointOptions
    func run() throws { try LiveControl.send("close_all", endpoint) }
}

/// What the control subcommands share.
enum LiveControl {
    static let notBuilt = ValidationError("this novapulse was built without the live stack: build it with `swift build -c release --traits Live`")

    static func key(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func send(_ command: String, _ endpoint: LiveEndpointOptions) throws {
        #if Live
        let port = try endpoint.resolvedPort()
        guard let key = key("DASHBOARD_ADMIN_KEY") else {
            throw ValidationError("novapulse live \(command.replacingOccurrences(of: "_", with: "-")) needs DASHBOARD_ADMIN_KEY: the key the session was started with")
        }
        print(try call(port: port) { client in LiveStatusText.control(command, try await client.control(command, key: key)) })
        #else
        throw notBuilt
        #endif
    }

    #if Live
    /// Runs `body` against the session's endpoint; its failures become the command's error.
    static func call(port: Int, _ body: @escaping @Sendable (ControlClient) async throws -> String) throws -> String {
        let result = LiveRunCommand.blocking { () async -> Result<String, any Error> in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let http = HTTPClientTransport(group: group, timeoutSeconds: 5)
            let r: Result<String, any Error>
            do { r = .success(try await body(ControlClient(transport: http, port: port))) } catch { r = .failure(error) }
            await http.shutdown()
            try? await group.shutdownGracefully()
            return r
        }
        do { return try result.get() } catch let f as ControlClient.Failure {
            // The session's answer, not a usage mistake: one line, no usage text.
            FileHandle.standardError.write(Data("error: \(f)\n".utf8))
            if case .refused(let status, _) = f, status == 401 || status == 403 { throw ExitCode(ExitCodes.usage) }
            throw ExitCode(ExitCodes.internal)
        }
    }
    #endif
}
