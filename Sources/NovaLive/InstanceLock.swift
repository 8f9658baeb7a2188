import Foundation

/// One live instance per database: an exclusive `flock` on a lock file beside it holding the
/// owner's pid. The kernel drops the lock when its process dies, so a lock left by a crashed
/// instance is simply taken over; a running one makes the second instance refuse.
public final class InstanceLock {
    public struct Held: Error, CustomStringConvertible {
        public let path: String
        public let pid: String
        public var description: String {
            "another novapulse live (pid \(pid)) is running on this database (lock \(path)); stop it first or use another database"
        }
    }

    private let fd: Int32
    public let path: String

    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let owner = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            throw Held(path: path, pid: owner.isEmpty ? "?" : owner)
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
