import Foundation
import NovaCore
import NovaVenue

/// One engine command for the exchange, with the price a buy in quote currency is sized at.
struct VenueCommandJob: Sendable {
    var command: VenueCommand
    var referencePrice: Double
}

/// `--mode live`: the engine's commands to the exchange's order adapter, and its answers back
/// into the engine. Each answer is journaled before the engine sees it (a restart replays it);
/// the orders it leads to (a stop for a filled entry) go out at once.
extension LiveRuntime {
    /// Opens the adapter's private channel and the task that sends commands, in order.
    func startOrders() async throws {
        guard options.mode.placesOrders, let orders, let cont = continuation else { return }
        // What the last session left working is known to the adapter before its channel opens
        // (the snapshot speaks of those orders), and looked up at the exchange before any
        // decision: the reconciliation's answers queue ahead of the first bar.
        await orders.resume(resumedOrders)
        resumedOrders = []
        try await orders.start { events in cont.yield(.orders(events)) }
        await orders.reconcile(reason: "start", balances: true)
        let (jobs, jobsCont) = AsyncStream<VenueCommandJob>.makeStream()
        orderJobs = jobsCont
        orderTask = Task { [weak self] in
            for await job in jobs {
                switch job.command {
                case .submit(let o): await orders.submit(o, referencePrice: job.referencePrice)
                case .cancel(let id, _): await orders.cancel(id)
                }
                await self?.orderSent()
            }
        }
        try thought("system", "live orders: the private channel listens (executions, balances)")
    }

    func orderSent() { ordersPending -= 1 }

    /// Hands the engine's new commands to the order task (paper has none).
    func dispatchOrders() {
        guard let stack, let jobs = orderJobs else { return }
        for c in stack.takeCommands() {
            var ref = 0.0
            if case .submit(let o) = c, let i = options.pairs.firstIndex(of: o.pair) { ref = lastBars[i]?.close ?? 0 }
            if case .submit(let o) = c, frameReceivedNs != 0, summary.submitFrames.count < 100_000 { summary.submitFrames[o.clientOrderID] = frameReceivedNs }
            ordersPending += 1
            shadowCommand(c, decisionPrice: ref)
            jobs.yield(VenueCommandJob(command: c, referencePrice: ref))
        }
    }

    /// What the exchange said: notes to the thought log (and the terminal unless routine), venue
    /// events journaled, then into the engine, then whatever the engine decided on them goes out.
    func received(_ events: [OrderAdapterEvent]) {
        var venue: [VenueEvent] = []
        for e in events {
            switch e {
            case .venue(let v): venue.append(v)
            case .note(let severity, let text):
                if severity != "info" { options.output(text) }
                try? thought("execution", text, severity: severity)
            case .halt(let reason):
                if ordersHalt == nil {
                    ordersHalt = reason
                    options.output(reason)
                    try? thought("execution", reason, severity: "error")
                    refreshEntryBlock()
                }
            case .reconciled(let at, let reason, let changes):
                lastReconciliation = (at, reason, changes)
                summary.reconciliations += 1
                summary.reconciliationChanges += changes.count
                try? thought("reconciliation", changes.isEmpty ? "reconciliation (\(reason)): the books agree with \(market.exchangeName)"
                             : "reconciliation (\(reason)): \(changes.count) change\(changes.count == 1 ? "" : "s")",
                             severity: changes.isEmpty ? "info" : "warning")
            }
        }
        guard let stack, !venue.isEmpty else { return }
        journal(venue.map(JournalEntry.venue))
        for v in venue { stack.venue(v) }
        shadowReal(venue)
        dispatchOrders()
        // Rows (and an entry's book snapshot) before the journal, as for bars: a journaled
        // fill always has its snapshot; an unjournaled one is found again by reconciliation.
        persist(stack, at: wall.nowMs())
        flushJournal()
    }

    /// At the stop: commands already handed over are sent (at most 10 s each wait), the
    /// answers already on their way are taken for a second (journaled and booked: a fill that
    /// came in while stopping is in this ledger, and the stop it calls for goes out), then the
    /// private channel closes. Resting orders (the stops) stay at the exchange: they protect the
    /// positions while nothing runs.
    func drainOrders(_ inputs: inout AsyncStream<LiveRuntime.Input>.Iterator) async {
        guard let task = orderTask, let cont = continuation else { return }
        await waitForOrdersSent()
        let sentinel = Task { try? await Task.sleep(nanoseconds: 1_000_000_000); cont.yield(.stop("answers taken")) }
        while let input = await inputs.next(isolation: self) {
            if case .stop = input { break }
            if case .orders(let events) = input { received(events) }
        }
        sentinel.cancel()
        await waitForOrdersSent()
        orderJobs?.finish()
        orderJobs = nil
        let timeout = Task { try? await Task.sleep(nanoseconds: 10_000_000_000); task.cancel() }
        await task.value
        timeout.cancel()
        orderTask = nil
        await orders?.stop()
    }

    private func waitForOrdersSent() async {
        let deadline = Date().addingTimeInterval(10)
        while ordersPending > 0, Date() < deadline { try? await Task.sleep(nanoseconds: 5_000_000) }
    }
}
