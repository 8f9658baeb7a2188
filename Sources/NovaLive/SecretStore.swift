import Crypto
import Foundation

/// Exchange credentials in an encrypted file (`data/secrets.enc`), written by `novapulse secrets
/// set` and read by `novapulse live` when the environment has no keys.
///
/// AES-256-GCM; the key is derived from `NOVAPULSE_MASTER_KEY` with HKDF-SHA256 and a random
/// salt stored in the file; each write draws a new salt and nonce. The file's header is
/// authenticated with the contents, so a changed byte anywhere (or a wrong master key) is
/// refused as a whole, never half-read. HKDF does not stretch a weak passphrase: the master
/// key is meant to be random (`openssl rand -base64 32`), and shorter than 16 characters is
/// refused.
public struct SecretStore: Sendable {
    public struct Credentials: Codable, Sendable, Equatable {
        public var apiKey: String
        public var apiSecret: String
        public init(apiKey: String, apiSecret: String) { self.apiKey = apiKey; self.apiSecret = apiSecret }
        enum CodingKeys: String, CodingKey { case apiKey = "api_key", apiSecret = "api_secret" }
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case noMasterKey(path: String)
        case weakMasterKey
        case cannotOpen(path: String)
        case malformed(path: String, String)
        case unwritable(path: String, String)
        public var description: String {
            switch self {
            case .noMasterKey(let p):
                return "\(p) is encrypted with NOVAPULSE_MASTER_KEY, which is not set: export it (the key the file was written with)"
            case .weakMasterKey:
                return "NOVAPULSE_MASTER_KEY is shorter than 16 characters: use a random key, e.g. `openssl rand -base64 32`"
            case .cannotOpen(let p):
                return "\(p) does not open with this NOVAPULSE_MASTER_KEY: the key is not the one it was written with, or the file was changed"
            case .malformed(let p, let why): return "\(p) is not a novapulse secrets file: \(why)"
            case .unwritable(let p, let why): return "cannot write \(p): \(why)"
            }
        }
    }

    /// The file on disk: the header fields are authenticated along with the sealed box.
    struct Envelope: Codable {
        var format = "novapulse-secrets"
        var version = 1
        var kdf = "hkdf-sha256"
        var salt: String
        var sealed: String
        var header: Data { Data("\(format) v\(version) \(kdf) \(salt)".utf8) }
    }

    public let path: String
    let masterKey: String

    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (environment["NOVAPULSE_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data") + "/secrets.enc"
    }

    public init(path: String, masterKey: String?) throws {
        guard let masterKey, !masterKey.isEmpty else { throw Failure.noMasterKey(path: path) }
        guard masterKey.count >= 16 else { throw Failure.weakMasterKey }
        self.path = path
        self.masterKey = masterKey
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// `exchange`'s credentials: `EXCHANGE_API_KEY` and `EXCHANGE_API_SECRET` from the
    /// environment first, else the encrypted file (which then needs `NOVAPULSE_MASTER_KEY`);
    /// nil when neither has them. The second value says where they came from.
    public static func credentials(for exchange: String, environment env: [String: String] = ProcessInfo.processInfo.environment,
                                   path: String? = nil) throws -> (Credentials, source: String)? {
        let prefix = exchange.uppercased()
        if let key = env[prefix + "_API_KEY"], !key.isEmpty, let secret = env[prefix + "_API_SECRET"], !secret.isEmpty {
            return (Credentials(apiKey: key, apiSecret: secret), "\(prefix)_API_KEY and \(prefix)_API_SECRET")
        }
        let file = path ?? defaultPath(environment: env)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let store = try SecretStore(path: file, masterKey: env["NOVAPULSE_MASTER_KEY"])
        return try store.load()[exchange].map { ($0, file) }
    }

    /// Every stored entry by name (`kraken`, `coinbase`); empty when there is no file yet.
    public func load() throws -> [String: Credentials] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        let env: Envelope
        do { env = try JSONDecoder().decode(Envelope.self, from: data) } catch {
            throw Failure.malformed(path: path, "not the expected JSON envelope")
        }
        guard env.format == "novapulse-secrets" else { throw Failure.malformed(path: path, "format \(env.format)") }
        guard env.version == 1, env.kdf == "hkdf-sha256" else { throw Failure.malformed(path: path, "version \(env.version) \(env.kdf) is not one this build reads") }
        guard let salt = Data(base64Encoded: env.salt), salt.count == 32, let sealed = Data(base64Encoded: env.sealed) else {
            throw Failure.malformed(path: path, "salt or sealed box is not base64 of the right size")
        }
        let plain: Data
        do {
            plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: key(salt: salt), authenticating: env.header)
        } catch {
            throw Failure.cannotOpen(path: path)
        }
        guard let entries = try? JSONDecoder().decode([String: Credentials].self, from: plain) else {
            throw Failure.malformed(path: path, "the decrypted contents are not credentials")
        }
        return entries
    }

    /// Stores `credentials` under `name`, replacing what was there; the file is rewritten whole
    /// (a temporary file renamed over it, mode 0600), so a crash leaves the old file or the new.
    public func set(_ name: String, _ credentials: Credentials) throws {
        var entries = try load()
        entries[name] = credentials
        try write(entries)
    }

    /// Removes `name`; false when it was not stored.
    public func remove(_ name: String) throws -> Bool {
        var entries = try load()
        guard entries.removeValue(forKey: name) != nil else { return false }
        try write(entries)
        return true
    }

    func key(salt: Data) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(masterKey.utf8)), salt: salt,
                               info: Data("novapulse secrets v1".utf8), outputByteCount: 32)
    }

    func write(_ entries: [String: Credentials]) throws {
        let salt = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var env = Envelope(salt: salt.base64EncodedString(), sealed: "")
        do {
            let box = try AES.GCM.seal(try encoder.encode(entries), using: key(salt: salt), authenticating: env.header)
            guard let combined = box.combined else { throw Failure.unwritable(path: path, "the sealed box has no combined form") }
            env.sealed = combined.base64EncodedString()
        } catch let f as Failure { throw f } catch {
            throw Failure.unwritable(path: path, "encryption failed: \(error)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        let temp = path + ".tmp-\(getpid())"
        do {
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            guard FileManager.default.createFile(atPath: temp, contents: try encoder.encode(env), attributes: [.posixPermissions: 0o600]) else {
                throw Failure.unwritable(path: path, "could not create \(temp)")
            }
            guard rename(temp, path) == 0 else { throw Failure.unwritable(path: path, String(cString: strerror(errno))) }
        } catch let f as Failure {
            try? FileManager.default.removeItem(atPath: temp)
            throw f
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw Failure.unwritable(path: path, "\(error)")
        }
    }
}
