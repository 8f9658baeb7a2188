import Foundation
import NovaCore
import NovaVenue
import Testing
@testable import NovaCoinbase

@Suite struct CoinbaseOrderBodyTests {
    let product = try! JSONDecoder().decode(CoinbaseProduct.self, from: Data(CoinbaseRESTTests.product.utf8))
    let btc = Pair(base: "BTC", quote: "USD")

    func order(_ side: Side, _ kind: OrderKind, _ q: OrderQuantity, postOnly: Bool = false, ioc: Bool = false, leverage: Double? = nil,
               client: String = "np-1-x") -> OrderRequest {
        OrderRequest(id: 1, pair: btc, side: side, kind: kind, quantity: q, purpose: .entry, createdAtMs: 0, postOnly: postOnly,
                     clientOrderID: client, leverage: leverage, immediateOrCancel: ioc)
    }
    func json(_ b: CoinbaseOrderBody.Body) -> String { String(decoding: b.json, as: UTF8.self) }
    func refusal(_ o: OrderRequest) -> CoinbaseOrderBody.Refusal? {
        do { _ = try CoinbaseOrderBody.create(o, product: product, takerFee: 0.012); return nil } catch { return error }
    }

    @Test func eachOrderKindHasItsConfiguration() throws {
        // A long's entry: a market buy by quote, the taker fee left out of the budget, on the quote grid.
        let buy = try CoinbaseOrderBody.create(order(.buy, .market, .quoteIncludingFee(100)), product: product, takerFee: 0.012)
        #expect(json(buy) == #"{"client_order_id":"np-1-x","order_configuration":{"market_market_ioc":{"quote_size":"98.81"}},"product_id":"BTC-USD","side":"BUY"}"#)
        #expect(buy.quoteSize == 98.81 && buy.baseSize == nil)
        // A resting post-only limit: size floored to base_increment, price put on the tick.
        let sell = try CoinbaseOrderBody.create(order(.sell, .limit(price: 68000.123), .base(0.123456789), postOnly: true), product: product, takerFee: 0.012)
        #expect(json(sell) == #"{"client_order_id":"np-1-x","order_configuration":{"limit_limit_gtc":{"base_size":"0.12345678","limit_price":"68000.12","post_only":true}},"product_id":"BTC-USD","side":"SELL"}"#)
        #expect(sell.baseSize == 0.12345678)
        let ioc = try CoinbaseOrderBody.create(order(.sell, .limit(price: 70000), .base(0.01), ioc: true), product: product, takerFee: 0.012)
        #expect(json(ioc) == #"{"client_order_id":"np-1-x","order_configuration":{"sor_limit_ioc":{"base_size":"0.01000000","limit_price":"70000.00"}},"product_id":"BTC-USD","side":"SELL"}"#)
        // A protective stop is a stop-limit; a sell's triggers when the price falls.
        let stop = try CoinbaseOrderBody.create(order(.sell, .stopLimit(trigger: 60000, limit: 59900), .base(0.01)), product: product, takerFee: 0.012)
        #expect(json(stop) == #"{"client_order_id":"np-1-x","order_configuration":{"stop_limit_stop_limit_gtc":{"base_size":"0.01000000","limit_price":"59900.00","stop_direction":"STOP_DIRECTION_STOP_DOWN","stop_price":"60000.00"}},"product_id":"BTC-USD","side":"SELL"}"#)
        // A limit buy given by quote is sized at its own price, fee included.
        let lim = try CoinbaseOrderBody.create(order(.buy, .limit(price: 50000), .quoteIncludingFee(506)), product: product, takerFee: 0.012)
        #expect(lim.baseSize == 0.01)
    }

    @Test func whatCoinbaseWouldRefuseIsNotSent() {
        #expect(refusal(order(.sell, .stop(trigger: 60000), .base(0.01)))?.reason == .unsupportedOrder)
        #expect(refusal(order(.sell, .market, .base(0.01), leverage: 2))?.reason == .unsupportedOrder)
        #expect(refusal(order(.sell, .market, .base(0.000000001)))?.reason == .belowMinimum)
        let small = refusal(order(.sell, .limit(price: 1.0), .base(0.5)))
        #expect(small?.reason == .belowMinimum)
        #expect(small?.message.contains("quote_min_size 1") == true)
        #expect(refusal(order(.buy, .market, .quoteIncludingFee(0.5)))?.reason == .belowMinimum)
        #expect(refusal(order(.buy, .limit(price: .nan), .base(1)))?.reason == .invalidOrder)
        #expect(refusal(order(.buy, .market, .base(1), client: ""))?.reason == .invalidOrder)
        var closed = product
        closed.tradingDisabled = true
        #expect(throws: CoinbaseOrderBody.Refusal.self) {
            try CoinbaseOrderBody.create(order(.buy, .market, .base(1)), product: closed, takerFee: 0.012)
        }
    }

    @Test func cancelsGoInChunksOfAHundred() throws {
        let ids = (1...250).map { "o-\($0)" }
        let bodies = CoinbaseOrderBody.batchCancel(ids)
        let counts = try bodies.map { try (JSONSerialization.jsonObject(with: $0) as! [String: [String]])["order_ids"]!.count }
        #expect(counts == [100, 100, 50])
        #expect(CoinbaseOrderBody.batchCancel([]).isEmpty)
    }
}
