import Foundation
import NovaCore
import NovaEngine
import NovaStorage

/// What the runtime writes to the ledger as bars close: decisions, trades as they open,
/// change and close, the book at each entry, bankroll and drawdown.
extension LiveRuntime {
    /// New decisions and every trade that changed go to the ledger, each in its own transaction.
    func persist(_ stack: any LiveStack, at ms: Int64) {
        let signals = stack.signals
        if signals.count > signalsWritten {
            for s in signals[signalsWritten...] {
                summary.decisions += 1
                let line = "\(UTCTime.iso(s.timestampMs)) \(s.pair) \(s.action.rawValue) \(s.strategy) strength \(String(format: "%.2f", s.strength))"
                    + (s.actedUpon ? " -> order" : " refused: \(s.rejection ?? "")")
                options.output(line)
                try? ledger.appendSignal(timestamp: UTCTime.iso(s.timestampMs), pair: s.pair.description, strategy: s.strategy,
                                         direction: s.direction, strength: s.strength, confluenceCount: s.confluence?.confluenceCount ?? 1,
                                         confidence: s.confluence?.confidence, actedUpon: s.actedUpon,
                                         metadata: s.confluence?.json(compact: true))
            }
            signalsWritten = signals.count
        }
        for t in stack.trades {
            let row = LiveLedgerRows.row(t, mode: options.mode.rawValue, idPrefix: tradeIDPrefix)
            let key = "\(row.status)|\(row.quantity)|\(row.exitPrice ?? 0)|\(row.stopLoss ?? 0)"
            guard written[t.tradeID] != key else { continue }
            let isNew = written[t.tradeID] == nil
            written[t.tradeID] = key
            try? ledger.upsertTrade(row)
            if row.status == "closed" {
                summary.tradesClosed += 1
                options.output("\(row.exitTime ?? "") \(row.pair) closed \(t.exitReason ?? "") pnl \(String(format: "%.2f", row.pnl))")
            } else if isNew {
                options.output("\(row.entryTime) \(row.pair) opened \(String(format: "%.6f", row.quantity)) @ \(row.entryPrice)")
            }
            if isNew { recordBook(at: t) }
        }
        try? ledger.appendMetrics(timestamp: UTCTime.iso(ms), [("bankroll", stack.equity),
                                                               ("drawdown", stack.peakEquity > 0 ? 1 - stack.equity / stack.peakEquity : 0)])
    }

    /// The pair's book as it was when the trade opened (the seed's `order_book_snapshots`, for
    /// ML training data), if a valid one is at hand.
    func recordBook(at t: Trade) {
        guard let book = feed?.book(t.pair), !book.isEmpty else { return }
        let l = book.levels()
        let bidVolume = l.bidSizes.reduce(0, +), askVolume = l.askSizes.reduce(0, +)
        let obi = bidVolume + askVolume > 0 ? (bidVolume - askVolume) / (bidVolume + askVolume) : 0
        let spread = (l.askPrices.first ?? 0) - (l.bidPrices.first ?? 0)
        let side: ([Double], [Double]) -> [[Double]] = { p, q in zip(p, q).map { [$0, $1] } }
        let json = (try? JSONSerialization.data(withJSONObject: ["bids": side(l.bidPrices, l.bidSizes), "asks": side(l.askPrices, l.askSizes)],
                                                options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try? ledger.insertBookSnapshot(pair: t.pair.description, timestamp: UTCTime.iso(t.entryTimeMs), bidVolume: bidVolume, askVolume: askVolume,
                                       obi: obi, spread: spread, snapshotJSON: json, tradeID: tradeIDPrefix + t.tradeID)
    }
}
