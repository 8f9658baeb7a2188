import Foundation
import NovaCore
import NovaSignals
import NovaStorage

/// What the journal has written so far, to write only changes.
struct JournalCursor {
    /// The entry block last journaled: the warm-up's to begin with, which is never journaled
    /// (a replay sets it by itself).
    var block: String? = LiveRuntime.warmingUp
    var books: [OrderBookAnalysis?]
    var current: [OrderBookAnalysis?]
    var staleBlocked: [Bool]
    /// Entries applied and not yet written (written at the end of the same actor turn).
    var pending: [JournalEntry] = []
    init(pairs: Int) {
        books = Array(repeating: nil, count: pairs)
        current = books
        staleBlocked = Array(repeating: false, count: pairs)
    }
}

/// The input journal: every input that changes the engine, written in the actor turn that
/// applied it, replayed at a restart (see `JournalEntry`).
extension LiveRuntime {
    static let warmingUp = "warming up: the stack is being primed with REST history"

    /// Queues `entries` (in the order they are applied) for `flushJournal`.
    func journal(_ entries: [JournalEntry]) {
        for case .bar in entries { journalBars += 1 }
        cursor.pending += entries
    }

    /// Writes the queued entries in one transaction. It runs at the end of every actor turn
    /// that applied an input, after the decision: the disk never delays a decision. A crash
    /// in between loses at most that turn's bar, which the restart fetches again from REST
    /// history (the bar is newer than the journal's last); a control is written before its
    /// reply goes out. A failed write is said once and counted, not fatal: trading goes on.
    func flushJournal() {
        guard !cursor.pending.isEmpty else { return }
        let rows = cursor.pending.map(\.row)
        cursor.pending.removeAll(keepingCapacity: true)
        writer.write("journal") { try $0.appendJournal(rows) }
    }

    /// The journal this session resumes, nil when it starts a new one. A journal written
    /// under another configuration or other pairs is refused unless `--fresh` says to start
    /// over, which marks the positions it left open as cancelled.
    func journalToResume() throws -> JournalResume? {
        let fingerprint = JournalEntry.fingerprint(options.config, pairs: options.pairs)
        let rows = try ledger.journalCount()
        let stored = try ledger.state("journal_fingerprint")
        if rows == 0 || options.fresh || stored != fingerprint {
            if rows > 0 && !options.fresh {
                let open = try ledger.trades(status: "open").count
                throw LiveError.refused("""
                    \(options.databasePath) holds a session journaled with another configuration or other pairs \
                    (\(rows) inputs, \(open) open position\(open == 1 ? "" : "s")): run with the same --config, --param, \
                    --strategy and --pair to resume it, or add --fresh to start a new journal (its open positions are marked cancelled)
                    """)
            }
            // Open rows no journal can rebuild (--fresh, or a ledger older than the journal)
            // are marked cancelled: /positions shows only what this session holds.
            let orphans = rows == 0 ? try ledger.trades(status: "open").count : 0
            if rows > 0 || orphans > 0 {
                let n = try ledger.resetJournal(note: rows == 0 ? "not restorable: opened by a session that kept no journal"
                                                                : "abandoned: --fresh started a new journal")
                let line = (rows == 0 ? "no journal to resume" : "--fresh: a new journal")
                    + "; \(n) open position\(n == 1 ? "" : "s") of the ledger marked cancelled"
                options.output(line)
                try thought("system", line, severity: "warning")
            }
            try ledger.setState("journal_fingerprint", fingerprint)
            // A new journal is a new epoch: its engine numbers trades from 1 again.
            let previous = try Int(ledger.state("journal_epoch") ?? "") ?? (ledger.trades(limit: 1).isEmpty ? 0 : 1)
            try ledger.setState("journal_epoch", String(previous + 1))
            tradeIDPrefix = previous + 1 <= 1 ? "" : "S\(previous + 1)-"
            journalEpoch = previous + 1
            return nil
        }
        let epoch = try Int(ledger.state("journal_epoch") ?? "") ?? 1
        tradeIDPrefix = epoch <= 1 ? "" : "S\(epoch)-"
        journalEpoch = epoch
        return try resumeEntries(fingerprint: fingerprint)
    }

    /// Rebuilds the last session's engine state by replaying its journal into `stack`. The
    /// ledger is then brought in line with the rebuilt trades, quietly (they were reported
    /// when they happened).
    /// From the checkpoint when there is one: restored, then the journal after it; a
    /// checkpoint that cannot be read is said, and the whole journal replayed instead.
    func replay(_ resume: JournalResume, into stack: any LiveStack) throws {
        var from = ""
        if let c = resume.checkpoint {
            do {
                try restore(c, into: stack)
                apply(resume.entries, to: stack)
                from = ", from its checkpoint of \(c.writtenAt) and the \(resume.entries.count) input\(resume.entries.count == 1 ? "" : "s") after it"
            } catch {
                let line = "the journal's checkpoint of \(c.writtenAt) cannot be used (\(error)): replaying the whole journal"
                options.output(line)
                try? thought("system", line, severity: "warning")
                replayFromStart(try readJournal(after: 0), into: stack)
            }
        } else {
            replayFromStart(resume.entries, into: stack)
        }
        summary.replayedBars = journalBars
        signalsWritten = stack.signalCount
        for t in stack.trades {
            let row = LiveLedgerRows.row(t, mode: options.mode.rawValue, idPrefix: tradeIDPrefix)
            written[t.tradeID] = Self.ledgerKey(t)
            writer.write("trade \(row.tradeID)") { try $0.upsertTrade(row) }
        }
        let open = stack.trades.filter(\.isOpen)
        summary.restoredPositions = open.count
        var line = "resumed from the journal: \(summary.warmupBars) warm-up and \(summary.replayedBars) live bars\(from.isEmpty ? " replayed" : from), "
            + "equity \(String(format: "%.2f", stack.equity)), \(open.count) open position\(open.count == 1 ? "" : "s")"
        if !open.isEmpty {
            line += ": " + open.map { t in
                Self.positionText(t) + (t.stopLoss.map { ", stop \($0)" } ?? "") + " (\(tradeIDPrefix)\(t.tradeID))"
            }.joined(separator: "; ")
        }
        options.output(line)
        try? thought("system", line)
    }

    /// The warm-up, then every input, into a fresh stack.
    private func replayFromStart(_ entries: [JournalEntry], into stack: any LiveStack) {
        journalBars = 0
        stack.blockEntries(Self.warmingUp)
        var history: [[Bar]] = options.pairs.map { _ in [] }
        var rest = entries[...]
        while case .warm(let s, let b)? = rest.first {
            if history.indices.contains(s) { history[s].append(b) }
            rest = rest.dropFirst()
        }
        prime(stack, history)
        stack.drainSettledSignals()
        apply(rest, to: stack)
    }

    /// Journaled inputs into the stack, as they were applied.
    private func apply(_ entries: some Collection<JournalEntry>, to stack: any LiveStack) {
        for e in entries {
            switch e {
            case .warm: break
            case .bar(let s, let b):
                guard options.pairs.indices.contains(s) else { continue }
                stack.bar(s, b)
                stack.recordEquity(atMs: b.timestampMs)
                lastBarMs[s] = b.timestampMs
                lastBars[s] = b
                journalBars += 1
                stack.drainSettledSignals()     // written by the last process: held no longer
            case .book(let s, let a):
                guard options.pairs.indices.contains(s) else { continue }
                stack.book(s, a)
                cursor.books[s] = a
                cursor.current[s] = a
            case .block(let r):
                stack.blockEntries(r)
                cursor.block = r
            case .slotBlock(let s, let r):
                guard options.pairs.indices.contains(s) else { continue }
                stack.blockEntries(slot: s, r)
                cursor.staleBlocked[s] = r != nil
            case .closeAll:
                _ = stack.closeAll()
            case .venue(let e):
                stack.venue(e)
            case .entryBook(let b):
                writer.write("book snapshot") { try b.write(to: $0) }     // once: kept if it is there
            }
            // The orders these inputs led to were sent by the last process: not again.
            _ = stack.takeCommands()
        }
    }

    /// Bars that closed while no session ran, from REST history, handled as live bars (a stop
    /// the exchange would have triggered meanwhile triggers here). A hole REST no longer
    /// covers is said plainly: positions were not watched over it.
    func fillGap(_ recent: [[Bar]]) {
        var gap: [(Int, Bar)] = []
        for (i, bars) in recent.enumerated() {
            let newer = bars.filter { $0.timestampMs > lastBarMs[i] }
            if let first = newer.first, lastBarMs[i] != .min, first.timestampMs > lastBarMs[i] + 60_000 {
                let missing = (first.timestampMs - lastBarMs[i]) / 60_000 - 1
                let line = "\(options.pairs[i]): \(missing) minute\(missing == 1 ? "" : "s") from \(UTCTime.iso(lastBarMs[i] + 60_000)) "
                    + "are older than \(market.exchangeName)'s REST history: stops and exits were not checked over them"
                options.output(line)
                try? thought("system", line, severity: "warning")
            }
            gap += newer.map { (i, $0) }
        }
        gap.sort { ($0.1.timestampMs, $0.0) < ($1.1.timestampMs, $1.0) }
        for (i, b) in gap {
            summary.gapBars += 1
            onBar(options.pairs[i], b)
        }
        if !gap.isEmpty {
            let line = "caught up: \(gap.count) bar\(gap.count == 1 ? "" : "s") closed while no session ran, from REST history"
            options.output(line)
            try? thought("system", line)
        }
    }
}
