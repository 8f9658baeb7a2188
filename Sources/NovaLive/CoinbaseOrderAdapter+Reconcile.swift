import Foundation
import NovaCoinbase
import NovaCore
import NovaVenue

/// Reconciliation with Coinbase: at start, after every reconnect of the user channel, after a
/// break of its sequence numbers, and on timers.
///
/// 1. Orders whose create got no definite answer (or that an earlier process sent) are looked
///    up by `client_order_id` among the orders listed since they were sent. Found: settled
///    from its state. Listed nowhere `settleGraceMs` after it was sent: it never reached
///    Coinbase (order creation is synchronous there), and only then is it called rejected.
/// 2. Every working order is asked for its cumulative state (`GET /orders/historical/{id}`):
///    missed fills and ends become `orderStatus` reports, from which the executor derives them.
/// 3. Open orders with our client-id prefix that no order of the books explains are cancelled,
///    or left working and reported (`live.unknown_orders`); others' orders are left alone.
/// 4. Balances (with `balances`): Coinbase's available balance already excludes the holds.
extension CoinbaseOrderAdapter {
    public func resume(_ orders: [ResumedOrder]) async {
        for o in orders {
            tracker.resume(o.request, filled: o.filledQuantity, value: o.filledNotional, fee: o.fees)
            ClientOrderIDs.noteResumed(o.request.clientOrderID, in: &resumedPositions)
        }
        if !orders.isEmpty {
            note("info", "\(orders.count) order\(orders.count == 1 ? "" : "s") the last session left working: looked up at Coinbase by client_order_id "
                 + orders.map(\.request.clientOrderID).joined(separator: ", "))
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
            // 1. Orders Coinbase has not confirmed: by client_order_id among recent orders.
            let unconfirmed = tracker.open.filter { $0.exchangeID == nil }
            if let oldest = unconfirmed.map(\.sentAtMs).min() {
                let listed = try await rest.orders(startMs: oldest - 60_000)
                let byClient = Dictionary(listed.compactMap { o in o.clientOrderID.map { ($0, o) } }, uniquingKeysWith: { a, _ in a })
                for o in unconfirmed {
                    if let info = byClient[o.clientOrderID] {
                        venue(tracker.status(info, for: o.request.id, nowMs: now),
                              "\(o.clientOrderID) found at Coinbase as \(info.orderID) (\(info.status), \(info.filledSize?.value ?? 0) filled)")
                    } else if now > o.sentAtMs + settings.settleGraceMs {
                        venue(tracker.refused(o.request.id, CoinbaseError(kind: .transport, message: "never reached Coinbase: listed nowhere "
                                                                         + "\(settings.settleGraceMs / 1000) s after it was sent"), atMs: now),
                              "\(o.clientOrderID) listed nowhere \(settings.settleGraceMs / 1000) s after it was sent: never traded, called rejected")
                    }
                }
            }
            // 2. Every working order's cumulative state.
            for o in tracker.open {
                guard let exchangeID = o.exchangeID else { continue }
                guard let info = try await rest.order(exchangeID) else { continue }
                let before = o.cumQty
                let e = tracker.status(info, for: o.request.id, nowMs: now)
                if e.contains(where: { if case .orderStatus = $0 { return true }; return false }) {
                    venue(e, "\(o.clientOrderID) at Coinbase: \(info.status), \(info.filledSize?.value ?? 0) filled (the books had \(before))")
                } else {
                    events += e.map(OrderAdapterEvent.venue)
                }
            }
            // 3. Open orders no order of the books explains.
            let open = try await rest.orders(statuses: ["OPEN"])
            for o in open where tracker.id(exchangeID: o.orderID) == nil && o.clientOrderID.flatMap({ tracker.id(clientOrderID: $0) }) == nil {
                guard reportedForeign.insert(o.orderID).inserted else { continue }
                let client = o.clientOrderID ?? ""
                let what = "\(o.orderID) (\(client.isEmpty ? "no client_order_id" : client), \(o.side) \(o.productID))"
                guard client.hasPrefix(settings.clientPrefix) else {
                    events.append(.note(severity: "info", text: "open order \(what) is not NovaPulse's: left alone"))
                    continue
                }
                if settings.adoptUnknown {
                    changes.append("open order \(what) carries our prefix but no order of the books: left working, not managed (live.unknown_orders: adopt)")
                } else {
                    do {
                        _ = try await rest.cancelOrders([o.orderID])
                        changes.append("open order \(what) carries our prefix but no order of the books: cancelled (live.unknown_orders: cancel)")
                    } catch {
                        reportedForeign.remove(o.orderID)
                        changes.append("open order \(what) is not ours to keep, and cancelling it failed (\(error.message)): tried again next time")
                    }
                }
            }
            // 4. Balances.
            if withBalances {
                for (asset, available) in try await rest.accounts().sorted(by: { $0.key < $1.key }) {
                    events.append(.venue(.balance(asset: asset, available: available, atMs: now)))
                }
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
