import Foundation
import NovaTestSupport
import Testing
@testable import NovaLive

/// The encrypted credentials file: what it keeps, what it refuses, and that nothing readable
/// of the secret is on disk.
struct SecretStoreTests {
    static let secret = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
    static let master = "3q2+7wAAAAC6vLq8AAAAAN7t3u0AAAAAyv7K/g=="

    @Test func credentialsRoundTripAndTheFileHoldsNothingReadable() throws {
        let path = Fixtures.scratch("secrets") + "/data/secrets.enc"
        let store = try SecretStore(path: path, masterKey: Self.master)
        #expect(try store.load().isEmpty && !store.exists)
        try store.set("kraken", .init(apiKey: "NPKEY-0123456789abcdef", apiSecret: Self.secret))
        try store.set("coinbase", .init(apiKey: "organizations/x/apiKeys/y", apiSecret: "-----BEGIN EC PRIVATE KEY-----"))
        let again = try SecretStore(path: path, masterKey: Self.master).load()
        #expect(again["kraken"] == .init(apiKey: "NPKEY-0123456789abcdef", apiSecret: Self.secret))
        #expect(again.keys.sorted() == ["coinbase", "kraken"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for fragment in ["NPKEY", "0123456789abcdef", String(Self.secret.prefix(12)), "organizations", "PRIVATE"] {
            #expect(!text.contains(fragment))
        }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        // Every write draws a new salt and nonce: the same contents never give the same file.
        try store.set("kraken", .init(apiKey: "NPKEY-0123456789abcdef", apiSecret: Self.secret))
        #expect(try String(contentsOfFile: path, encoding: .utf8) != text)
        #expect(try store.remove("coinbase") && !(try store.remove("coinbase")))
        #expect(try store.load().keys.sorted() == ["kraken"])
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))
    }

    @Test func aWrongKeyOrAnyChangedByteIsRefusedWhole() throws {
        let path = Fixtures.scratch("secrets-bad") + "/secrets.enc"
        try SecretStore(path: path, masterKey: Self.master).set("kraken", .init(apiKey: "NPKEY-0123456789abcdef", apiSecret: Self.secret))
        #expect(throws: SecretStore.Failure.cannotOpen(path: path)) { try SecretStore(path: path, masterKey: Self.master + "x").load() }
        let original = try String(contentsOfFile: path, encoding: .utf8)
        var obj = try JSONSerialization.jsonObject(with: Data(original.utf8)) as! [String: Any]
        // One bit of the ciphertext, then one of the salt (the header is authenticated too).
        for field in ["sealed", "salt"] {
            var bytes = [UInt8](Data(base64Encoded: obj[field] as! String)!)
            bytes[bytes.count / 2] ^= 0x01
            var changed = obj
            changed[field] = Data(bytes).base64EncodedString()
            try JSONSerialization.data(withJSONObject: changed).write(to: URL(fileURLWithPath: path))
            #expect(throws: SecretStore.Failure.cannotOpen(path: path), "\(field)") { try SecretStore(path: path, masterKey: Self.master).load() }
        }
        obj["version"] = 2
        try JSONSerialization.data(withJSONObject: obj).write(to: URL(fileURLWithPath: path))
        #expect(throws: SecretStore.Failure.malformed(path: path, "version 2 hkdf-sha256 is not one this build reads")) {
            try SecretStore(path: path, masterKey: Self.master).load()
        }
        try Data("KRAKEN_API_KEY=abc\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SecretStore.Failure.malformed(path: path, "not the expected JSON envelope")) { try SecretStore(path: path, masterKey: Self.master).load() }
        // A refused file is never overwritten by a set: what it held is not lost.
        #expect(throws: SecretStore.Failure.self) { try SecretStore(path: path, masterKey: Self.master).set("kraken", .init(apiKey: "a", apiSecret: "b")) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "KRAKEN_API_KEY=abc\n")
        #expect(throws: SecretStore.Failure.weakMasterKey) { try SecretStore(path: path, masterKey: "short") }
        #expect(throws: SecretStore.Failure.noMasterKey(path: path)) { try SecretStore(path: path, masterKey: nil) }
    }

    @Test func theEnvironmentComesFirstThenTheFileWhichNeedsTheMasterKey() throws {
        let dir = Fixtures.scratch("secrets-env")
        let path = dir + "/secrets.enc"
        #expect(try SecretStore.credentials(for: "kraken", environment: [:], path: path) == nil)
        try SecretStore(path: path, masterKey: Self.master).set("kraken", .init(apiKey: "FILEKEY-0123456789", apiSecret: Self.secret))
        let fromFile = try SecretStore.credentials(for: "kraken", environment: ["NOVAPULSE_MASTER_KEY": Self.master], path: path)
        #expect(fromFile?.0.apiKey == "FILEKEY-0123456789" && fromFile?.source == path)
        let fromEnv = try SecretStore.credentials(for: "kraken", environment: ["KRAKEN_API_KEY": "ENVKEY-0123456789", "KRAKEN_API_SECRET": "c2VjcmV0"], path: path)
        #expect(fromEnv?.0.apiKey == "ENVKEY-0123456789" && fromEnv?.source == "KRAKEN_API_KEY and KRAKEN_API_SECRET")
        // Half a pair in the environment does not count: the file is read.
        #expect(try SecretStore.credentials(for: "kraken", environment: ["KRAKEN_API_KEY": "x", "NOVAPULSE_MASTER_KEY": Self.master], path: path)?.0.apiKey == "FILEKEY-0123456789")
        #expect(try SecretStore.credentials(for: "coinbase", environment: ["NOVAPULSE_MASTER_KEY": Self.master], path: path) == nil)
        #expect(throws: SecretStore.Failure.noMasterKey(path: path)) { try SecretStore.credentials(for: "kraken", environment: [:], path: path) }
        // The default file follows NOVAPULSE_DATA_DIR.
        #expect(SecretStore.defaultPath(environment: ["NOVAPULSE_DATA_DIR": dir]) == dir + "/secrets.enc")
    }
}
