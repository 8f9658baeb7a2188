import Foundation
import NovaCore
import NovaVenue
import Testing
@testable import NovaCoinbase

/// Replies in the shapes Coinbase sends (exchange-crib.md §3; field layout as in the recorded
/// payloads of nautilus_trader's Coinbase adapter test data), parsed into the venue's terms.
@Suite struct CoinbaseRESTTests {
    static let product = #"{"product_id":"BTC-USD","price":"68923.67","base_increment":"0.00000001","quote_increment":"0.01","quote_min_size":"1","quote_max_size":"150000000","base_min_size":"0.00000001","base_max_size":"3400","is_disabled":false,"status":"online","cancel_only":false,"limit_only":false,"post_only":false,"trading_disabled":false,"auction_mode":false,"product_type":"SPOT","quote_currency_id":"USD","base_currency_id":"BTC","alias_to":["BTC-USDC"],"price_increment":"0.01","product_venue":"CBE"}"#
    static func decode<T: Decodable>(_ t: T.Type, _ s: String) throws -> T { try JSONDecoder().decode(T.self, from: Data(s.utf8)) }

    @Test func productsBecomeInstrumentRules() throws {
        let p = try Self.decode(CoinbaseProduct.self, Self.product)
        #expect(p.instrument == InstrumentSpec(tickSize: 0.01, lotDecimals: 8, minSize: 0.00000001, minCost: 1))
        #expect(p.restriction == nil)
        var cancelOnly = p
        cancelOnly.cancelOnly = true
        #expect(cancelOnly.restriction == "BTC-USD: cancel only")
        let eth = try Self.decode(CoinbaseProduct.self, Self.product.replacingOccurrences(of: "\"0.00000001\"", with: "\"0.0001\""))
        #expect(eth.instrument.lotDecimals == 4)
        // A number that is not one is an error naming the field.
        do {
            _ = try Self.decode(CoinbaseProduct.self, Self.product.replacingOccurrences(of: "\"price_increment\":\"0.01\"", with: "\"price_increment\":\"NaN\""))
            Issue.record("a NaN increment was accepted")
        } catch {
            #expect("\(error)".contains("price_increment"))
        }
        #expect(CoinbaseNames.productID(Pair(base: "ETH", quote: "USD")) == "ETH-USD")
        #expect(CoinbaseNames.pair("BTC-USDC") == Pair(base: "BTC", quote: "USDC"))
        #expect(CoinbaseNames.pair("BTCUSD") == nil)
    }

    @Test func candlesComeNewestFirstAndTheFormingOneIsLeftOut() throws {
        // 12:00, 12:01 closed; 12:02 still forming at 12:02:30. Newest first, one duplicated.
        let json = #"{"candles":[{"start":"1717243320","low":"3","high":"4","open":"3.5","close":"3.9","volume":"1"},{"start":"1717243260","low":"2","high":"3","open":"2.5","close":"2.9","volume":"2"},{"start":"1717243200","low":"1","high":"2","open":"1.5","close":"1.9","volume":"3"},{"start":"1717243260","low":"2","high":"3","open":"2.5","close":"2.9","volume":"2"}]}"#
        let bars = try Self.decode(CoinbaseCandles.self, json).closedBars(nowMs: 1_717_243_350_000)
        #expect(bars.map(\.timestampMs) == [1_717_243_200_000, 1_717_243_260_000])
        #expect(bars[0] == Bar(timestampMs: 1_717_243_200_000, open: 1.5, high: 2, low: 1, close: 1.9, volume: 3))
    }

    @Test func accountsOrdersAndFillsRead() throws {
        let accounts = try Self.decode(CoinbaseAccounts.self, #"{"accounts":[{"uuid":"a","name":"BTC Wallet","currency":"BTC","available_balance":{"value":"0.5","currency":"BTC"},"default":true,"active":true,"type":"ACCOUNT_TYPE_CRYPTO","ready":true,"hold":{"value":"0.1","currency":"BTC"}},{"uuid":"b","name":"USD Wallet","currency":"USD","available_balance":{"value":"1000.25","currency":"USD"},"type":"FIAT","hold":{"value":"0","currency":"USD"}}],"has_next":false,"cursor":"","size":2}"#)
        #expect(accounts.available == ["BTC": 0.5, "USD": 1000.25])
        let order = try Self.decode(CoinbaseOrderReply.self, #"{"order":{"order_id":"o-1","client_order_id":"np-1-e","product_id":"BTC-USD","side":"BUY","status":"FILLED","time_in_force":"IMMEDIATE_OR_CANCEL","created_time":"2024-06-01T12:00:00.5Z","filled_size":"0.002","average_filled_price":"68000.5","total_fees":"0.81","last_fill_time":"2024-06-01T12:00:01Z","number_of_fills":"2","order_type":"MARKET"}}"#).order
        #expect(order.isTerminal)
        #expect(order.report(orderID: 7, nowMs: 0) == OrderStatusReport(orderID: 7, state: .filled, filledQuantity: 0.002, averagePrice: 68000.5,
                                                                         totalFee: 0.81, atMs: 1_717_243_201_000))
        let fills = try Self.decode(CoinbaseFills.self, #"{"fills":[{"entry_id":"e","trade_id":"t-1","order_id":"o-1","trade_time":"2024-06-01T12:00:01Z","trade_type":"FILL","price":"68000.5","size":"0.002","commission":"0.81","product_id":"BTC-USD","sequence_timestamp":"2024-06-01T12:00:01Z","liquidity_indicator":"TAKER","size_in_quote":false,"user_id":"u","side":"BUY"}],"cursor":""}"#)
        #expect(fills.fills.count == 1 && !fills.fills[0].isMaker && fills.fills[0].commission.value == 0.81)
    }

    @Test func createOrderRepliesAreReadBySuccessNotByStatus() throws {
        let ok = try Self.decode(CoinbaseCreateOrderReply.self, #"{"success":true,"success_response":{"order_id":"o-9","product_id":"BTC-USD","side":"BUY","client_order_id":"np-9"},"order_configuration":{}}"#)
        #expect(try ok.outcome().get() == "o-9")
        func refusal(_ json: String) throws -> CoinbaseError? {
            if case .failure(let e) = try Self.decode(CoinbaseCreateOrderReply.self, json).outcome() { return e }
            return nil
        }
        let funds = try refusal(#"{"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","error_response":{"error":"INSUFFICIENT_FUND","message":"Insufficient balance in source account","error_details":"","preview_failure_reason":"PREVIEW_INSUFFICIENT_FUND"}}"#)
        #expect(funds?.kind == .insufficientFunds && funds?.rejectReason == .insufficientFunds)
        let cross = try refusal(#"{"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","error_response":{"error":"UNKNOWN_FAILURE_REASON","message":"","preview_failure_reason":"PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY"}}"#)
        #expect(cross?.kind == .postOnlyWouldCross && cross?.rejectReason == .postOnlyWouldCross)
        let odd = try refusal(#"{"success":false,"error_response":{"error":"SOMETHING_NEW","message":"?"}}"#)
        #expect(odd?.kind == .unknown)   // never guessed placed, never guessed transient
        let noID = try refusal(#"{"success":true,"success_response":{"order_id":""}}"#)
        #expect(noID?.kind == .transport)
        let cancel = try Self.decode(CoinbaseCancelReply.self, #"{"results":[{"success":true,"failure_reason":"UNKNOWN_CANCEL_FAILURE_REASON","order_id":"o-1"},{"success":false,"failure_reason":"ORDER_IS_FULLY_FILLED","order_id":"o-2"}]}"#)
        #expect(cancel.results.map(\.success) == [true, false])
        #expect(cancel.results[1].failureReason == "ORDER_IS_FULLY_FILLED")
    }

    @Test func httpFailuresAreTyped() {
        #expect(CoinbaseError.classifyHTTP(status: 429, body: Data(#"{"error":"RESOURCE_EXHAUSTED","message":"Too many requests"}"#.utf8)).kind == .rateLimit)
        let plain = CoinbaseError.classifyHTTP(status: 401, body: Data("Unauthorized".utf8))
        #expect(plain.kind == .authentication && plain.message == "HTTP 401: Unauthorized")
        #expect(CoinbaseError.classifyHTTP(status: 502, body: Data("<html>bad gateway</html>".utf8)).kind == .transient)
        let bad = CoinbaseError.classifyHTTP(status: 400, body: Data(#"{"error":"INVALID_ARGUMENT","code":3,"message":"limit_price is required","details":[]}"#.utf8))
        #expect(bad.kind == .invalidOrder && bad.message == "HTTP 400 INVALID_ARGUMENT: limit_price is required")
        #expect(CoinbaseError.classifyHTTP(status: 404, body: Data(#"{"error":"NOT_FOUND","message":"order not found"}"#.utf8)).kind == .unknownOrder)
        #expect(CoinbaseError.classifyHTTP(status: 400, body: Data()).kind == .transport)
        #expect(!CoinbaseError(kind: .invalidOrder, message: "").isRetryableRead)
        #expect(CoinbaseError(kind: .rateLimit, message: "").isRetryableRead)
    }
}
