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
final class SignalRecorder {
    let runID: String
    private(set) var blocks: [SignalBlock] = []
    private(set) var decisions: [RunSignalRecord] = []
    private(set) var refusedEntries: [(timestampMs: Int64, pair: Pair, rejection: String?)] = []
    private(set) var summary = SignalSummary()
    private(set) var count = 0
    /// The first error of encoding a block (the sink cannot throw: it is raised after the replay).
    private(set) var failure: (any Error)?

    init(runID: String) { self.runID = runID }

    func take(_ signals: [SignalEvent]) {
        guard failure == nil, !signals.isEmpty else { return }
        var records: [RunSignalRecord] = []
        records.reserveCapacity(signals.count)
        for s in signals {
            count += 1
            summary.add(s)
            if s.action.isEntry && !s.actedUpon { refusedEntries.append((s.timestampMs, s.pair, s.rejection)) }
            let r = BacktestRunner.signalRecord(s, runID: runID, seq: count)
            if s.action != .none && s.actedUpon {
                var d = r
                d.confluence = nil
                decisions.append(d)
            }
            records.append(r)
        }
        do { blocks.append(try SignalBlock.encode(records[...], index: blocks.count)) } catch { failure = error }
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
