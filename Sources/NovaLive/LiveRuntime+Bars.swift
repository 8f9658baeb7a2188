import Foundation
import NovaCore

/// Bars into the stack: the warm-up's history, and each closed live bar (journaled, decided,
/// timed, persisted); and the staleness check that keeps a pair with old data out of entries.
extension LiveRuntime {
    /// The warm-up: `history` into the stack (entries blocked by the caller), each pair's last
    /// bar kept as the feed's starting point.
    func prime(_ stack: any LiveStack, _ history: [[Bar]]) {
        summary.warmupBars = history.reduce(0) { $0 + $1.count }
        lastBars = history.map(\.last)
        // Merged in time order, as the backtest's replay does.
        var cursor = history.map { _ in 0 }
        while true {
            var t = Int64.max
            for p in history.indices where cursor[p] < history[p].count { t = min(t, history[p][cursor[p]].timestampMs) }
            if t == .max { break }
            for p in history.indices where cursor[p] < history[p].count && history[p][cursor[p]].timestampMs == t {
                stack.bar(p, history[p][cursor[p]])
                lastBarMs[p] = t
                cursor[p] += 1
            }
            stack.recordEquity(atMs: t)
        }
    }

    func onBar(_ pair: Pair, _ bar: Bar) {
        guard let stack, let i = options.pairs.firstIndex(of: pair) else { return }
        guard bar.timestampMs > lastBarMs[i] else { return }
        superviseLedger()       // before the decision: an entry never goes out unrecorded
        lastBarMs[i] = bar.timestampMs
        lastBars[i] = bar
        // The book in effect (if it changed), the bar, and the lifted stale block.
        var entries: [JournalEntry] = []
        if cursor.current[i] != cursor.books[i] {
            entries.append(.book(slot: i, cursor.current[i]))
            cursor.books[i] = cursor.current[i]
        }
        entries.append(.bar(slot: i, bar))
        let wasStale = cursor.staleBlocked[i]
        if wasStale { entries.append(.slotBlock(slot: i, nil)) }
        journal(entries)
        let decided = stack.signalCount
        shadowBar(pair, bar)
        stack.bar(i, bar)
        stack.recordEquity(atMs: bar.timestampMs)
        if frameReceivedNs != 0 {
            // The bar-closing frame's arrival to the decision made and its orders handed to
            // the venue (the simulator in paper).
            let ns = DispatchTime.now().uptimeNanoseconds &- frameReceivedNs
            summary.barLatency.record(ns)
            if stack.signalCount > decided, stack.signals.last?.actedUpon == true { summary.orderLatency.record(ns) }
        }
        summary.liveBars += 1
        if wasStale {
            cursor.staleBlocked[i] = false
            stack.blockEntries(slot: i, nil)
        }
        // The ledger's rows first, the journal last: once the journal holds the bar (and a
        // restart rebuilds what it opened), the entry's book snapshot is on disk too. A crash
        // before the journal write refetches the bar and writes each row again, once.
        persist(stack, at: bar.timestampMs + 60_000)
        flushJournal()
        checkpointDue()
        log.write("bar closed", logger: "live", ["pair": pair.description, "close": bar.close, "time": UTCTime.iso(bar.timestampMs)])
    }

    /// A pair whose newest bar is too old takes no entries until fresh data comes.
    func checkStaleness(now: Int64) {
        guard let stack else { return }
        let limit = Int64(options.config.live.staleDataS * 1000)
        for (i, t) in lastBarMs.enumerated() where t != .min && now - (t + 60_000) > limit && !cursor.staleBlocked[i] {
            let reason = "\(options.pairs[i]) data is stale (last bar \(UTCTime.iso(t)))"
            journal([.slotBlock(slot: i, reason)])
            cursor.staleBlocked[i] = true
            stack.blockEntries(slot: i, reason)
        }
    }
}
