import Foundation
import NovaCore
import NovaEngine
import NovaStorage

/// A run's decisions as they settle during the replay (`BarReplay`'s signal sink): encoded
/// into the store's blocks at once, so memory keeps compressed blocks (about 60 bytes a
/// decision) instead of the decisions (about 2 KB each with their confluence: a year of the
/// full stack held 1 GB). Keeps what the rest of the run needs of them: the decisions acted
/// upon for the seed's `signals` table (without their confluence: one per order the stack
/// sent, so memory does not grow with the refusals), the refused entries for the thought log,
/// and the report's summary.
///
/// The blocks are encoded on a second thread while the replay goes on (a year of the full
/// stack spent a fifth of its time making and compressing them): at most two blocks of
/// decisions wait for it, so memory stays that of two blocks. With a store, each block is
/// written to it as soon as it is encoded, so no block stays in memory either (a year of the
/// full stack held 20 MB of them until the end; ten years, 200 MB).
final class SignalRecorder: @unchecked Sendable {
    let runID: String
    private(set) var decisions: [RunSignalRecord] = []
    private(set) var refusedEntries: [(timestampMs: Int64, pair: Pair, rejection: String?)] = []
    private(set) var summary = SignalSummary()
    private(set) var count = 0
    private var blockCount = 0

    private let encoder = DispatchQueue(label: "novapulse.signal-blocks")
    private let pending = DispatchGroup()
    private let inFlight = DispatchSemaphore(value: 2)
    private let lock = NSLock()
    private var encoded: [SignalBlock] = []
    private var encodeFailure: (any Error)?
    private let store: ResultsStore?
    private var held = 0
    private var peakHeld = 0

    /// `store`: where each block goes once encoded; nil keeps them for `blocks`.
    init(runID: String, store: ResultsStore? = nil) {
        self.runID = runID
        self.store = store
    }

    /// The most blocks held at once (handed over and not yet stored, or kept without a store):
    /// at most three with a store however long the run.
    var peakHeldBlocks: Int {
        pending.wait()
        return lock.withLock { peakHeld }
    }

    /// The blocks not written to the store, once every one handed over is encoded (in order):
    /// none with a store.
    var blocks: [SignalBlock] {
        pending.wait()
        return lock.withLock { encoded }
    }

    /// The first error of encoding a block (the sink cannot throw: it is raised after the replay).
    var failure: (any Error)? {
        pending.wait()
        return lock.withLock { encodeFailure }
    }

    func take(_ signals: [SignalEvent]) {
        guard !signals.isEmpty, lock.withLock({ encodeFailure == nil }) else { return }
        let firstSeq = count + 1
        for s in signals {
            count += 1
            summary.add(s)
            if s.action.isEntry && !s.actedUpon { refusedEntries.append((s.timestampMs, s.pair, s.rejection)) }
            if s.action != .none && s.actedUpon {
                var d = BacktestRunner.signalRecord(s, runID: runID, seq: count)
                d.confluence = nil
                decisions.append(d)
            }
        }
        let index = blockCount
        blockCount += 1
        inFlight.wait()
        lock.withLock {
            held += 1
            peakHeld = max(peakHeld, held)
        }
        let runID = runID
        let store = store
        encoder.async(group: pending) {
            defer { self.inFlight.signal() }
            var records: [RunSignalRecord] = []
            records.reserveCapacity(signals.count)
            for (k, s) in signals.enumerated() { records.append(BacktestRunner.signalRecord(s, runID: runID, seq: firstSeq + k)) }
            do {
                let block = try SignalBlock.encode(records[...], index: index)
                if let store {
                    try store.appendSignalBlock(runID: runID, block)
                    self.lock.withLock { self.held -= 1 }
                } else {
                    self.lock.withLock { self.encoded.append(block) }
                }
            } catch {
                self.lock.withLock { if self.encodeFailure == nil { self.encodeFailure = error } }
            }
        }
    }
}

/// What the report says of a run's decisions: how many, how many acted upon, and the refusals
/// grouped by gate.
public struct SignalSummary: Sendable, Equatable {
    public var count = 0
    public var acted = 0
    public var refusedByGate: [String: Int] = [:]

    public init() {}

    public mutating func add(_ s: SignalEvent) {
        count += 1
        if s.actedUpon { acted += 1 } else { refusedByGate[HTMLReport.gate(of: s.rejection ?? ""), default: 0] += 1 }
    }
}
