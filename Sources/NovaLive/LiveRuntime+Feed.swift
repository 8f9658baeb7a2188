import Foundation
import NovaCore
import NovaEngine
import NovaSignals
import NovaVenue

/// The market-data connection: what the feed asks for (send, close, reconnect, a closed bar,
/// a changed book, the exchange's status), the WebSocket's (re)connects, and the local
/// clock's offset from the exchange's.
extension LiveRuntime {
    func perform(_ actions: [FeedAction]) {
        for a in actions {
            switch a {
            case .send(let text):
                outbox?.yield(text)
            case .disconnect(let reason):
                let h = handle
                handle = nil
                outbox?.finish()
                outbox = nil
                generation += 1     // frames of the dead connection are ignored from here on
                Task { await h?.close() }
                if var f = feed { let more = f.closed(reason: reason, nowMs: wall.nowMs()); feed = f; perform(more) }
            case .reconnect(let ms):
                summary.reconnects += 1
                try? thought("system", "reconnecting in \(ms) ms", severity: "warning")
                connect(afterMs: ms)
            case .bar(let pair, let bar):
                onBar(pair, bar)
            case .book(let pair):
                summary.booksValidated += 1
                if let i = options.pairs.firstIndex(of: pair), let l = feed?.bookLevels(pair) {
                    let analysis = OrderBookAnalysis.analyze(bidPrices: l.bidPrices[...], bidSizes: l.bidSizes[...],
                                                             askPrices: l.askPrices[...], askSizes: l.askSizes[...])
                    // Journaled with the next bar, the only point the engine reads it at.
                    cursor.current[i] = analysis
                    stack?.book(i, analysis)
                }
            case .systemStatus(let s):
                if s != "online" {
                    exchangeBlock = "\(market.exchangeName) is in \(s)"
                    try? thought("system", "\(market.exchangeName) status \(s): entries paused", severity: "warning")
                } else {
                    exchangeBlock = nil
                }
                refreshEntryBlock()
            case .log(let level, let message):
                if level != "debug" {
                    options.output(message)
                    try? thought("system", message, severity: level == "error" ? "error" : "warning")
                }
                log.write(message, level: level, logger: "\(market.exchangeName.lowercased()).ws")
            }
        }
        if let f = feed {
            summary.resubscriptions = f.resubscriptions
            summary.checksumMismatches = f.checksumMismatches
        }
    }

    /// The offset of the local clock from Kraken's (`Time`, whole seconds: an offset within a
    /// second is not told from the reply's rounding, and is taken as none). Said when it is more.
    func measureClockOffset(reason: String) async {
        guard options.clock == nil || options.clock is WallClock else { return }     // a tape keeps its own time
        let before = wall.nowMs()
        guard let server = try? await market.serverTimeMs() else { return }
        let local = (before + wall.nowMs()) / 2
        let offset = server + 500 - local
        let taken: Int64 = abs(offset) > 1_500 ? Int64((Double(offset) / 1_000).rounded()) * 1_000 : 0
        guard taken != clockOffsetMs else { return }
        clockOffsetMs = taken
        feed?.clockOffsetMs = taken
        let line = taken == 0 ? "the local clock agrees with \(market.exchangeName)'s again (\(reason))"
            : "the local clock is \(abs(taken) / 1_000) s \(taken > 0 ? "behind" : "ahead of") \(market.exchangeName)'s (\(reason)): bars close on \(market.exchangeName)'s time"
        options.output(line)
        try? thought("system", line, severity: taken == 0 ? "info" : "warning")
    }

    func connect(afterMs ms: Int64) {
        generation += 1
        let g = generation
        let url = wsURL
        let connector = connector
        guard let cont = continuation else { return }
        Task {
            if ms > 0 { try? await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000) }
            let (events, eventsCont) = AsyncStream<WSEvent>.makeStream()
            do {
                let h = try await connector.connect(url: url, events: eventsCont)
                cont.yield(.connected(generation: g, h))
                for await e in events {
                    // Through the same relay as the frames: the end comes after the last one.
                    if case .ended = e { cont.yield(.stop("end of tape")); break }
                    cont.yield(.ws(generation: g, e))
                    if case .closed = e { break }
                }
            } catch {
                cont.yield(.connectFailed(generation: g, "\(error)"))
            }
        }
    }
}
