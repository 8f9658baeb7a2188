import Foundation
import NovaConfig
import NovaCore
import NovaEngine
import NovaMarketData
import NovaSignals
import NovaSimulator
import NovaTestSupport
import NovaVenue
import Testing
@testable import NovaLive

/// A checkpoint is the state, not an approximation of it: a stack restored from one at any
/// bar and given the rest of the inputs ends byte for byte where a stack given every input
/// from the start ends (its whole state: strategies and indicators, risk, executor, orders,
/// trades, equity, the venue).
@Suite struct CheckpointTests {
    static let cuts = [1, 100, 433, 777, 1_200, 1_439]

    static func config(_ strategy: String) throws -> NovaPulseConfig {
        var c = try ConfigLoader.load(path: nil, params: [], strategy: strategy)
        c.backtest.strategy = strategy
        c.strategies.smaCross.fast = 5
        c.strategies.smaCross.slow = 20
        // Off their defaults: fields the YAML form leaves to other sections come back too.
        c.risk.riskPerTrade = 0.012
        c.risk.maxPositionPct = 0.3
        c.risk.maxConcurrentPositions = 4
        c.confluence.minRiskReward = 1.4
        return c
    }

    static func params(_ c: NovaPulseConfig) -> StrategyParams {
        StrategyParams(keltner: c.strategies.keltner, smaCross: c.strategies.smaCross, confluence: c.confluenceStrategy)
    }

    /// Paper: the simulated venue fills from the bars, inside the stack.
    @Test(arguments: ["confluence", "sma_cross"])
    func aPaperStackRestoredAtAnyBarEndsAsTheUninterruptedOne(strategy: String) throws {
        let bars = try Fixtures.realDay()
        let c = try Self.config(strategy)
        let visitor = PaperStackVisitor(config: c, pairs: [Fixtures.btcusd])
        func feed(_ s: any LiveStack, _ range: Range<Int>) {
            for k in range {
                let b = bars.bar(at: k)
                s.bar(0, b)
                s.recordEquity(atMs: b.timestampMs)
            }
        }
        let whole = try StrategyCatalog.visit(strategy, params: Self.params(c), visitor)
        feed(whole, 0..<bars.count)
        let expected = try whole.checkpoint()
        #expect(whole.trades.count >= 4, "a day that trades: \(whole.trades.count)")
        for cut in Self.cuts {
            let before = try StrategyCatalog.visit(strategy, params: Self.params(c), visitor)
            feed(before, 0..<cut)
            let saved = try before.checkpoint()
            let after = try StrategyCatalog.visit(strategy, params: Self.params(c), visitor)
            try after.restore(saved)
            #expect(Self.text(after) == Self.text(before), "cut \(cut): \(Self.firstDifference(Data(Self.text(after).utf8), Data(Self.text(before).utf8)))")
            feed(after, cut..<bars.count)
            #expect(after.trades == whole.trades, "cut \(cut)")
            #expect(after.equity == whole.equity && after.signals.count == whole.signals.count, "cut \(cut)")
            let got = try after.checkpoint()
            #expect(got == expected, "cut \(cut): \(Self.firstDifference(got, expected))")
        }
    }

    /// Live: the exchange answers later (here a simulated venue outside the stack, one bar
    /// behind), its answers come in as venue events; orders in flight at the cut are in the
    /// checkpoint and their answers, arriving after the restore, are booked as they would be.
    @Test func anExchangeStackRestoredWithOrdersInFlightEndsAsTheUninterruptedOne() throws {
        let bars = try Fixtures.realDay()
        var c = try Self.config("keltner_channel")
        c.executor.limitChaseAttempts = 0
        c.strategies.keltner.slFloorPct = 0.002     // tight stops and targets: a day of trades
        c.strategies.keltner.tpFloorPct = 0.004
        let visitor = ExchangeStackVisitor(config: c, pairs: [Fixtures.btcusd], runTag: "np1")
        let pair = Fixtures.btcusd
        func exchange() -> SimulatedVenue {
            SimulatedVenue(profile: c.venueProfile, initialCash: c.backtest.initialCash, settings: c.simulatorSettings)
        }
        /// Each bar: the exchange sees it (fills the orders resting), answers; then the stack
        /// decides on it; its commands reach the exchange, whose immediate answers come back.
        /// Commands and answers go back and forth until the stack has nothing more to send:
        /// a few rounds (an entry's fill, its stop); more than 32 is a defect, not a wait.
        func answer(_ s: any LiveStack, _ x: inout SimulatedVenue, _ first: [VenueEvent]) {
            var events = first
            for _ in 0..<32 {
                for e in events { s.venue(e) }
                let commands = s.takeCommands()
                if commands.isEmpty { return }
                events = []
                for command in commands { x.execute(command, events: &events) }
            }
            Issue.record("the stack and the exchange were still exchanging orders after 32 rounds")
        }
        func feed(_ s: any LiveStack, _ x: inout SimulatedVenue, _ range: Range<Int>) {
            for k in range {
                let b = bars.bar(at: k)
                var events: [VenueEvent] = []
                x.replay(pair, b, events: &events)
                answer(s, &x, events)
                s.bar(0, b)
                s.recordEquity(atMs: b.timestampMs)
                answer(s, &x, [])
            }
        }
        let whole = try StrategyCatalog.visit("keltner_channel", params: Self.params(c), visitor)
        var x = exchange()
        feed(whole, &x, 0..<bars.count)
        let expected = try whole.checkpoint()
        #expect(whole.trades.count >= 4, "a day that trades: \(whole.trades.count) \(whole.signals.suffix(3)) \((whole as! ExchangeStack<KeltnerStrategy>).session.notes.prefix(5))")
        // Cuts while positions are open too: their stops rest at the exchange.
        let opens = whole.trades.prefix(3).compactMap { t in (0..<bars.count).first { bars.bar(at: $0).timestampMs > t.entryTimeMs } }
        var workingAtCut = 0
        for cut in Self.cuts + opens.map { $0 + 2 } {
            let before = try StrategyCatalog.visit("keltner_channel", params: Self.params(c), visitor)
            var xb = exchange()
            feed(before, &xb, 0..<cut)
            workingAtCut += before.liveOrders.count
            let after = try StrategyCatalog.visit("keltner_channel", params: Self.params(c), visitor)
            try after.restore(try before.checkpoint())
            #expect(Self.text(after) == Self.text(before), "cut \(cut): \(Self.firstDifference(Data(Self.text(after).utf8), Data(Self.text(before).utf8)))")
            #expect(after.liveOrders.map(\.request.clientOrderID) == before.liveOrders.map(\.request.clientOrderID))
            feed(after, &xb, cut..<bars.count)
            #expect(after.trades == whole.trades, "cut \(cut)")
            let got = try after.checkpoint()
            #expect(got == expected, "cut \(cut): \(Self.firstDifference(got, expected))")
        }
        #expect(workingAtCut > 0, "some cut falls while an order (a stop) works at the exchange")
    }

    /// A checkpoint of another version's state is refused without touching the stack.
    @Test func anUnreadableCheckpointChangesNothing() throws {
        let c = try Self.config("sma_cross")
        let visitor = PaperStackVisitor(config: c, pairs: [Fixtures.btcusd])
        let stack = try StrategyCatalog.visit("sma_cross", params: Self.params(c), visitor)
        let bars = try Fixtures.realDay()
        for k in 0..<300 { stack.bar(0, bars.bar(at: k)) }
        let state = try stack.checkpoint()
        var text = String(decoding: state, as: UTF8.self)
        text = text.replacingOccurrences(of: "\"engine\":{", with: "\"engine\":{\"x\":1,\"executor\":0,")
        let fresh = try StrategyCatalog.visit("sma_cross", params: Self.params(c), visitor)
        let untouched = try fresh.checkpoint()
        #expect(throws: DecodingError.self) { try fresh.restore(Data(text.utf8)) }
        #expect(try fresh.checkpoint() == untouched)
    }

    /// Every reason a rule can give decodes: the table the decoder looks reasons up in holds
    /// every literal the rules' sources pass to `StrategySignal`.
    @Test func everyRuleReasonIsInTheDecodingTable() throws {
        let dir = Fixtures.packageRoot.appendingPathComponent("Sources/NovaSignals/SignalStrategies")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }
        let known = Set(StrategySignal.knownReasons.map(\.description))
        var found = 0
        for f in files where f != "StrategySignal.swift" {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("StrategySignal(") {
                for literal in line.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter({ $0.offset % 2 == 1 }) {
                    found += 1
                    #expect(known.contains(String(literal.element)), "\(f): \"\(literal.element)\" is not in StrategySignal.knownReasons")
                }
            }
        }
        #expect(found >= 20)
    }

    /// Every stored field of the stack's state, private ones included (reflection), with
    /// dictionaries in key order: equal text, equal values.
    static func text(_ s: any LiveStack) -> String {
        var out = ""
        func walk(_ v: Any, _ indent: String) {
            let m = Mirror(reflecting: v)
            switch m.displayStyle {
            case .dictionary:
                var entries: [(String, Any)] = []
                for c in m.children {
                    let pair = Array(Mirror(reflecting: c.value).children)
                    entries.append(("\(pair[0].value)", pair[1].value))
                }
                for (k, value) in entries.sorted(by: { $0.0 < $1.0 }) { out += "\(indent)[\(k)]\n"; walk(value, indent + "  ") }
            case .struct, .class, .enum, .tuple, .collection, .optional:
                if m.children.isEmpty { out += "\(indent)\(v)\n"; return }
                for c in m.children { out += "\(indent)\(c.label ?? "-"):\n"; walk(c.value, indent + "  ") }
            default:
                out += "\(indent)\(v)\n"
            }
        }
        for v in s.stateValues { walk(v, "") }
        return out
    }

    static func firstDifference(_ a: Data, _ b: Data) -> String {
        let x = [UInt8](a), y = [UInt8](b)
        guard let i = zip(x, y).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
            return x.count == y.count ? "equal" : "lengths \(x.count) and \(y.count)"
        }
        let lo = max(0, i - 300)
        func text(_ z: [UInt8]) -> String { String(decoding: z[lo..<min(z.count, i + 100)], as: UTF8.self).replacingOccurrences(of: "\n", with: " | ") }
        return "at byte \(i): …\(text(x)) vs …\(text(y))"
    }
}
