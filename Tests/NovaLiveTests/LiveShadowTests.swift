import Foundation
import NovaConfig
import NovaCore
import NovaFakeKraken
import NovaResearch
import NovaSimulator
import NovaStorage
import NovaTestSupport
import Testing
@testable import NovaLive

/// `--mode shadow` against the fake Kraken made to fill differently from the simulator: its
/// market orders sweep a book whose first level is 50 USD from the last print (the simulator
/// fills them at the next bar's open), its stops fill at the print that triggers them (the
/// simulator at the trigger). The ledger must hold each real order beside its simulated twin,
/// the exchange's side equal to the fake's own trades, and the report must measure the
/// difference the fake was given.
@Suite struct LiveShadowTests {
    @Test func shadowStoresRealAndSimulatedFillsSideBySideAndMeasuresTheirDifference() async throws {
        let step = 50.0
        // 120 ms a bar: the session's orders reach the fake before its next bar prints.
        let fake = try LiveOrderTests.fake(stream: 200) { s in
            s.account.levelStep = Decimal(step)
            s.barIntervalMs = 120
        }
        defer { fake.stop() }
        let config = try LiveOrderTests.config()
        let stream = Dictionary(uniqueKeysWithValues: fake.script.stream.map { ($0.timestampMs, $0) })
        let r = try await LiveOrderTests.session(fake, database: Fixtures.scratch("live-shadow") + "/shadow.db",
                                                 config: config, bars: 199, seconds: 90, mode: .shadow)
        // Real orders, as in live mode: the ledger equals the account.
        try LiveOrderTests.expectLedgerEqualsAccount(r.ledger, r.fake)
        let rows = try r.ledger.shadowFills()
        let settled = rows.filter(\.settled)
        #expect(r.summary.shadowSettled == settled.count && r.summary.shadowUnsettled == rows.count - settled.count)
        let shadow = r.status["shadow"] as? [String: Any]
        #expect(r.status["mode"] as? String == "shadow" && shadow?["compared"] as? Int == settled.count, "\(r.status)")
        #expect((shadow?["simulators"] as? [String])?.first == "latency_ms=0 participation=0.1")
        #expect(settled.count >= 6, "\(rows.count) rows")
        // Every order the fake received has a row.
        #expect(Set(fake.orders.map(\.clientOrderID)) == Set(rows.map(\.clientOrderID)))
        let decoder = JSONDecoder()
        var marketBuys: [ShadowOrder] = []
        var barMove: [String: Double] = [:]
        for row in settled {
            let o = try decoder.decode(ShadowOrder.self, from: Data(row.detail.utf8))
            // The exchange's side is the fake's own trades of that order.
            let trades = fake.trades.filter { t in fake.orders.first { $0.txid == t.orderTxid }?.clientOrderID == row.clientOrderID }
            let qty = trades.reduce(0.0) { $0 + NSDecimalNumber(decimal: $1.volume).doubleValue }
            let cost = trades.reduce(0.0) { $0 + NSDecimalNumber(decimal: $1.cost).doubleValue }
            #expect(abs(o.real.filledQuantity - qty) < 1e-9, "\(row.clientOrderID): real \(o.real.filledQuantity) vs fake \(qty)")
            if qty > 0 { #expect(abs(o.real.averagePrice! - cost / qty) < 0.01, "\(row.clientOrderID)") }
            #expect(o.candidates.count == 6 && o.candidates[0] == ShadowCandidate(latencyMs: 0, participation: config.simulator.participation))
            // The configured simulator (no latency) fills a market order at the open of the
            // bar after the decision.
            if case .market = o.kind, o.side == .buy, o.real.didFill, let next = stream[o.decidedAtMs] {
                #expect(o.primary.averagePrice == next.open, "\(row.clientOrderID): simulated \(o.primary.averagePrice ?? .nan) vs open \(next.open)")
                marketBuys.append(o)
                barMove[o.clientOrderID] = next.close - next.open
            }
        }
        #expect(marketBuys.count >= 2)
        // The session learns that a bar closed when the next one arrives: by then the fake has
        // printed that next bar, and its market buys pay 50 over its close. What the report
        // measures, less that bar's move, is the 50 the fake was given.
        let report = try ShadowReport(rows: rows)
        #expect(report.settled == settled.count && report.matches.count == 6)
        let buys = ShadowReport(orders: marketBuys, unsettled: 0).matches[0]
        #expect(buys.priceDiffBps.count == marketBuys.count)
        let offsets = zip(marketBuys, buys.priceDiffBps).map { o, bps in bps / 10_000 * o.real.averagePrice! - barMove[o.clientOrderID]! }
        let atStep = offsets.filter { abs($0 - step) < 0.01 }
        #expect(atStep.count * 2 > offsets.count, "measured offsets \(offsets) vs the fake's \(step)")
        // An order that reached the fake some bars late (two cores, the whole suite at once: a
        // CI run saw more than three bars late, the session starved for 100 s) paid 50 over that
        // later bar's close: every fill is explained by the fake's rule.
        for o in marketBuys {
            let closes = (0..<20).compactMap { stream[o.decidedAtMs + Int64($0) * 60_000]?.close }
            #expect(closes.contains { abs(o.real.averagePrice! - ($0 + step)) < 0.01 }, "\(o.clientOrderID): \(o.real.averagePrice!) vs closes \(closes)")
        }
        #expect(report.matches[0].priceDiffBps.count >= marketBuys.count)
        #expect(report.text.contains("settings nearest the exchange"))
    }

    /// The same on Coinbase: market buys by quote size, stop-limits, IOC take-profits; every
    /// order the fake received has its row, the exchange's side as the fake's account says.
    @Test func shadowOnCoinbaseComparesEveryOrderTheAccountReceived() async throws {
        let fake = try LiveCoinbaseOrderTests.fake(stream: 240)
        defer { fake.stop() }
        let r = try await LiveCoinbaseOrderTests.session(fake, config: try LiveCoinbaseOrderTests.config(), bars: 239, mode: .shadow)
        try LiveCoinbaseOrderTests.expectLedgerEqualsAccount(r.ledger, fake)
        let rows = try r.ledger.shadowFills()
        let states = fake.orderStates
        #expect(!states.isEmpty && Set(states.map(\.client)) == Set(rows.map(\.clientOrderID)))
        for s in states {
            let row = rows.first { $0.clientOrderID == s.client }
            #expect(row.map { abs($0.realQuantity - s.filled) < 1e-9 } == true, "\(s.client): \(row?.realQuantity ?? -1) vs \(s.filled)")
            #expect(row.map { abs($0.realFees - s.fees) < 1e-6 } == true, "\(s.client)")
        }
        let report = try ShadowReport(rows: rows)
        #expect(report.settled >= 3 && report.matches[0].outcomes.filled >= 2, "\(report.text)")
    }
}
