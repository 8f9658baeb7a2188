import Foundation
import NovaCore
import NovaVenue

/// The engine's order as the body of Coinbase's `POST /orders` (exchange-crib.md §3.4),
/// checked against the product's rules before anything is sent. No networking.
///
/// | engine order | `order_configuration` |
/// |---|---|
/// | market, by quote (a long's entry) | `market_market_ioc.quote_size` (the budget less the taker fee) |
/// | market, in base | `market_market_ioc.base_size` |
/// | limit (post-only or not) | `limit_limit_gtc {base_size, limit_price, post_only}` |
/// | limit, immediate-or-cancel | `sor_limit_ioc {base_size, limit_price}` |
/// | stop-limit | `stop_limit_stop_limit_gtc` (a sell: `STOP_DIRECTION_STOP_DOWN`; a buy: `STOP_UP`) |
/// | stop-market, margin | refused: Coinbase spot has neither (the stop is then a stop-limit or software) |
public enum CoinbaseOrderBody {
    /// An order that is not sent: the engine hears it refused at once, with this reason.
    public struct Refusal: Error, Equatable, Sendable {
        public var reason: VenueRejectReason
        public var message: String
    }

    public struct Body: Sendable, Equatable {
        /// The JSON body, keys sorted.
        public var json: Data
        public var clientOrderID: String
        /// The base size sent (nil for a market buy by quote: its units are known at the fill).
        public var baseSize: Double?
        public var quoteSize: Double?
    }

    /// `takerFee`: what a buy given by quote (fee included) leaves room for.
    public static func create(_ o: OrderRequest, product: CoinbaseProduct, takerFee: Double) throws(Refusal) -> Body {
        func refuse(_ r: VenueRejectReason, _ why: String) -> Refusal { Refusal(reason: r, message: "not sent to Coinbase: \(why)") }
        guard !o.clientOrderID.isEmpty else { throw refuse(.invalidOrder, "the order has no client order id (reconciliation could not find it)") }
        if o.leverage != nil { throw refuse(.unsupportedOrder, "Coinbase spot has no margin: a short cannot be opened there") }
        if let why = product.restriction { throw refuse(.unavailable, why) }
        let spec = product.instrument
        let lot = product.baseIncrement.value
        let priceDecimals = CoinbaseProduct.decimals(of: product.priceIncrement.value)
        let sizeDecimals = spec.lotDecimals
        func price(_ p: Double, _ what: String) throws(Refusal) -> String {
            guard p > 0, p.isFinite else { throw refuse(.invalidOrder, "\(what) \(p) is not a positive price") }
            let tick = product.priceIncrement.value
            let onGrid = tick > 0 ? (p / tick).rounded() * tick : p
            return format(onGrid, priceDecimals)
        }
        func base(_ units: Double) throws(Refusal) -> (String, Double) {
            let floored = lot > 0 ? (units / lot + 1e-9).rounded(.down) * lot : units
            guard floored > 0, floored.isFinite else { throw refuse(.belowMinimum, "size \(units) rounds to nothing at increment \(lot)") }
            if floored < spec.minSize - 1e-12 {
                throw refuse(.belowMinimum, "size \(format(floored, sizeDecimals)) is below \(product.productID)'s base_min_size \(spec.minSize)")
            }
            return (format(floored, sizeDecimals), floored)
        }
        func units(at p: Double) throws(Refusal) -> Double {
            switch o.quantity {
            case .base(let q): return q
            case .quoteIncludingFee(let budget):
                guard p > 0, p.isFinite else { throw refuse(.noMarketData, "no price to size a buy of \(budget) \(o.pair.quote)") }
                return budget / (p * (1 + takerFee))
            }
        }
        var config: [String: Any]
        var baseSize: Double?
        var quoteSize: Double?
        switch o.kind {
        case .market:
            switch o.quantity {
            case .quoteIncludingFee(let budget):
                let q = product.quoteIncrement.value
                let spend = q > 0 ? (budget / (1 + takerFee) / q + 1e-9).rounded(.down) * q : budget / (1 + takerFee)
                guard spend > 0, spend.isFinite else { throw refuse(.belowMinimum, "quote size \(budget) rounds to nothing") }
                if spec.minCost > 0 && spend < spec.minCost - 1e-12 {
                    throw refuse(.belowMinimum, "quote size \(spend) is below \(product.productID)'s quote_min_size \(spec.minCost)")
                }
                quoteSize = spend
                config = ["market_market_ioc": ["quote_size": format(spend, CoinbaseProduct.decimals(of: q))]]
            case .base(let u):
                let (s, v) = try base(u)
                baseSize = v
                config = ["market_market_ioc": ["base_size": s]]
            }
        case .limit(let p):
            let lp = try price(p, "limit price")
            let (s, v) = try base(try units(at: p))
            baseSize = v
            if o.immediateOrCancel {
                config = ["sor_limit_ioc": ["base_size": s, "limit_price": lp]]
            } else {
                config = ["limit_limit_gtc": ["base_size": s, "limit_price": lp, "post_only": o.postOnly]]
            }
        case .stop:
            throw refuse(.unsupportedOrder, "Coinbase Advanced Trade has no stop-market order; use a stop-limit")
        case .stopLimit(let trigger, let limit):
            let sp = try price(trigger, "stop price")
            let lp = try price(limit, "limit price")
            let (s, v) = try base(try units(at: limit))
            baseSize = v
            config = ["stop_limit_stop_limit_gtc": ["base_size": s, "limit_price": lp, "stop_price": sp,
                                                    "stop_direction": o.side == .sell ? "STOP_DIRECTION_STOP_DOWN" : "STOP_DIRECTION_STOP_UP"]]
        }
        if let b = baseSize, case .limit(let p) = o.kind, spec.minCost > 0, b * p < spec.minCost - 1e-9 {
            throw refuse(.belowMinimum, "value \(b * p) is below \(product.productID)'s quote_min_size \(spec.minCost)")
        }
        let body: [String: Any] = [
            "client_order_id": o.clientOrderID, "product_id": product.productID, "side": o.side == .buy ? "BUY" : "SELL",
            "order_configuration": config,
        ]
        let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Body(json: json, clientOrderID: o.clientOrderID, baseSize: baseSize, quoteSize: quoteSize)
    }

    /// `POST /orders/batch_cancel` bodies, at most 100 ids each (exchange-crib.md §3.4).
    public static func batchCancel(_ orderIDs: [String], chunk: Int = 100) -> [Data] {
        stride(from: 0, to: orderIDs.count, by: chunk).map { start in
            let ids = Array(orderIDs[start..<min(start + chunk, orderIDs.count)])
            return (try? JSONSerialization.data(withJSONObject: ["order_ids": ids], options: [.sortedKeys])) ?? Data()
        }
    }

    static func format(_ v: Double, _ places: Int) -> String { String(format: "%.\(max(0, places))f", v) }
}
