import Foundation
import NovaCore
import NovaKraken
import NovaVenue

/// Reconciliation with Kraken (LIVE-NOTES: "reconcile by mass status, then keep checking"):
/// at start before any decision, after every reconnect of the private channel, and on timers.
///
/// 1. Orders whose AddOrder got no definite answer (or that an earlier process sent) are
///    looked up by `cl_ord_id` in open and closed orders (Kraken keeps it unique among open
///    ones only). Found: settled from its state. Listed nowhere once its `deadline` has passed:
///    it provably never traded, and only then is it called rejected.
/// 2. Fills since the oldest unsettled order (TradesHistory, every page) show which orders
///    traded more than the books know; those, and every working order, are asked for their
///    cumulative state (QueryOrders, 50 a call): missed fills become `orderStatus` reports,
///    from which the executor derives them.
/// 3. Open orders with our client-id prefix that no order of the books explains are cancelled,
///    or left working and reported (`live.unknown_orders`); others' orders are left alone.
/// 4. Balances (with `balances`), free of what our open orders hold.
extension KrakenOrderAdapter {
    public func resume(_ orders: [ResumedOrder]) async {
        for o in orders {
            tracker.resume(o.request, filled: o.filledQuantity, cost: o.filledNotional, fee: o.fees)
            ClientOrderIDs.noteResumed(o.request.clientOrderID, in: &resumedPositions)
            tradesSinceS = min(tradesSinceS, o.request.createdAtMs / 1000 - 60)
        }
        if !orders.isEmpty {
            note("info", "\(orders.count) order\(orders.count == 1 ? "" : "s") the last session left working: looked up at Kraken by cl_ord_id "
                 + orders.map { KrakenOrderParams.wireClientID($0.request.clientOrderID) }.joined(separator: ", "))
        }
    }

    public func reconcile(reason: String, balances withBalances: Bool) async {
        // One at a time; one asked for meanwhile (a reconnect during a timer's) runs right after.
        guard !stopped, reconcileQueue.begin(reason, balances: withBalances) else { return }
        var job: (reason: String, balances: Bool)? = (reason, withBalances)
        while let j = job {
            if !stopped { await reconcileOnce(reason: j.reason, balances: j.balances) }
            job = reconcileQueue.next()
        }
    }

    private func reconcileOnce(reason: String, balances withBalances: Bool) async {
        reconciliations += 1
        let now = clock.nowMs()
        var events: [OrderAdapterEvent] = []
        var changes: [String] = []
        func venue(_ e: [VenueEvent], _ why: String) {
            guard !e.isEmpty else { return }
            events += e.map(OrderAdapterEvent.venue)
            changes.append(why)
        }
        do {
            // 1. Orders with no txid yet: by cl_ord_id.
            let open = try await rest.openOrders()
            let openByWire = Dictionary(open.map { ($0.clientOrderID, $0) }, uniquingKeysWith: { a, _ in a })
            for o in tracker.open where o.txid == nil {
                var info = openByWire[o.wireID]
                if info == nil {
                    info = try await rest.closedOrders(startSeconds: o.sentAtMs / 1000 - 60, clientOrderID: o.wireID)
                        .max { $0.openedAtMs < $1.openedAtMs }
                }
                if let info {
                    venue(tracker.status(info, for: o.request.id, nowMs: now), "\(o.wireID) found at Kraken as \(info.txid) (\(info.status), "
                          + "\(info.executedVolume) filled)")
                } else if now > o.sentAtMs + settings.deadlineMs + settings.settleGraceMs {
                    venue(tracker.refused(o.request.id, reason: .unavailable,
                                          message: "never reached Kraken's book: listed neither open nor closed after its deadline", atMs: now),
                          "\(o.wireID) listed nowhere after its deadline: never traded, called rejected")
                }
            }
            // 2. Fills the books lack: TradesHistory shows which orders traded more; those and
            // every working order are asked for their cumulative state.
            let trades = try await rest.tradesHistory(startSeconds: tradesSinceS)
            var traded: [String: Double] = [:]
            for t in trades { traded[t.orderTxid, default: 0] += t.volume }
            var ask = Set(tracker.open.compactMap(\.txid))
            for (txid, volume) in traded {
                if let o = tracker.order(txid: txid), volume - o.cumQty > 1e-9 * max(1, o.volume) { ask.insert(txid) }
            }
            if !ask.isEmpty {
                for info in try await rest.queryOrders(ask.sorted()) {
                    guard let id = tracker.id(txid: info.txid) else { continue }
                    let before = tracker.orders[id]
                    let e = tracker.status(info, for: id, nowMs: now)
                    if e.contains(where: { if case .orderStatus = $0 { return true }; return false }) {
                        venue(e, "\(before?.wireID ?? info.txid) at Kraken: \(info.status), \(info.executedVolume) filled (the books had \(before?.cumQty ?? 0))")
                    } else {
                        events += e.map(OrderAdapterEvent.venue)
                    }
                }
            }
            // TradesHistory from the oldest order still working (less a minute) next time.
            let oldest = tracker.open.map(\.sentAtMs).min() ?? now
            tradesSinceS = max(tradesSinceS, min(oldest, now) / 1000 - 60)
            // 3. Orders of ours no order of the books explains.
            for o in open where tracker.id(txid: o.txid) == nil && tracker.id(wireID: o.clientOrderID) == nil {
                guard reportedForeign.insert(o.txid).inserted else { continue }
                let what = "\(o.txid) (\(o.clientOrderID.isEmpty ? "no cl_ord_id" : o.clientOrderID), \(o.side) \(o.volume) \(o.pair) \(o.orderType))"
                guard o.clientOrderID.hasPrefix(settings.clientPrefix) else {
                    events.append(.note(severity: "info", text: "open order \(what) is not NovaPulse's: left alone"))
                    continue
                }
                if settings.adoptUnknown {
                    changes.append("open order \(what) carries our prefix but no order of the books: left working, not managed (live.unknown_orders: adopt)")
                } else {
                    do {
                        _ = try await rest.cancelOrder(o.txid)
                        changes.append("open order \(what) carries our prefix but no order of the books: cancelled (live.unknown_orders: cancel)")
                    } catch {
                        reportedForeign.remove(o.txid)
                        changes.append("open order \(what) is not ours to keep, and cancelling it failed (\(error.message)): tried again next time")
                    }
                }
            }
            // 4. Balances, free of what our open orders hold.
            if withBalances {
                events += tracker.balanceEvents(try await rest.balance(), atMs: now).map(OrderAdapterEvent.venue)
            }
        } catch {
            events.append(.note(severity: "warning", text: "reconciliation (\(reason)) stopped: \(error.message); tried again at the next one"))
            changes.append("incomplete: \(error.message)")
        }
        for c in changes where !c.isEmpty { events.append(.note(severity: "warning", text: "reconciliation (\(reason)): \(c)")) }
        events.append(.reconciled(atMs: now, reason: reason, changes: changes.filter { !$0.isEmpty }))
        emit?(events)
    }
}
