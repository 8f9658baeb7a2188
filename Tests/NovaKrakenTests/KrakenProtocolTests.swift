import Foundation
import NovaCore
import NovaVenue
import Testing
@testable import NovaKraken

/// Kraken's published vectors and protocol rules (exchange-crib.md §1.2, §1.5, §2.4).
@Suite struct KrakenSigningTests {
    @Test func signatureMatchesKrakensPublishedVector() throws {
        let signer = try KrakenSigner(secretBase64: "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==")
        let body = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
        #expect(signer.sign(path: "/0/private/AddOrder", nonce: 1616492376594, body: body)
                == "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==")
        // One changed byte of the body gives another signature.
        #expect(signer.sign(path: "/0/private/AddOrder", nonce: 1616492376594, body: body + "0") != signer.sign(path: "/0/private/AddOrder", nonce: 1616492376594, body: body))
    }

    @Test func requestBodyPutsTheNonceFirstAndEscapes() {
        let r = KrakenRequest(private: "AddOrder", [("ordertype", "limit"), ("pair", "XBTUSD"), ("price", "37500"), ("type", "buy"), ("volume", "1.25")])
        #expect(r.body(nonce: 1616492376594) == "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25")
        #expect(r.path == "/0/private/AddOrder")
        #expect(r.isOrderEntry && r.counterCost == 0)
        #expect(KrakenRequest(private: "TradesHistory").counterCost == 2)
        #expect(KrakenRequest.formEncode([("cl_ord_id", "np-0-1 en&1")]) == "cl_ord_id=np-0-1%20en%261")
    }

    @Test func aSecretThatIsNotBase64IsRefusedWithoutRepeatingIt() {
        do { _ = try KrakenSigner(secretBase64: "not*base64*secret"); Issue.record("accepted") } catch {
            #expect(error.kind == .authentication)
            #expect(!error.message.contains("not*base64*secret"))
        }
    }

    @Test func nonceStrictlyIncreasesAndIsPersistedBeforeUse() throws {
        final class Box: @unchecked Sendable { var saved: [UInt64] = [] }
        let box = Box()
        var n = NonceSource(persisted: 0) { box.saved.append($0) }
        let a = try n.next(nowMs: 1_000)
        let b = try n.next(nowMs: 1_000)      // same millisecond
        let c = try n.next(nowMs: 900)        // the clock stepped back
        #expect([a, b, c] == [1_000, 1_001, 1_002])
        #expect(box.saved == [1_000, 1_001, 1_002])
        // A restart resumes from the persisted value, even with a clock behind it.
        var restarted = NonceSource(persisted: box.saved.last!) { box.saved.append($0) }
        #expect(try restarted.next(nowMs: 500) == 1_003)
        try restarted.resync(nowMs: 500)
        #expect(try restarted.next(nowMs: 500) == 2_004)
    }

    @Test func aNonceThatCannotBePersistedIsNotHandedOut() {
        struct DiskFull: Error {}
        var n = NonceSource(persisted: 10) { _ in throw DiskFull() }
        #expect(throws: DiskFull.self) { _ = try n.next(nowMs: 100) }
        #expect(n.last == 10)
    }
}

@Suite struct KrakenErrorTests {
    @Test func everyDocumentedErrorStringHasItsFamily() {
        let cases: [(String, KrakenError.Kind)] = [
            ("EAPI:Invalid key", .authentication), ("EAPI:Invalid signature", .authentication), ("EAPI:Invalid nonce", .nonce),
            ("EAPI:Rate limit exceeded", .rateLimit), ("EOrder:Rate limit exceeded", .rateLimit),
            ("EOrder:Insufficient funds", .insufficientFunds), ("EOrder:Order minimum not met", .invalidOrder),
            ("EOrder:Cost minimum not met", .invalidOrder), ("EOrder:Tick size check failed", .invalidOrder),
            ("EOrder:Invalid price", .invalidOrder), ("EOrder:Orders limit exceeded", .invalidOrder), ("EOrder:Unknown order", .unknownOrder),
            ("EGeneral:Invalid arguments:volume", .invalidOrder), ("EQuery:Unknown asset pair", .invalidOrder),
            ("EGeneral:Permission denied", .authentication), ("EGeneral:Temporary lockout", .authentication),
            ("EService:Unavailable", .transient), ("EService:Busy", .transient), ("EGeneral:Internal error", .transient),
            ("EService:Market in cancel_only mode", .marketRestricted), ("EService:Market in post_only mode", .marketRestricted),
            ("EService:Deadline elapsed", .transient), ("ESomething:New", .unknown),
        ]
        for (text, kind) in cases { #expect(KrakenError.classify(text).kind == kind, "\(text)") }
        let throttled = KrakenError.classify("EService:Throttled: 1700000123")
        #expect(throttled.kind == .rateLimit && throttled.retryAfterMs == 1_700_000_123_000)
        #expect(KrakenError.classify("EOrder:Order minimum not met").rejectReason == .belowMinimum)
        #expect(KrakenError.classify("EOrder:Insufficient funds").rejectReason == .insufficientFunds)
        #expect(!KrakenError.classify("ESomething:New").isRetryableRead)
    }

    @Test func repliesThatAreNotKrakensEnvelopeAreTransportFailures() {
        func kind(_ status: Int, _ body: String) -> KrakenError.Kind? {
            do { _ = try KrakenReply.result(status: status, body: Data(body.utf8)); return nil } catch { return error.kind }
        }
        #expect(kind(520, "<html>Cloudflare 520</html>") == .transient)
        #expect(kind(200, "{\"error\":[], \"res") == .transport)
        #expect(kind(200, "{\"error\":[\"EAPI:Invalid nonce\"]}") == .nonce)
        #expect(kind(200, "{\"error\":[\"WGeneral:Warning\"],\"result\":{\"a\":1}}") == nil)
        #expect(kind(200, "{\"error\":[]}") == .transport)
    }
}

@Suite struct KrakenBookTests {
    static let asks: [(String, String)] = [("45285.2", "0.001"), ("45286.4", "1.54571953"), ("45286.6", "1.54571109"), ("45289.6", "1.54560911"),
                                           ("45290.2", "0.1589066"), ("45291.8", "1.54553491"), ("45294.7", "0.04454749"), ("45296.1", "0.3538"),
                                           ("45297.5", "0.09945542"), ("45299.5", "0.18772827")]
    static let bids: [(String, String)] = [("45283.5", "0.1"), ("45283.4", "1.54582015"), ("45282.1", "0.1"), ("45281.0", "0.1"),
                                           ("45280.3", "1.54592586"), ("45279.0", "0.0799"), ("45277.6", "0.03310103"), ("45277.5", "0.3"),
                                           ("45277.3", "1.54602737"), ("45276.6", "0.15445238")]
    static func levels(_ l: [(String, String)]) -> [KrakenBook.Level] { l.map { .init(price: Decimal(string: $0.0)!, qty: Decimal(string: $0.1)!) } }

    @Test func checksumMatchesTheGuideVectors() {
        var book = KrakenBook(depth: 10, pricePrecision: 1, qtyPrecision: 8)
        book.applySnapshot(bids: Self.levels(Self.bids), asks: Self.levels(Self.asks))
        #expect(book.checksum == 3_310_070_434)
        // LIVE-NOTES 3: the best bid's size changed 0.1 -> 0.2.
        book.applyUpdate(bids: Self.levels([("45283.5", "0.2")]), asks: [])
        #expect(book.checksum == 38_355_977)
    }

    @Test func checksumFramesParsedFromTheWireAreExact() {
        let bidsJSON = Self.bids.map { "{\"price\":\($0.0),\"qty\":\($0.1)}" }.joined(separator: ",")
        let asksJSON = Self.asks.map { "{\"price\":\($0.0),\"qty\":\($0.1)}" }.joined(separator: ",")
        let frame = "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":[\(bidsJSON)],\"asks\":[\(asksJSON)],\"checksum\":3310070434}]}"
        guard case .book("snapshot", let books) = KrakenWSMessage.parse(frame), let m = books.first else { Issue.record("not a book"); return }
        var integrity = BookIntegrity()
        integrity.track("BTC/USD", depth: 10, pricePrecision: 1, qtyPrecision: 8)
        #expect(integrity.apply(m, snapshot: true) == .ok)
    }

    @Test func levelsPushedBelowTheDepthAreDroppedByTheClient() {
        // Fault 16 of the crib: an insert at the top without a delete for the level that fell off.
        var book = KrakenBook(depth: 10, pricePrecision: 1, qtyPrecision: 8)
        book.applySnapshot(bids: Self.levels(Self.bids), asks: Self.levels(Self.asks))
        book.applyUpdate(bids: Self.levels([("45284.0", "0.5")]), asks: [])
        #expect(book.bids.count == 10)
        #expect(book.bids.first?.price == Decimal(string: "45284.0"))
        #expect(!book.bids.contains { $0.price == Decimal(string: "45276.6") })
        book.applyUpdate(bids: Self.levels([("45284.0", "0")]), asks: [])
        #expect(book.bids.count == 9 && book.bids.first?.price == Decimal(string: "45283.5"))
    }

    @Test func mismatchesClearOnePairAndThreeInARowDisableValidationForItAlone() {
        var integrity = BookIntegrity(maxMismatches: 3)
        integrity.track("BTC/USD", depth: 10, pricePrecision: 1, qtyPrecision: 8)
        integrity.track("ETH/USD", depth: 10, pricePrecision: 1, qtyPrecision: 8)
        let good = KrakenBookMessage(symbol: "BTC/USD", bids: Self.levels(Self.bids), asks: Self.levels(Self.asks), checksum: 3_310_070_434)
        var bad = good; bad.checksum = 1
        var eth = good; eth.symbol = "ETH/USD"
        #expect(integrity.apply(eth, snapshot: true) == .ok)
        #expect(integrity.apply(bad, snapshot: true) == .resubscribe(mismatches: 1))
        #expect(integrity.books["BTC/USD"]!.isEmpty)
        // Updates before the new snapshot are not applied to a cleared book.
        #expect(integrity.apply(KrakenBookMessage(symbol: "BTC/USD", bids: [], asks: [], checksum: 0), snapshot: false) == .waitingForSnapshot)
        #expect(integrity.apply(bad, snapshot: true) == .resubscribe(mismatches: 2))
        #expect(integrity.apply(bad, snapshot: true) == .validationDisabled)
        #expect(integrity.unvalidated == ["BTC/USD"])
        #expect(integrity.apply(bad, snapshot: true) == .ok)
        var ethBad = eth; ethBad.checksum = 7
        #expect(integrity.apply(ethBad, snapshot: true) == .resubscribe(mismatches: 1))
        // A good snapshot resets the count.
        #expect(integrity.apply(eth, snapshot: true) == .ok)
        #expect(integrity.apply(ethBad, snapshot: true) == .resubscribe(mismatches: 1))
    }
}

@Suite struct KrakenMarketDataTests {
    @Test func ohlcDropsTheCandleStillFormingAndDedupes() throws {
        let body = """
        {"error":[],"result":{"XXBTZUSD":[[1700000000,"37000.0","37010.0","36990.0","37005.0","37001.2","1.5",12],
        [1700000060,"37005.0","37020.0","37000.0","37015.0","37010.0","2.0",9],[1700000060,"37005.0","37020.0","37000.0","37015.0","37010.0","2.0",9],
        [1700000120,"37015.0","37016.0","37015.0","37016.0","37016.0","0.1",1]],"last":1700000060}}
        """
        let ohlc = try KrakenOHLC.parse(KrakenReply.result(status: 200, body: Data(body.utf8)))
        #expect(ohlc.bars.map(\.timestampMs) == [1_700_000_000_000, 1_700_000_060_000])
        #expect(ohlc.bars[1].close == 37015 && ohlc.bars[0].volume == 1.5)
        #expect(ohlc.last == 1_700_000_060)
    }

    @Test func aMalformedOHLCRowIsAnErrorNamingTheRow() throws {
        let body = #"{"error":[],"result":{"XXBTZUSD":[[1700000000,"37000.0","36000.0","36990.0","37005.0","0","1.5",12]],"last":0}}"#
        do { _ = try KrakenOHLC.parse(KrakenReply.result(status: 200, body: Data(body.utf8))); Issue.record("accepted") } catch {
            #expect(error.message.contains("row 1"))
        }
    }

    @Test func candlesCloseOnTheNextIntervalOrAfterTheGraceWithEmptyMinutesFilled() {
        var a = CandleAssembler(intervalMs: 60_000, graceMs: 2_000)
        func c(_ t: Int64, _ close: Double) -> Bar { Bar(timestampMs: t, open: 100, high: max(100, close), low: min(100, close), close: close, volume: 1) }
        #expect(a.candle(c(0, 101)).isEmpty)
        #expect(a.candle(c(0, 102)).isEmpty)                 // the same candle, updated
        #expect(a.tick(nowMs: 61_000).isEmpty)               // within the grace
        let closed = a.candle(c(60_000, 99))
        #expect(closed.map(\.close) == [102])
        #expect(a.tick(nowMs: 122_000).map(\.close) == [99])
        // Three minutes without a trade: flat bars at the last close once each has passed.
        let flat = a.tick(nowMs: 302_000)
        #expect(flat.map(\.timestampMs) == [120_000, 180_000, 240_000])
        #expect(flat.allSatisfy { $0.open == 99 && $0.close == 99 && $0.volume == 0 })
        // A late update for a closed minute is counted and not used.
        #expect(a.candle(c(180_000, 150)).isEmpty && a.lateUpdates == 1)
        // A trade after a silent minute closes the gap first.
        #expect(a.candle(c(360_000, 98)).map(\.timestampMs) == [300_000])
    }

    @Test func wsFramesParseIntoTheirMessages() {
        #expect(KrakenWSMessage.parse(#"{"channel":"heartbeat"}"#) == .heartbeat)
        #expect(KrakenWSMessage.parse(#"{"channel":"status","type":"update","data":[{"system":"online","api_version":"v2","connection_id":1,"version":"2.0"}]}"#) == .status(system: "online"))
        #expect(KrakenWSMessage.parse(#"{"method":"subscribe","result":{"channel":"ohlc","symbol":"BTC/USD","interval":1},"success":true,"req_id":3}"#)
                == .subscription(method: "subscribe", channel: "ohlc", symbol: "BTC/USD", success: true, error: nil, reqID: 3))
        guard case .ohlc("update", let candles) = KrakenWSMessage.parse(#"{"channel":"ohlc","type":"update","data":[{"symbol":"BTC/USD","open":37000.1,"high":37010,"low":36990,"close":37005.5,"trades":3,"volume":1.25,"vwap":37001,"interval_begin":"2023-11-14T22:13:00.000000000Z","interval":1,"timestamp":"2023-11-14T22:13:20.1Z"}]}"#) else {
            Issue.record("not ohlc"); return
        }
        #expect(candles == [KrakenCandle(symbol: "BTC/USD", open: 37000.1, high: 37010, low: 36990, close: 37005.5, volume: 1.25,
                                         intervalBeginMs: 1_699_999_980_000, intervalMinutes: 1, updateMs: 1_700_000_000_100)])
        guard case .executions(_, let ex) = KrakenWSMessage.parse(#"{"channel":"executions","type":"update","data":[{"exec_type":"trade","order_id":"OAB-1","cl_ord_id":"np-0-1-en0","cum_qty":0.5,"cum_cost":100.5,"avg_price":201,"exec_id":"E1","last_qty":0.5,"last_price":201,"liquidity_ind":"t","fees":[{"asset":"USD","qty":0.4}],"timestamp":"2023-11-14T22:13:20Z"}]}"#) else {
            Issue.record("not executions"); return
        }
        #expect(ex.first?.cumQty == 0.5 && ex.first?.feeQuote == 0.4 && ex.first?.isMaker == false && ex.first?.clientOrderID == "np-0-1-en0")
        if case .other = KrakenWSMessage.parse("[1,2") {} else { Issue.record("garbage parsed") }
        #expect(KrakenWSMessage.parse(#"{"method":"add_order","success":false,"error":"EOrder:Insufficient funds","req_id":99}"#)
                == .orderReply(method: "add_order", success: false, orderID: nil, clientOrderID: nil, error: "EOrder:Insufficient funds", reqID: 99))
    }

    @Test func namesAndBalancesFollowKrakensCodes() throws {
        #expect(KrakenNames.restPair(try Pair(parsing: "BTC/USD")) == "XBTUSD")
        #expect(KrakenNames.asset("XXBT") == "BTC" && KrakenNames.asset("ZUSD") == "USD" && KrakenNames.asset("USDT") == "USDT"
                && KrakenNames.asset("XXDG") == "DOGE" && KrakenNames.asset("XBT.F") == nil && KrakenNames.asset("SOL") == "SOL")
        let b = KrakenBalance.parse(["ZUSD": "200000.00", "XXBT": "0.5", "XBT.F": "1"])
        #expect(b == ["USD": 200_000, "BTC": 0.5])
    }

    @Test func rateLimiterWaitsUntilTheCounterHasRoom() {
        var r = RateLimiter(tier: .starter)   // 15, -0.33/s
        for _ in 0..<15 { #expect(r.reserve(cost: 1, nowMs: 0) == 0) }
        let wait = r.reserve(cost: 1, nowMs: 0)
        #expect(wait == 3_031)                // 1 / 0.33 s
        #expect(r.reserve(cost: 0, nowMs: 0) == 0)       // AddOrder is not on this counter
        var pro = RateLimiter(tier: .pro)
        pro.saturate(nowMs: 0)
        #expect(pro.reserve(cost: 2, nowMs: 1_000) == 1_000)
    }
}
