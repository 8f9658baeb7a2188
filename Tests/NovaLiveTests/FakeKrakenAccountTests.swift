import Foundation
import NIOPosix
import NovaCore
import NovaFakeKraken
import NovaKraken
import Testing
@testable import NovaLive

/// The fake Kraken's account side checked against exchange-crib.md (Kraken's documentation),
/// not against our client: raw signed calls, raw WebSocket frames.
@Suite struct FakeKrakenAccountTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// Kraken's published signing example (crib §1.2).
    static let cribSecret = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="

    /// A fake whose last print is 40000 (its book: asks 40000.5, 40001.0, ...; bids 39999.5, ...).
    static func fake(_ configure: (inout FakeAccountScript) -> Void = { _ in }) throws -> FakeKraken {
        var script = FakeKraken.Script()
        script.history = [Bar(timestampMs: 0, open: 40_000, high: 40_000, low: 40_000, close: 40_000, volume: 1)]
        script.account.apiKey = "fake-key"
        script.account.apiSecret = cribSecret
        configure(&script.account)
        let f = FakeKraken(script: script)
        try f.start()
        return f
    }

    /// Signed private calls as any Kraken client makes them.
    final class Caller: @unchecked Sendable {
        let fake: FakeKraken
        let http = HTTPClientTransport(group: FakeKrakenAccountTests.group, timeoutSeconds: 5)
        let signer = try! KrakenSigner(secretBase64: FakeKrakenAccountTests.cribSecret)
        private let lock = NSLock()
        private var nonce: UInt64 = 1_000
        init(_ fake: FakeKraken) { self.fake = fake }

        func raw(_ method: String, body: String, sign: String? = nil, key: String = "fake-key") async throws -> (Int, String) {
            let path = "/0/private/\(method)"
            let n = UInt64(body.split(separator: "&").first { $0.hasPrefix("nonce=") }.map { String($0.dropFirst(6)) } ?? "") ?? 0
            lock.withLock { nonce = max(nonce, n) }
            let headers = [("API-Key", key), ("API-Sign", sign ?? signer.sign(path: path, nonce: n, body: body)),
                           ("Content-Type", "application/x-www-form-urlencoded"), ("User-Agent", "fake-test")]
            let (status, data) = try await http.send(method: "POST", url: fake.restURL + path, headers: headers, body: Data(body.utf8))
            return (status, String(decoding: data, as: UTF8.self))
        }

        /// The reply's envelope (`error`, `result`).
        func call(_ method: String, _ params: [(String, String)] = []) async throws -> [String: Any] {
            let n = lock.withLock { nonce += 1; return nonce }
            let (status, text) = try await raw(method, body: KrakenRequest.formEncode([("nonce", String(n))] + params))
            #expect(status == 200, "\(method): HTTP \(status) \(text)")
            return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        }

        func result(_ method: String, _ params: [(String, String)] = []) async throws -> [String: Any] {
            let r = try await call(method, params)
            #expect((r["error"] as? [String]) == [], "\(method): \(r["error"] ?? "")")
            return r["result"] as? [String: Any] ?? [:]
        }

        func error(_ method: String, _ params: [(String, String)] = []) async throws -> String? {
            (try await call(method, params)["error"] as? [String])?.first
        }

        func order(_ txid: String) async throws -> [String: Any] {
            try await result("QueryOrders", [("txid", txid), ("trades", "true")])[txid] as? [String: Any] ?? [:]
        }

        func addOrder(_ params: [(String, String)]) async throws -> String {
            let r = try await result("AddOrder", params)
            return (r["txid"] as? [String])?.first ?? ""
        }
    }

    @Test func signatureOfTheCribIsAcceptedAndAnyChangeRefused() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
        let cribSign = "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
        let (_, wrongKey) = try await c.raw("AddOrder", body: body, sign: cribSign, key: "other")
        #expect(wrongKey == #"{"error":["EAPI:Invalid key"]}"#)
        let (_, changed) = try await c.raw("AddOrder", body: body.replacingOccurrences(of: "1.25", with: "1.26"), sign: cribSign)
        #expect(changed == #"{"error":["EAPI:Invalid signature"]}"#)
        let (status, placed) = try await c.raw("AddOrder", body: body, sign: cribSign)
        #expect(status == 200)
        #expect(placed.hasPrefix(#"{"error":[],"result":{"descr":{"order":"buy 1.25000000 XBTUSD @ limit 37500.0"},"txid":["O"#))
        // The same nonce again, rightly signed: refused.
        let (_, again) = try await c.raw("AddOrder", body: body, sign: cribSign)
        #expect(again == #"{"error":["EAPI:Invalid nonce"]}"#)
        #expect(fake.orders.count == 1 && fake.orders[0].status == "open" && fake.orders[0].volume == Decimal(string: "1.25"))
        let open = try await c.result("OpenOrders")["open"] as? [String: [String: Any]] ?? [:]
        let info = try #require(open.values.first)
        let descr = info["descr"] as? [String: Any] ?? [:]
        #expect(info["status"] as? String == "open" && info["vol"] as? String == "1.25000000" && info["vol_exec"] as? String == "0.00000000")
        #expect(descr["pair"] as? String == "XBTUSD" && descr["type"] as? String == "buy" && descr["ordertype"] as? String == "limit")
        #expect(descr["price"] as? String == "37500.0" && info["refid"] is NSNull && info["opentm"] is Double)
    }

    @Test func marketOrderSweepsTheBookOneTradePerLevel() async throws {
        let fake = try Self.fake { $0.levelQty = Decimal(string: "0.1")! }
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let txid = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "market"), ("volume", "0.25"), ("cl_ord_id", "np-1-e1")])
        let o = try await c.order(txid)
        // 0.1 @ 40000.5 + 0.1 @ 40001.0 + 0.05 @ 40001.5 = 4000.05 + 4000.1 + 2000.075
        #expect(o["status"] as? String == "closed" && o["vol_exec"] as? String == "0.25000000" && o["cost"] as? String == "10000.22500")
        // Fees per trade, taker 0.40 %, rounded to 4 places: 16.0002 + 16.0004 + 8.0003
        #expect(o["fee"] as? String == "40.00090" && o["price"] as? String == "40000.90000" && o["cl_ord_id"] as? String == "np-1-e1")
        #expect((o["trades"] as? [String])?.count == 3)
        let balance = try await c.result("Balance")
        #expect(balance["ZUSD"] as? String == "89959.7741" && balance["XXBT"] as? String == "0.2500000000")
        let history = try await c.result("TradesHistory")
        let trades = history["trades"] as? [String: [String: Any]] ?? [:]
        #expect(history["count"] as? Int == 3)
        #expect(Set(trades.values.compactMap { $0["price"] as? String }) == ["40000.5", "40001.0", "40001.5"])
        #expect(trades.values.allSatisfy { $0["ordertxid"] as? String == txid && $0["maker"] as? Bool == false && $0["pair"] as? String == "XXBTZUSD" })
    }

    @Test func postOnlyThatWouldCrossIsAcceptedThenCancelled() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let txid = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "40001.0"), ("volume", "0.1"),
                                         ("oflags", "post")])
        #expect(!txid.isEmpty)
        let o = try await c.order(txid)
        #expect(o["status"] as? String == "canceled" && o["reason"] as? String == "Post only order" && o["vol_exec"] as? String == "0.00000000")
        #expect(try await c.result("Balance")["ZUSD"] as? String == "100000.0000")
    }

    @Test func iocTakesWhatCrossesAndCancelsTheRest() async throws {
        let fake = try Self.fake { $0.levelQty = Decimal(string: "0.1")! }
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let txid = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "40001.0"), ("volume", "0.5"),
                                         ("timeinforce", "IOC")])
        let o = try await c.order(txid)
        // A cancelled order that filled in part: `canceled` with vol_exec > 0 (crib §1.4).
        #expect(o["status"] as? String == "canceled" && o["vol_exec"] as? String == "0.20000000" && o["cost"] as? String == "8000.15000")
    }

    @Test func restingLimitAndStopsMeetTheBarsPrints() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let limit = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "39990.0"), ("volume", "0.1")])
        #expect(try await c.order(limit)["status"] as? String == "open")
        // A down bar: open, high, low, close. The low 39980 goes through the limit: a maker fill at its price.
        fake.play(Bar(timestampMs: 60_000, open: 40_000, high: 40_010, low: 39_980, close: 39_995, volume: 1))
        let filled = try await c.order(limit)
        #expect(filled["status"] as? String == "closed" && filled["cost"] as? String == "3999.00000" && filled["fee"] as? String == "9.99750")
        let stop = try await c.addOrder([("pair", "XBTUSD"), ("type", "sell"), ("ordertype", "stop-loss"), ("price", "39950.0"), ("volume", "0.1")])
        fake.play(Bar(timestampMs: 120_000, open: 39_995, high: 39_996, low: 39_960, close: 39_970, volume: 1))
        #expect(try await c.order(stop)["status"] as? String == "open")
        // Gapping through the trigger: the stop becomes a market order and fills at the print (taker).
        fake.play(Bar(timestampMs: 180_000, open: 39_940, high: 39_945, low: 39_930, close: 39_931, volume: 1))
        let stopped = try await c.order(stop)
        #expect(stopped["status"] as? String == "closed" && stopped["price"] as? String == "39940.00000" && stopped["fee"] as? String == "15.97600")
        let balance = try await c.result("Balance")
        // 100000 - 3999 - 9.9975 + 3994 - 15.976
        #expect(balance["XXBT"] as? String == "0.0000000000" && balance["ZUSD"] as? String == "99969.0265")
        let takeProfit = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "take-profit"), ("price", "39000.0"), ("volume", "0.01")])
        fake.trade(at: 39_000)
        #expect(try await c.order(takeProfit)["status"] as? String == "closed")
    }

    @Test func partialFillThenCancelKeepsWhatFilled() async throws {
        let fake = try Self.fake { $0.touchFillFraction = Decimal(string: "0.5")! }
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let txid = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "39990.0"), ("volume", "0.2"),
                                         ("cl_ord_id", "np-1-e2")])
        fake.play(Bar(timestampMs: 60_000, open: 40_000, high: 40_000, low: 39_985, close: 39_990, volume: 1))
        let part = try await c.order(txid)
        #expect(part["status"] as? String == "open" && part["vol_exec"] as? String == "0.10000000")
        // Cancelled by its client id.
        #expect(try await c.result("CancelOrder", [("txid", "np-1-e2")])["count"] as? Int == 1)
        let ended = try await c.order(txid)
        #expect(ended["status"] as? String == "canceled" && ended["reason"] as? String == "User requested" && ended["vol_exec"] as? String == "0.10000000")
        #expect((try await c.result("OpenOrders")["open"] as? [String: Any])?.isEmpty == true)
        #expect(try await c.error("CancelOrder", [("txid", "OXXXXX-NOPE-XXXXXX")]) == "EOrder:Unknown order")
    }

    @Test func refusesOrdersAsKrakenDoes() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        func add(_ extra: [(String, String)]) async throws -> String? {
            try await c.error("AddOrder", [("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit")] + extra)
        }
        #expect(try await c.error("AddOrder", [("pair", "FOOBAR"), ("type", "buy"), ("ordertype", "market"), ("volume", "1")]) == "EQuery:Unknown asset pair")
        #expect(try await add([("price", "30000.0"), ("volume", "0.00001")]) == "EOrder:Order minimum not met")
        #expect(try await add([("price", "30000.05"), ("volume", "0.1")]) == "EOrder:Tick size check failed")
        #expect(try await add([("price", "1.0"), ("volume", "0.0001")]) == "EOrder:Cost minimum not met")
        #expect(try await add([("price", "30000.0"), ("volume", "0.123456789")]) == "EGeneral:Invalid arguments:volume")
        #expect(try await add([("price", "39000.0"), ("volume", "3")]) == "EOrder:Insufficient funds")
        #expect(try await c.error("AddOrder", [("pair", "XBTUSD"), ("type", "sell"), ("ordertype", "market"), ("volume", "0.1")]) == "EOrder:Insufficient funds")
        #expect(try await add([("price", "30000.0"), ("volume", "0.1"), ("deadline", "2020-01-01T00:00:00Z")]) == "EService:Deadline elapsed")
        #expect(try await add([("price", "30000.0"), ("volume", "0.1"), ("cl_ord_id", "a-client-id-of-19ch")]) == "EGeneral:Invalid arguments:cl_ord_id")
        // Funds held by an open order count: two buys of 60 % each cannot both rest.
        #expect(try await add([("price", "30000.0"), ("volume", "2"), ("cl_ord_id", "np-dup")]) == nil)
        #expect(try await add([("price", "30000.0"), ("volume", "2")]) == "EOrder:Insufficient funds")
        #expect(try await add([("price", "30000.0"), ("volume", "0.1"), ("cl_ord_id", "np-dup")]) == "EOrder:Duplicate cl_ord_id")
        // validate=true: the description, no txid, nothing placed.
        let v = try await c.result("AddOrder", [("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "30000.0"), ("volume", "0.1"),
                                               ("validate", "true")])
        #expect(v["txid"] == nil && (v["descr"] as? [String: Any])?["order"] as? String == "buy 0.10000000 XBTUSD @ limit 30000.0")
        #expect(fake.orders.count == 1)
    }

    @Test func scriptedFaultsArriveOnCue() async throws {
        let fake = try Self.fake {
            $0.rateLimitCalls = [2]
            $0.invalidNonceCalls = [3]
            $0.rejectAddOrders = [1: "EService:Unavailable"]
            $0.orderRateLimitAddOrders = [2]
            $0.restCounterMax = 3
            $0.restCounterDecay = 0.001
        }
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        #expect(try await c.error("Balance") == nil)
        #expect(try await c.error("Balance") == "EAPI:Rate limit exceeded")
        #expect(try await c.error("Balance") == "EAPI:Invalid nonce")
        let order = [("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "market"), ("volume", "0.01")]
        #expect(try await c.error("AddOrder", order) == "EService:Unavailable")
        #expect(try await c.error("AddOrder", order) == "EOrder:Rate limit exceeded")
        #expect(try await c.error("AddOrder", order) == nil)
        // The call counter: Balance costs 1 (two counted so far: the first call and this one), order calls nothing.
        #expect(try await c.error("Balance") == nil)
        #expect(try await c.error("Balance") == nil)
        #expect(try await c.error("Balance") == "EAPI:Rate limit exceeded")
        #expect(try await c.error("AddOrder", order) == nil)
        #expect(fake.orders.count == 2)
    }

    @Test func lostAddOrderRepliesStillPlaceTheOrder() async throws {
        let fake = try Self.fake { $0.loseAddOrderReplies = [1: .badGateway, 2: .hangUp] }
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let body = KrakenRequest.formEncode([("nonce", "5000"), ("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "39000.0"),
                                             ("volume", "0.1"), ("cl_ord_id", "np-1-e1")])
        let (status, page) = try await c.raw("AddOrder", body: body)
        #expect(status == 502 && page.contains("502 Bad Gateway"))
        let second = KrakenRequest.formEncode([("nonce", "5001"), ("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "39000.0"),
                                               ("volume", "0.1"), ("cl_ord_id", "np-1-e2")])
        await #expect(throws: (any Error).self) { _ = try await c.raw("AddOrder", body: second) }
        // Both orders are live: only a lookup by client id tells.
        for cid in ["np-1-e1", "np-1-e2"] {
            let open = try await c.result("OpenOrders", [("cl_ord_id", cid)])["open"] as? [String: [String: Any]] ?? [:]
            #expect(open.count == 1 && open.values.first?["cl_ord_id"] as? String == cid)
        }
        #expect(fake.addOrderCalls == 2 && fake.orders.count == 2)
    }

    @Test func cancelThatRacesAFillFindsItFilled() async throws {
        let fake = try Self.fake { $0.fillOnCancel = [1] }
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let txid = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "39990.0"), ("volume", "0.1")])
        #expect(try await c.result("CancelOrder", [("txid", txid)])["count"] as? Int == 0)
        let o = try await c.order(txid)
        #expect(o["status"] as? String == "closed" && o["vol_exec"] as? String == "0.10000000" && o["price"] as? String == "39990.00000")
    }

    @Test func closedOrdersAndTradesComeFiftyAPage() async throws {
        let fake = try Self.fake()
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        for i in 0..<60 {
            _ = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "market"), ("volume", "0.001"), ("cl_ord_id", "np-p\(i)")])
        }
        let first = try await c.result("ClosedOrders")
        let second = try await c.result("ClosedOrders", [("ofs", "50")])
        let a = first["closed"] as? [String: Any] ?? [:], b = second["closed"] as? [String: Any] ?? [:]
        #expect(first["count"] as? Int == 60 && a.count == 50 && b.count == 10 && Set(a.keys).isDisjoint(with: b.keys))
        let t1 = try await c.result("TradesHistory"), t2 = try await c.result("TradesHistory", [("ofs", "50")])
        #expect(t1["count"] as? Int == 60 && (t1["trades"] as? [String: Any])?.count == 50 && (t2["trades"] as? [String: Any])?.count == 10)
        let one = try await c.result("ClosedOrders", [("cl_ord_id", "np-p7")])
        #expect(one["count"] as? Int == 1)
        #expect(try await c.error("QueryOrders", [("txid", (0..<51).map { "O\($0)" }.joined(separator: ","))]) == "EGeneral:Invalid arguments:txid")
    }

    /// A WebSocket probe: every text frame, in order.
    final class Probe: @unchecked Sendable {
        private let lock = NSLock()
        private var _frames: [[String: Any]] = []
        private var _closed = false
        var handle: (any WebSocketHandle)?
        var frames: [[String: Any]] { lock.withLock { _frames } }
        var closed: Bool { lock.withLock { _closed } }

        static func connect(_ url: String) async throws -> Probe {
            let p = Probe()
            let (stream, cont) = AsyncStream<WSEvent>.makeStream()
            p.handle = try await WebSocketKitConnector(group: FakeKrakenAccountTests.group).connect(url: url, events: cont)
            Task {
                for await e in stream {
                    switch e {
                    case .text(let t, _, _):
                        let obj = (try? JSONSerialization.jsonObject(with: Data(t.utf8))) as? [String: Any] ?? [:]
                        p.lock.withLock { p._frames.append(obj) }
                    case .closed, .ended: p.lock.withLock { p._closed = true }
                    }
                }
            }
            return p
        }

        /// Waits (at most 5 s) until `ok` holds for the frames so far.
        func wait(_ what: String, _ ok: ([[String: Any]]) -> Bool) async -> Bool {
            for _ in 0..<500 {
                if ok(frames) { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            Issue.record("timed out waiting for \(what); frames: \(frames)")
            return false
        }

        func channel(_ c: String) -> [[String: Any]] { frames.filter { $0["channel"] as? String == c } }
        func elements(_ c: String, type: String = "update") -> [[String: Any]] {
            channel(c).filter { $0["type"] as? String == type }.flatMap { $0["data"] as? [[String: Any]] ?? [] }
        }
    }

    @Test func executionsAndBalancesOnTheAuthenticatedSocket() async throws {
        let fake = try Self.fake { $0.levelQty = Decimal(string: "0.1")! }
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let resting = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "limit"), ("price", "39000.0"), ("volume", "0.1"),
                                            ("cl_ord_id", "np-1-rest")])
        let tokenReply = try await c.result("GetWebSocketsToken")
        let token = try #require(tokenReply["token"] as? String)
        #expect(tokenReply["expires"] as? Int == 900)
        let ws = try await Probe.connect(fake.wsAuthURL)
        await ws.handle?.send(#"{"method":"subscribe","params":{"channel":"executions","token":"not-a-token"},"req_id":1}"#)
        #expect(await ws.wait("refusal") { $0.contains { $0["success"] as? Bool == false && $0["error"] as? String == "ESession:Invalid session" } })
        await ws.handle?.send(#"{"method":"subscribe","params":{"channel":"executions","token":"\#(token)"},"req_id":2}"#)
        await ws.handle?.send(#"{"method":"subscribe","params":{"channel":"balances","token":"\#(token)"},"req_id":3}"#)
        #expect(await ws.wait("snapshots") { _ in ws.elements("executions", type: "snapshot").count == 1 && ws.elements("balances", type: "snapshot").count == 2 })
        let snap = ws.elements("executions", type: "snapshot")[0]
        #expect(snap["order_id"] as? String == resting && snap["cl_ord_id"] as? String == "np-1-rest" && snap["order_status"] as? String == "new")
        #expect(ws.elements("balances", type: "snapshot").contains { $0["asset"] as? String == "USD" && ($0["balance"] as? NSNumber)?.doubleValue == 100_000 })

        let txid = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "market"), ("volume", "0.25"), ("cl_ord_id", "np-1-e1")])
        #expect(await ws.wait("filled") { _ in ws.elements("executions").contains { $0["exec_type"] as? String == "filled" } })
        let events = ws.elements("executions").filter { $0["order_id"] as? String == txid }
        #expect(events.map { $0["exec_type"] as? String ?? "" } == ["pending_new", "new", "trade", "trade", "trade", "filled"])
        let trades = events.filter { $0["exec_type"] as? String == "trade" }
        // Each trade says partially_filled, the last one too; cum_qty tells how much is done.
        #expect(trades.allSatisfy { $0["order_status"] as? String == "partially_filled" && $0["liquidity_ind"] as? String == "t" })
        #expect(Set(trades.compactMap { $0["exec_id"] as? String }).count == 3)
        #expect(trades.map { ($0["cum_qty"] as? NSNumber)?.doubleValue ?? 0 } == [0.1, 0.2, 0.25])
        #expect(trades.allSatisfy { (($0["fees"] as? [[String: Any]])?.first?["asset"] as? String) == "USD" && $0["cl_ord_id"] as? String == "np-1-e1" })
        #expect((events.last?["cum_qty"] as? NSNumber)?.doubleValue == 0.25)
        // The ledger: a USD and a BTC entry per trade; the last USD balance is the account's.
        let ledger = ws.elements("balances")
        #expect(ledger.count == 6 && ledger.allSatisfy { $0["type"] as? String == "trade" && $0["ledger_id"] is String })
        let usd = ledger.last { $0["asset"] as? String == "USD" }?["balance"] as? NSNumber
        #expect(usd?.stringValue == "89959.7741")
        // Sequences count up per channel.
        #expect(ws.channel("executions").compactMap { $0["sequence"] as? Int } == Array(1...ws.channel("executions").count))

        // A token serves one connection: after it closes, a new one needs a new token.
        await ws.handle?.close()
        #expect(await ws.wait("close") { _ in ws.closed })
        try await Task.sleep(for: .milliseconds(50))
        let again = try await Probe.connect(fake.wsAuthURL)
        await again.handle?.send(#"{"method":"subscribe","params":{"channel":"executions","token":"\#(token)"},"req_id":4}"#)
        #expect(await again.wait("refusal") { $0.contains { $0["error"] as? String == "ESession:Invalid session" } })
        await again.handle?.close()
    }

    @Test func privateSocketDropsOnCue() async throws {
        let fake = try Self.fake { $0.dropPrivateAfterMessages = 2 }
        defer { fake.stop() }
        let c = Caller(fake)
        defer { Task { await c.http.shutdown() } }
        let token = try #require(try await c.result("GetWebSocketsToken")["token"] as? String)
        let ws = try await Probe.connect(fake.wsAuthURL)
        await ws.handle?.send(#"{"method":"subscribe","params":{"channel":"executions","token":"\#(token)"}}"#)
        _ = try await c.addOrder([("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "market"), ("volume", "0.01")])
        #expect(await ws.wait("drop") { _ in ws.closed })
        #expect(ws.channel("executions").count == 2)
    }
}
