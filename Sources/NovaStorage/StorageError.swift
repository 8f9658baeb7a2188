/// Errors of the results store, each naming the database and what would fix it.
public enum StorageError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case runNotFound(String)
    case ambiguousRunID(String, matches: [String])
    case runNotCompleted(String, status: String, error: String?)
    case duplicateRunID(String)
    case emptyRunID
    case runStillRunning(String, pid: Int)
    case database(String)
    /// SQLite could not write: the disk (or the quota) is full. Nothing of the write was stored.
    case diskFull(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the results database \(path): \(reason) (set DB_PATH to another file?)"
        case .runNotFound(let id):
            return "no run with id '\(id)' (see: novapulse runs list)"
        case .ambiguousRunID(let id, let matches):
            return "run id prefix '\(id)' matches \(matches.count) runs (\(matches.prefix(5).joined(separator: ", "))): give more characters"
        case .runNotCompleted(let id, let status, let error):
            return "run \(id) is \(status)\(error.map { " (\($0))" } ?? ""): only completed runs have a report"
        case .duplicateRunID(let id):
            return "run \(id) is listed twice"
        case .emptyRunID:
            return "a run id is required, got an empty one (see: novapulse runs list)"
        case .runStillRunning(let id, let pid):
            return "run \(id) is still running (process \(pid) on this host): wait for it to end, or stop that process first"
        case .database(let message):
            return "database error: \(message)"
        case .diskFull(let path):
            return "cannot write the results database \(path): no space left on the disk (nothing of this write was stored; free some space or set DB_PATH elsewhere)"
        }
    }
}
