import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server on 127.0.0.1 for tests: `initdb` into a scratch folder (as
/// the `postgres` user when running as root: initdb refuses root), trust authentication,
/// a free port, stopped by `stop()`. Needs the Debian `postgresql` package (scripts/bootstrap.sh
/// installs it).
public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    public let user = "novapulse"
    let directory: String
    let bin: String

    /// The server binaries, if installed.
    public static var binDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }

    public static var available: Bool { binDirectory != nil }

    public init() throws {
        guard let bin = Self.binDirectory else { throw Failure("PostgreSQL server binaries not found under /usr/lib/postgresql: run scripts/bootstrap.sh") }
        self.bin = bin
        directory = Fixtures.scratch("pg")
        port = Int.random(in: 21_000...39_000)
        let root = getuid() == 0
        if root { try Self.sh(["chown", "-R", "postgres:postgres", directory]) }
        func asOwner(_ args: [String]) throws { try Self.sh(root ? ["runuser", "-u", "postgres", "--"] + args : args) }
        try asOwner(["\(bin)/initdb", "-D", directory + "/db", "--auth=trust", "-U", user, "--no-sync"])
        // The server outlives pg_ctl and would hold a pipe open forever: no pipes for this one.
        try Self.sh((root ? ["runuser", "-u", "postgres", "--"] : []) + ["\(bin)/pg_ctl", "-D", directory + "/db", "-l", directory + "/server.log", "-w", "-t", "60",
                     "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start"], capture: false)
    }

    /// Creates a database and returns its URL.
    public func createDatabase(_ name: String) throws -> String {
        try Self.sh(["\(bin)/psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", "postgres", "-q", "-c", "CREATE DATABASE \(name)"])
        return "postgresql://\(user)@127.0.0.1:\(port)/\(name)"
    }

    /// Runs SQL and returns psql's unaligned output.
    public func query(_ database: String, _ sql: String) throws -> String {
        try Self.sh(["\(bin)/psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-At", "-c", sql])
    }

    private var stopped = false

    public func stop() {
        guard !stopped else { return }
        stopped = true
        let root = getuid() == 0
        _ = try? Self.sh((root ? ["runuser", "-u", "postgres", "--"] : []) + ["\(bin)/pg_ctl", "-D", directory + "/db", "-m", "immediate", "stop"], capture: false)
    }

    deinit { stop() }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    @discardableResult
    static func sh(_ args: [String], capture: Bool = true) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        guard capture else {
            // Foundation's Process never sees pg_ctl exit once it has started the server daemon
            // (seen: the test hung, runuser left <defunct>): spawn and reap it ourselves.
            var pid: pid_t = 0
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env"] + args).map { strdup($0) } + [nil]
            defer { for a in argv { free(a) } }
            guard posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ) == 0 else { throw Failure("cannot start \(args[0])") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let code = (status >> 8) & 0xff
            guard code == 0 else { throw Failure("\(args.joined(separator: " ")) failed (\(code))") }
            return ""
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure("\(args.joined(separator: " ")) failed (\(p.terminationStatus)): \(String(decoding: e, as: UTF8.self))")
        }
        return String(decoding: o, as: UTF8.self)
    }
}
