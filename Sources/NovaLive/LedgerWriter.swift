import Foundation
import NovaStorage

/// The ledger's writes off the runtime actor: one serial queue, so they stay in order while
/// the actor goes on to the next frame (measured: a SQLite commit or a WAL checkpoint in the
/// actor's turn was the p99 of the decision latency). Reads (the status endpoint) go straight
/// to the database and see each write once it is committed.
///
/// `barrier()` waits for everything queued: a control's reply, and the end of a session,
/// come after their writes are on disk. A failed write is counted and the first one is said.
final class LedgerWriter: @unchecked Sendable {
    let ledger: LiveLedger
    private let queue = DispatchQueue(label: "novapulse.ledger-writer")
    private let lock = NSLock()
    private var _failures = 0
    private var _consecutive = 0
    private var _injected = 0
    private let report: @Sendable (String) -> Void

    init(ledger: LiveLedger, report: @escaping @Sendable (String) -> Void) {
        self.ledger = ledger
        self.report = report
    }

    var failures: Int { lock.withLock { _failures } }
    /// Failures since the last write that succeeded: the runtime pauses entries at 3.
    var consecutiveFailures: Int { lock.withLock { _consecutive } }

    /// Tests: the next `n` writes fail as a full disk would.
    func failWrites(_ n: Int) { lock.withLock { _injected = n } }

    struct Injected: Error, CustomStringConvertible { var description: String { "disk I/O error (injected)" } }

    /// Runs `body` on the writer queue, after everything queued before it.
    func write(_ what: String, _ body: @escaping @Sendable (LiveLedger) throws -> Void) {
        queue.async { [self] in
            do {
                if lock.withLock({ () -> Bool in
                    guard _injected > 0 else { return false }
                    _injected -= 1
                    return true
                }) { throw Injected() }
                try body(ledger)
                lock.withLock { _consecutive = 0 }
            } catch {
                let first = lock.withLock { _failures += 1; _consecutive += 1; return _failures == 1 }
                if first { report("ledger write failed (\(what): \(error)); trading goes on, the ledger is short from here") }
            }
        }
    }

    /// Returns once every write queued so far is done.
    func barrier() { queue.sync {} }
}
