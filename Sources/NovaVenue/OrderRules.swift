import NovaCore

/// The checks an exchange makes when an order arrives, before it reaches the book
/// (exchange-crib.md section 6): order type offered, positive quantity, price on the tick grid,
/// size on the lot grid, minimum size and cost. The simulator runs them on every order; a live
/// adapter can run them before sending, to fail fast with the same reason.
public enum OrderRules {
    public struct Violation: Sendable, Equatable, Codable {
        public var reason: VenueRejectReason
        public var message: String
    }

    /// The first rule `order` breaks on `profile`'s exchange, or nil. `referencePrice` (the last
    /// known price) values quote-sized and market orders for the cost minimum.
    public static func check(_ order: OrderRequest, profile: VenueProfile, referencePrice: Double?) -> Violation? {
        let spec = profile.instrument(order.pair)
        let ex = profile.exchange
        func fail(_ r: VenueRejectReason, _ detail: String) -> Violation {
            Violation(reason: r, message: "\(r.exchangeCode(ex)): \(detail)")
        }
        if case .stop = order.kind, !profile.supportsStopMarket {
            return fail(.unsupportedOrder, "\(ex) has no stop-market order; use a stop-limit")
        }
        if order.postOnly, case .limit = order.kind {} else if order.postOnly {
            return fail(.unsupportedOrder, "post-only applies to limit orders only")
        }
        var prices: [(String, Double)] = []
        switch order.kind {
        case .market: break
        case .limit(let p): prices = [("limit price", p)]
        case .stop(let t): prices = [("trigger price", t)]
        case .stopLimit(let t, let l):
            prices = [("trigger price", t), ("limit price", l)]
            if (order.side == .sell && l > t) || (order.side == .buy && l < t) {
                return fail(.invalidOrder, "a \(order.side.rawValue) stop-limit's limit \(l) is on the wrong side of its trigger \(t)")
            }
        }
        for (name, p) in prices {
            guard p > 0 && p.isFinite else { return fail(.invalidOrder, "\(name) must be positive, got \(p)") }
            guard spec.isOnTick(p) else {
                let code = ex == .kraken ? "EOrder:Tick size check failed" : VenueRejectReason.invalidOrder.exchangeCode(ex)
                return Violation(reason: .invalidOrder, message: "\(code): \(name) \(p) is not a multiple of the tick \(spec.tickSize)")
            }
        }
        let price = prices.last?.1 ?? referencePrice
        switch order.quantity {
        case .base(let q):
            let sizeCode = ex == .kraken ? "EGeneral:Invalid arguments:volume" : "INVALID_SIZE_PRECISION"
            guard q > 0 && q.isFinite else { return Violation(reason: .invalidOrder, message: "\(sizeCode): quantity must be positive, got \(q)") }
            guard spec.isOnLot(q) else {
                return Violation(reason: .invalidOrder, message: "\(sizeCode): \(q) has more than \(spec.lotDecimals) decimals")
            }
            if q < spec.minSize * (1 - 1e-12) {
                return fail(.belowMinimum, "\(q) \(order.pair.base) is below the minimum \(spec.minSize)")
            }
            if let price, spec.minCost > 0, q * price < spec.minCost * (1 - 1e-12) {
                let code = ex == .kraken ? "EOrder:Cost minimum not met" : VenueRejectReason.belowMinimum.exchangeCode(ex)
                return Violation(reason: .belowMinimum, message: "\(code): \(q * price) \(order.pair.quote) is below the minimum cost \(spec.minCost)")
            }
        case .quoteIncludingFee(let q):
            guard q > 0 && q.isFinite else {
                return Violation(reason: .invalidOrder, message: "\(ex == .kraken ? "EGeneral:Invalid arguments:volume" : "INVALID_SIZE_PRECISION"): cost must be positive, got \(q)")
            }
            if spec.minCost > 0 && q < spec.minCost {
                let code = ex == .kraken ? "EOrder:Cost minimum not met" : VenueRejectReason.belowMinimum.exchangeCode(ex)
                return Violation(reason: .belowMinimum, message: "\(code): \(q) \(order.pair.quote) is below the minimum cost \(spec.minCost)")
            }
        }
        return nil
    }
}
