import Foundation

/// Files and folders a process writes under a temporary name ending in `MARKER` and its pid
/// (`1m.npbars.tmp-4242`, `bt-...staging-4242`) and renames when done. When that process was
/// killed in between they stay behind; this removes those of processes no longer running.
public enum OrphanFiles {
    /// Removes the entries of `directory` whose name starts with `prefix`, contains `marker`
    /// and ends, after its last `marker`, in the pid of a process that is gone.
    public static func remove(in directory: String, prefix: String = "", marker: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let r = name.range(of: marker, options: .backwards), let pid = Int32(name[r.upperBound...]), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name)) }
        }
    }
}
