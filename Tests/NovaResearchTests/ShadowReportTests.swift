import Foundation
import NovaCore
import NovaSimulator
import NovaStorage
import NovaVenue
import Testing
@testable import NovaResearch

/// `novapulse live report`: the comparison of a shadow session's real and simulated fills,
/// on orders settled by the very `ShadowFills` the live runtime uses.
@Suite struct ShadowReportTests {
    let btc = Pair(base: "BTC", quote: "USD")
    let t0: Int64 = 1_700_000_000_000 / 60_000 * 60_000

    func bar(_ minute: Int64, open: Double, low: Double? = nil) -> Bar {
        Bar(timestampMs: t0 + minute * 60_000, open: open, high: open + 5, low: low ?? open - 5, close: open, volume: 100)
    }

    func fill(_ id: Int, price: Double, at: Int64, maker: Bool = false) -> VenueEvent {
        .filled(Fill(orderID: id, pair: btc, side: .buy, price: price, quantity: 0.5, fee: price * 0.5 * 0.004, feeRate: 0.004,
                     isMaker: maker, timestampMs: at, leavesQuantity: 0))
    }

    /// A market buy the simulator fills 5 USD better than the exchange without latency (15
    /// worse with), and a limit the exchange filled and the simulator never reached.
    func orders() -> [ShadowOrder] {
        var f = ShadowFills(profile: .kraken, settings: SimulatorSettings())
        f.bar(btc, bar(-1, open: 30_000))
        f.submit(OrderRequest(id: 1, pair: btc, side: .buy, kind: .market, quantity: .base(0.5), purpose: .entry, createdAtMs: t0,
                              clientOrderID: "np1-1"), decisionPrice: 30_000)
        f.submit(OrderRequest(id: 2, pair: btc, side: .buy, kind: .limit(price: 29_900), quantity: .base(0.5), purpose: .entry, createdAtMs: t0,
                              clientOrderID: "np1-2"), decisionPrice: 30_000)
        f.real(fill(1, price: 30_015, at: t0 + 400))
        f.real(fill(2, price: 29_900, at: t0 + 20_000, maker: true))
        f.bar(btc, bar(0, open: 30_010, low: 29_950))
        f.bar(btc, bar(1, open: 30_030, low: 29_950))
        f.bar(btc, bar(2, open: 30_030, low: 29_950))
        return f.takeSettled().sorted { $0.orderID < $1.orderID }
    }

    @Test func theReportMeasuresPricesTimesAndAgreementAndRanksTheSettings() throws {
        let o = orders()
        #expect(o.count == 2)
        let r = ShadowReport(orders: o, unsettled: 1)
        #expect(r.settled == 2 && r.unsettled == 1)
        #expect(r.real.filled == 2 && r.real.limits == 1 && r.real.limitsFilled == 1 && r.real.makerShare == 0.5)
        #expect(r.matches.count == 6 && r.matches[0].candidate == ShadowCandidate(latencyMs: 0, participation: 0))
        let p = r.matches[0]
        #expect(p.outcomes.filled == 1 && p.agreeing == 1 && p.agreement == 0.5)
        #expect(p.priceDiffBps.count == 1 && abs(p.priceDiffBps[0] - 5 / 30_015 * 10_000) < 1e-9)
        #expect(p.timeDiffMs == [400])
        let late = r.matches.first { $0.candidate == ShadowCandidate(latencyMs: 1_000, participation: 0) }!
        #expect(abs(late.priceDiffBps[0] + 15 / 30_015 * 10_000) < 1e-9 && late.timeDiffMs == [400 - 60_000])
        // Same agreement: the smaller price difference wins.
        #expect(r.ranking.first?.candidate.latencyMs == 0 && r.ranking.last?.candidate.latencyMs == 1_000)
        #expect(r.text.contains("orders filled               2 of 2            1 of 2"), "\(r.text)")
        #expect(r.text.contains("fill agreement (both filled or neither): 1 of 2 (50%)"))
        #expect(r.text.contains("1 not settled"))
        let best = r.json["best"] as? [String: Any]
        #expect(best?["latency_ms"] as? Int64 == 0)
        #expect(ShadowReport(orders: [], unsettled: 2).text.hasPrefix("no settled shadow orders yet (2 still working"))
    }

    @Test func percentilesInterpolate() {
        #expect(ShadowReport.percentile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(ShadowReport.percentile([4, 1, 3, 2], 0) == 1 && ShadowReport.percentile([4, 1, 3, 2], 1) == 4)
        #expect(ShadowReport.percentile([], 0.5) == nil)
    }

    @Test func ledgerRowsRoundTripAndABadDetailIsNamed() throws {
        let path = NSTemporaryDirectory() + "shadow-report-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = LiveLedger(store: try ResultsStore(path: path))
        let encoder = JSONEncoder()
        func row(_ o: ShadowOrder, settled: Bool = true, detail: String? = nil) throws -> LiveLedger.ShadowFillRow {
            let json = try detail ?? String(decoding: encoder.encode(o), as: UTF8.self)
            return .init(clientOrderID: o.clientOrderID, pair: o.pair.description, side: o.side.rawValue, kind: o.kind.name, purpose: o.purpose.rawValue,
                  decisionPrice: o.decisionPrice, decidedAt: UTCTime.iso(o.decidedAtMs), realState: o.real.state.rawValue,
                  realQuantity: o.real.filledQuantity, realAveragePrice: o.real.averagePrice, realFees: o.real.fees, realFirstFillAt: nil,
                  simState: o.primary.state.rawValue, simQuantity: o.primary.filledQuantity, simAveragePrice: o.primary.averagePrice,
                  simFees: o.primary.fees, simFirstFillAt: nil, settled: settled,
                  detail: json)
        }
        let o = orders()
        try ledger.upsertShadowFills([try row(o[0], settled: false), try row(o[1])])
        try ledger.upsertShadowFills([try row(o[0])])     // settled later: replaces its row
        let rows = try ledger.shadowFills()
        #expect(rows.count == 2 && rows.allSatisfy(\.settled))
        let r = try ShadowReport(rows: rows)
        #expect(r.settled == 2 && r.matches[0].priceDiffBps == ShadowReport(orders: o, unsettled: 0).matches[0].priceDiffBps)
        try ledger.upsertShadowFills([try row(o[1], detail: "{\"clientOrderID\": 3}")])
        #expect(throws: ShadowReport.BadRow.self) { try ShadowReport(rows: try ledger.shadowFills()) }
        do { _ = try ShadowReport(rows: try ledger.shadowFills()) } catch { #expect("\(error)".hasPrefix("shadow_fills row np1-2: its detail does not decode")) }
    }
}
