import Foundation
import NovaCore
import NovaEngine
import NovaSignals
import NovaStorage

/// The runtime's part of a checkpoint: what a journal replay sets besides the stack.
struct RuntimeCheckpoint: Codable, Equatable {
    /// Bumped when this layout or the engine's state changes meaning: an older checkpoint is
    /// then not used (the journal is replayed in full, as before checkpoints existed).
    static let format = 1
    var lastBarMs: [Int64]
    var lastBars: [Bar?]
    var block: String?
    var books: [OrderBookAnalysis?]
    var current: [OrderBookAnalysis?]
    var staleBlocked: [Bool]
    var warmupBars: Int
    /// Live bars in the journal up to the checkpoint.
    var journalBars: Int
}

/// What a restart resumes: the newest usable checkpoint and the journal after it, or the
/// whole journal.
struct JournalResume {
    var checkpoint: LiveLedger.JournalCheckpoint?
    var entries: [JournalEntry]
}

/// Checkpoints: every `live.checkpoint_bars` live bars, and at a clean stop, the stack's whole
/// state goes to `live_checkpoint`, behind the journal rows it includes (one serial writer).
/// A restart restores it and replays only the journal written after it: the cost of a restart
/// no longer grows with the session's length. The journal itself is kept whole: it is the
/// record of every input, and the fallback when a checkpoint cannot be used (written by a
/// version whose engine state differs: it fails to decode, or its format number is older).
extension LiveRuntime {
    func checkpointDue() {
        let every = options.config.live.checkpointBars
        barsSinceCheckpoint += 1
        if every > 0 && barsSinceCheckpoint >= every { writeCheckpoint() }
    }

    /// Queues a checkpoint of the state now. Call after `flushJournal`: every input applied is
    /// queued before it. Encoding is on the actor (a consistent state); compressing and
    /// writing are on the writer's queue.
    func writeCheckpoint() {
        guard let stack, options.config.live.checkpointBars > 0 else { return }
        barsSinceCheckpoint = 0
        do {
            let state = try stack.checkpoint()
            let runtime = RuntimeCheckpoint(lastBarMs: lastBarMs, lastBars: lastBars, block: cursor.block, books: cursor.books,
                                            current: cursor.current, staleBlocked: cursor.staleBlocked,
                                            warmupBars: summary.warmupBars, journalBars: journalBars)
            let text = String(decoding: try CheckpointCoding.encoder().encode(runtime), as: UTF8.self)
            let fingerprint = JournalEntry.fingerprint(options.config, pairs: options.pairs)
            writer.write("checkpoint") { ledger in
                try ledger.saveCheckpoint(fingerprint: fingerprint, format: RuntimeCheckpoint.format, runtime: text,
                                          state: try ZstdFrame.compress(state))
            }
            summary.checkpoints += 1
        } catch {
            if !checkpointFailed {
                checkpointFailed = true
                let line = "checkpoint not written (\(error)): a restart replays the whole journal"
                options.output(line)
                try? thought("system", line, severity: "warning")
            }
        }
    }

    /// The journal a resume replays: after the checkpoint when one of this configuration and
    /// format is stored, else all of it.
    func resumeEntries(fingerprint: String) throws -> JournalResume {
        if let c = try ledger.checkpoint(), c.fingerprint == fingerprint, c.format == RuntimeCheckpoint.format {
            return JournalResume(checkpoint: c, entries: try readJournal(after: c.throughSeq))
        }
        return JournalResume(checkpoint: nil, entries: try readJournal(after: 0))
    }

    func readJournal(after seq: Int64) throws -> [JournalEntry] {
        do { return try ledger.journal(after: seq).map(JournalEntry.init) } catch {
            throw LiveError.refused("\(options.databasePath): \(error); add --fresh to start a new journal")
        }
    }

    /// Puts the stack and the runtime in the checkpoint's state. Throws, having changed
    /// nothing, when it cannot be read.
    func restore(_ c: LiveLedger.JournalCheckpoint, into stack: any LiveStack) throws {
        let runtime = try CheckpointCoding.decoder().decode(RuntimeCheckpoint.self, from: Data(c.runtime.utf8))
        guard runtime.lastBarMs.count == options.pairs.count, runtime.lastBars.count == options.pairs.count,
              runtime.books.count == options.pairs.count, runtime.current.count == options.pairs.count,
              runtime.staleBlocked.count == options.pairs.count
        else { throw LiveError.refused("the checkpoint holds \(runtime.lastBarMs.count) pairs, the session \(options.pairs.count)") }
        try stack.restore(try ZstdFrame.decompress(c.state))
        lastBarMs = runtime.lastBarMs
        lastBars = runtime.lastBars
        cursor.block = runtime.block
        cursor.books = runtime.books
        cursor.current = runtime.current
        cursor.staleBlocked = runtime.staleBlocked
        summary.warmupBars = runtime.warmupBars
        journalBars = runtime.journalBars
    }
}
