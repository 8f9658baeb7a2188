import Foundation
import NovaCore
import NovaSimulator
import NovaStorage
import NovaVenue

/// `--mode shadow`: the live session's orders, real, and each also given to the simulated
/// venues (`ShadowFills`) that see the same live bars. The comparisons go to `shadow_fills`
/// as they settle (through the ledger writer, in order with the rest), the open ones at the stop.
extension LiveRuntime {
    /// A live bar closed: the simulated venues match it before the engine decides on it (an
    /// order decided at this close meets the next bar, as in the backtest).
    func shadowBar(_ pair: Pair, _ bar: Bar) {
        guard shadow != nil else { return }
        shadow!.bar(pair, bar)
        writeShadow()
    }

    /// The engine's command, as it goes to the exchange.
    func shadowCommand(_ c: VenueCommand, decisionPrice: Double) {
        guard shadow != nil else { return }
        shadow!.command(c, decisionPrice: decisionPrice)
    }

    /// What the exchange said about an order.
    func shadowReal(_ events: [VenueEvent]) {
        guard shadow != nil else { return }
        for e in events { shadow!.real(e) }
        writeShadow()
    }

    /// Writes the comparisons that settled since the last call; at the stop (`all`) the ones
    /// still open too, marked unsettled (a resting stop's real outcome comes after this
    /// session; the next session does not pick the comparison up).
    func writeShadow(all: Bool = false) {
        guard shadow != nil else { return }
        var orders = shadow!.takeSettled()
        summary.shadowSettled += orders.count
        if all {
            let open = shadow!.pending
            summary.shadowUnsettled = open.count
            orders += open
        }
        guard !orders.isEmpty else { return }
        let rows = orders.compactMap(ShadowRows.row)
        writer.write("shadow fills") { try $0.upsertShadowFills(rows) }
    }
}

/// `ShadowOrder` as a `shadow_fills` row: the exchange's and the configured simulator's
/// outcome in columns, the whole comparison as JSON in `detail`.
enum ShadowRows {
    static func row(_ o: ShadowOrder) -> LiveLedger.ShadowFillRow? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(o), let detail = String(data: data, encoding: .utf8) else { return nil }
        let sim = o.primary
        return .init(clientOrderID: o.clientOrderID.isEmpty ? "order-\(o.orderID)" : o.clientOrderID, pair: o.pair.description,
                     side: o.side.rawValue, kind: o.kind.name, purpose: o.purpose.rawValue, decisionPrice: o.decisionPrice,
                     decidedAt: UTCTime.iso(o.decidedAtMs), realState: o.real.state.rawValue, realQuantity: o.real.filledQuantity,
                     realAveragePrice: o.real.averagePrice, realFees: o.real.fees, realFirstFillAt: o.real.firstFillMs.map(UTCTime.iso),
                     simState: sim.state.rawValue, simQuantity: sim.filledQuantity, simAveragePrice: sim.averagePrice, simFees: sim.fees,
                     simFirstFillAt: sim.firstFillMs.map(UTCTime.iso), settled: o.settled, detail: detail)
    }
}
