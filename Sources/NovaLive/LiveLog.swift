import Foundation
import NovaCore

/// Structured JSON logs in the seed's structlog shape (`event, level, logger, timestamp` plus
/// fields), one object per line in `logs/novapulse.jsonl`. Fields whose name looks secret
/// (`api_key`, `api_secret`, `password`, `token`, `secret`) are masked `first4****last4`
/// before anything is written, and so is the password of a database URL.
public final class LiveLog: @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()
    public let path: String?

    public init(path: String?) {
        self.path = path
        guard let path else { handle = nil; return }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        handle = FileHandle(forWritingAtPath: path)
        handle?.seekToEndOfFile()
    }

    static let secretNames = ["api_key", "api_secret", "password", "token", "secret"]

    /// `first4****last4` (shorter values: `****`).
    public static func mask(_ value: String) -> String {
        value.count <= 8 ? "****" : String(value.prefix(4)) + "****" + String(value.suffix(4))
    }

    public static func isSecretField(_ name: String) -> Bool {
        let n = name.lowercased()
        return secretNames.contains { n.contains($0) }
    }

    public func write(_ event: String, level: String = "info", logger: String = "live", _ fields: [String: Any] = [:]) {
        guard let handle else { return }
        var obj: [String: Any] = ["event": event, "level": level, "logger": logger,
                                  "timestamp": UTCTime.iso(Int64(Date().timeIntervalSince1970 * 1000))]
        for (k, v) in fields {
            if Self.isSecretField(k), let s = v as? String { obj[k] = Self.mask(s) }
            else if let s = v as? String, s.contains("://"), s.contains("@") { obj[k] = Self.maskURL(s) }
            else { obj[k] = v }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) else { return }
        lock.lock(); defer { lock.unlock() }
        handle.write(data)
        handle.write(Data("\n".utf8))
    }

    /// `postgres://user:secret@host/db` -> `postgres://user:****@host/db`.
    public static func maskURL(_ s: String) -> String {
        guard let scheme = s.range(of: "://"), let at = s.range(of: "@", range: scheme.upperBound..<s.endIndex),
              let colon = s.range(of: ":", range: scheme.upperBound..<at.lowerBound) else { return s }
        return String(s[..<colon.upperBound]) + "****" + String(s[at.lowerBound...])
    }

    deinit { try? handle?.close() }
}
