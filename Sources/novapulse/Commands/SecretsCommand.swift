import ArgumentParser
import Foundation
#if Live
import NovaLive
#endif

/// `novapulse secrets`: exchange credentials in an encrypted file (AES-GCM, key from
/// NOVAPULSE_MASTER_KEY), so they need not sit in the environment of a long-running session.
struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Store exchange API keys encrypted (data/secrets.enc, AES-GCM with NOVAPULSE_MASTER_KEY).",
        discussion: """
        `novapulse live` takes KRAKEN_API_KEY / KRAKEN_API_SECRET from the environment first, else from this file. \
        The master key should be random: export NOVAPULSE_MASTER_KEY="$(openssl rand -base64 32)" and keep it elsewhere.
        """,
        subcommands: [SecretsSetCommand.self, SecretsListCommand.self, SecretsRemoveCommand.self])
}

struct SecretsFileOptions: ParsableArguments {
    @Option(name: .long, help: "The encrypted file (default: data/secrets.enc; NOVAPULSE_DATA_DIR moves data/).")
    var file: String?

    func validateExchange(_ name: String) throws {
        guard ["kraken", "coinbase"].contains(name) else { throw ValidationError("\(name): expected kraken or coinbase") }
    }

    #if Live
    /// Opens the store, turning its failures into one line on stderr and exit code 2 (1 when
    /// the file cannot be written).
    func withStore(_ body: (SecretStore) throws -> Void) throws {
        let path = file ?? SecretStore.defaultPath()
        do {
            try body(try SecretStore(path: path, masterKey: ProcessInfo.processInfo.environment["NOVAPULSE_MASTER_KEY"]))
        } catch let f as SecretStore.Failure {
            FileHandle.standardError.write(Data("error: \(f)\n".utf8))
            if case .unwritable = f { throw ExitCode(ExitCodes.internal) }
            throw ExitCode(ExitCodes.usage)
        }
    }
    #endif
}

struct SecretsSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Store an exchange's API key and secret: asked for without echo on a terminal, else two lines on stdin (key, then secret).")
    @Argument(help: "kraken or coinbase") var exchange: String
    @OptionGroup var store: SecretsFileOptions

    func validate() throws { try store.validateExchange(exchange) }

    func run() throws {
        #if Live
        try store.withStore { s in
            let (key, secret) = try readCredentials()
            try s.set(exchange, .init(apiKey: key, apiSecret: secret))
            print("stored \(exchange) credentials (key \(LiveLog.mask(key))) in \(s.path)")
        }
        #else
        throw LiveControl.notBuilt
        #endif
    }

    /// The key and secret from the terminal (no echo) or from two lines of stdin.
    func readCredentials() throws -> (String, String) {
        let name = exchange.prefix(1).uppercased() + exchange.dropFirst()
        let values: [String]
        if isatty(STDIN_FILENO) == 1 {
            let prompts: [String] = ["\(name) API key: ", "\(name) API secret: "]
            values = prompts.map { prompt in prompt.withCString { getpass($0) }.map { String(cString: $0) } ?? "" }
        } else {
            values = [readLine(strippingNewline: true) ?? "", readLine(strippingNewline: true) ?? ""]
        }
        let (key, secret) = (values[0].trimmingCharacters(in: .whitespaces), values[1].trimmingCharacters(in: .whitespaces))
        guard !key.isEmpty, !secret.isEmpty else {
            throw ValidationError("expected the API key and the API secret (two lines on stdin, or typed at the prompts); got \(key.isEmpty ? "no key" : "no secret")")
        }
        // Kraken's private key is base64; a pasted fragment would only fail later, at signing.
        if exchange == "kraken", Data(base64Encoded: secret) == nil {
            throw ValidationError("the Kraken API secret is not base64: paste the private key exactly as Kraken shows it")
        }
        return (key, secret)
    }
}

struct SecretsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The stored exchanges, keys masked.")
    @OptionGroup var store: SecretsFileOptions

    func run() throws {
        #if Live
        try store.withStore { s in
            let entries = try s.load()
            if entries.isEmpty { print(s.exists ? "\(s.path): no credentials stored" : "\(s.path) does not exist yet: `novapulse secrets set kraken` writes it") }
            for (name, c) in entries.sorted(by: { $0.key < $1.key }) { print("\(name): key \(LiveLog.mask(c.apiKey))") }
        }
        #else
        throw LiveControl.notBuilt
        #endif
    }
}

struct SecretsRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Forget an exchange's stored credentials.")
    @Argument(help: "kraken or coinbase") var exchange: String
    @OptionGroup var store: SecretsFileOptions

    func validate() throws { try store.validateExchange(exchange) }

    func run() throws {
        #if Live
        try store.withStore { s in
            print(try s.remove(exchange) ? "removed \(exchange) from \(s.path)" : "\(exchange) was not stored in \(s.path)")
        }
        #else
        throw LiveControl.notBuilt
        #endif
    }
}
