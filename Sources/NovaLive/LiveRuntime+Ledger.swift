import Foundation
import NovaCore
import NovaEngine
import NovaStorage

/// What the runtime writes to the ledger as bars close: decisions, trades as they open,
/// change and close, the book at each entry, bankroll and drawdown.
extension LiveRuntime {
    /// New decisions and every trade that changed go to the ledger writer (off the actor, in
    /// order); the lines for the terminal go out now.
    func persist(_ stack: any LiveStack, at ms: Int64) {
        // `signalsWritten` counts every decision written; the stack holds the last ones.
        let signals = stack.signals
        let held = stack.signalCount - signals.count
        if stack.signalCount > signalsWritten {
            for s in signals[(signalsWritten - held)...] {
                summary.decisions += 1
                let line = "\(UTCTime.iso(s.timestampMs)) \(s.pair) \(s.action.rawValue) \(s.strategy) strength \(String(format: "%.2f", s.strength))"
                    + (s.actedUpon ? " -> order" : " refused: \(s.rejection ?? "")")
                options.output(line)
                let (time, pair, strategy, direction, strength) = (UTCTime.iso(s.timestampMs), s.pair.description, s.strategy, s.direction, s.strength)
                let (count, confidence, acted, meta) = (s.confluence?.confluenceCount ?? 1, s.confluence?.confidence, s.actedUpon, s.confluence?.json(compact: true))
                writer.write("signal") {
                    try $0.appendSignal(timestamp: time, pair: pair, strategy: strategy, direction: direction, strength: strength,
                                        confluenceCount: count, confidence: confidence, actedUpon: acted, metadata: meta)
                }
            }
            signalsWritten = stack.signalCount
        }
        stack.drainSettledSignals()
        let trades = stack.trades
        for t in trades[min(settledTrades, trades.count)...] {
            // The row (with its metadata JSON) is built only for a trade that changed.
            let key = Self.ledgerKey(t)
            guard written[t.tradeID] != key else { continue }
            let row = LiveLedgerRows.row(t, mode: options.mode.rawValue, idPrefix: tradeIDPrefix)
            let isNew = written[t.tradeID] == nil
            written[t.tradeID] = key
            writer.write("trade \(row.tradeID)") { try $0.upsertTrade(row) }
            // Counted here, where every trade passes once (in live mode trades open on fills,
            // between bars): one that opened and closed since the last write counts as both.
            if isNew { summary.tradesOpened += 1 }
            if row.status == "closed" {
                summary.tradesClosed += 1
                options.output("\(row.exitTime ?? "") \(row.pair) closed \(t.exitReason ?? "") pnl \(String(format: "%.2f", row.pnl))")
            } else if isNew {
                options.output("\(row.entryTime) \(row.pair) opened \(String(format: "%.6f", row.quantity)) @ \(row.entryPrice)")
            }
            if isNew { recordBook(at: t) }
        }
        // Closed trades written as closed never change again: later bars skip them.
        while settledTrades < trades.count, !trades[settledTrades].isOpen, written[trades[settledTrades].tradeID] == Self.ledgerKey(trades[settledTrades]) {
            settledTrades += 1
        }
        let metrics = [("bankroll", stack.equity), ("drawdown", stack.peakEquity > 0 ? 1 - stack.equity / stack.peakEquity : 0)]
        let time = UTCTime.iso(ms)
        writer.write("metrics") { try $0.appendMetrics(timestamp: time, metrics) }
    }

    /// What makes a trade's ledger row change: status, size, exit and stop.
    static func ledgerKey(_ t: Trade) -> String {
        "\(t.isOpen)|\(t.quantity)|\(t.exitPrice ?? 0)|\(t.stopLoss ?? 0)"
    }

    /// The pair's book as it was when the trade opened (the seed's `order_book_snapshots`, for
    /// ML training data), if a valid one is at hand.
    func recordBook(at t: Trade) {
        guard let l = feed?.bookLevels(t.pair) else { return }
        let bidVolume = l.bidSizes.reduce(0, +), askVolume = l.askSizes.reduce(0, +)
        let obi = bidVolume + askVolume > 0 ? (bidVolume - askVolume) / (bidVolume + askVolume) : 0
        let spread = (l.askPrices.first ?? 0) - (l.bidPrices.first ?? 0)
        let side: ([Double], [Double]) -> [[Double]] = { p, q in zip(p, q).map { [$0, $1] } }
        let json = (try? JSONSerialization.data(withJSONObject: ["bids": side(l.bidPrices, l.bidSizes), "asks": side(l.askPrices, l.askSizes)],
                                                options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let entry = JournalEntry.EntryBook(pair: t.pair.description, timestamp: UTCTime.iso(t.entryTimeMs), tradeID: tradeIDPrefix + t.tradeID,
                                           bidVolume: bidVolume, askVolume: askVolume, obi: obi, spread: spread, levels: json)
        // Journaled too (with the turn's inputs): a restart after a crash that lost this write
        // writes it again from there, with the book of the moment the trade opened.
        journal([.entryBook(entry)])
        writer.write("book snapshot") { try entry.write(to: $0) }
    }
}
