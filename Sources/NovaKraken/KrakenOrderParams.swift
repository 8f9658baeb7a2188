import Crypto
import Foundation
import NovaCore
import NovaVenue

/// The engine's order as Kraken's AddOrder parameters (exchange-crib.md §1.4, §6), checked
/// against the pair's rules before anything is sent, and what an AddOrder error says about the
/// order's fate. No networking: the live adapter sends the result.
public enum KrakenOrderParams {
    /// Kraken's free-text `cl_ord_id` is at most 18 ASCII characters; longer ids must be UUIDs.
    public static let maxClientOrderIDLength = 18

    /// The `cl_ord_id` Kraken is given for the engine's client order id: the id itself when it
    /// fits Kraken's free-text form, else a UUID derived from it (SHA-256, first 16 bytes), so
    /// the same engine id always maps to the same Kraken id (a restart finds its orders).
    public static func wireClientID(_ id: String) -> String {
        if id.count <= maxClientOrderIDLength, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            return id
        }
        let d = Array(SHA256.hash(data: Data(id.utf8)).prefix(16))
        let hex = d.map { String(format: "%02x", $0) }.joined()
        let c = Array(hex)
        return [String(c[0..<8]), String(c[8..<12]), String(c[12..<16]), String(c[16..<20]), String(c[20..<32])].joined(separator: "-")
    }

    /// An order that is not sent: the engine hears it refused at once, with this reason.
    public struct Refusal: Error, Equatable, Sendable {
        public var reason: VenueRejectReason
        public var message: String
    }

    /// AddOrder's parameters, in a fixed order (the signature covers the exact body), and the
    /// volume sent (Kraken's `order_qty`: what fills count against).
    ///
    /// A buy "by cost" (`quoteIncludingFee`, how the engine sizes a long) becomes a base volume
    /// at its limit price, or for a market order at `referencePrice` (the last close) with
    /// room for the taker fee and `slippage`: Kraken takes volumes in base units. Volumes are
    /// floored to `lot_decimals`, prices put on the tick grid, and `ordermin` / `costmin`
    /// checked here, as Kraken would (§6). `deadlineMs`: Kraken's engine refuses the order after
    /// it, which is what makes a lost reply decidable later.
    public static func addOrder(_ o: OrderRequest, instrument: KrakenInstrument, referencePrice: Double, takerFee: Double,
                                slippage: Double = 0.005, deadlineMs: Int64?) throws(Refusal) -> (params: [(String, String)], volume: Double) {
        func refuse(_ r: VenueRejectReason, _ why: String) -> Refusal { Refusal(reason: r, message: "not sent to Kraken: \(why)") }
        let units: Double
        switch o.quantity {
        case .base(let q): units = q
        case .quoteIncludingFee(let budget):
            let price: Double
            if case .limit(let p) = o.kind { price = p } else { price = referencePrice }
            guard price > 0, price.isFinite else { throw refuse(.noMarketData, "no reference price to size a buy of \(budget) \(o.pair.quote)") }
            units = budget / (price * (1 + takerFee) * (o.kind == .market ? 1 + slippage : 1))
        }
        let volume = floorDecimal(units, instrument.lotDecimals)
        guard volume > 0, volume.isFinite else {
            throw refuse(.belowMinimum, "volume \(units) rounds to nothing at \(instrument.lotDecimals) decimals")
        }
        if volume < instrument.orderMin {
            throw refuse(.belowMinimum, "volume \(format(volume, instrument.lotDecimals)) is below \(o.pair)'s ordermin \(instrument.orderMin)")
        }
        let tick = instrument.tickSize > 0 ? instrument.tickSize : pow(10, -Double(instrument.pairDecimals))
        func px(_ p: Double) -> String { format((p / tick).rounded() * tick, instrument.pairDecimals) }
        let costPrice: Double
        switch o.kind {
        case .market: costPrice = referencePrice
        case .limit(let p), .stop(let p): costPrice = p
        case .stopLimit(_, let l): costPrice = l
        }
        if costPrice > 0, volume * costPrice < instrument.costMin {
            throw refuse(.belowMinimum, "cost \(volume * costPrice) is below \(o.pair)'s costmin \(instrument.costMin)")
        }
        var p: [(String, String)] = [("pair", instrument.altname), ("type", o.side == .buy ? "buy" : "sell")]
        switch o.kind {
        case .market: p.append(("ordertype", "market"))
        case .limit(let price): p += [("ordertype", "limit"), ("price", px(price))]
        case .stop(let trigger): p += [("ordertype", "stop-loss"), ("price", px(trigger))]
        case .stopLimit(let trigger, let limit): p += [("ordertype", "stop-loss-limit"), ("price", px(trigger)), ("price2", px(limit))]
        }
        p.append(("volume", format(volume, instrument.lotDecimals)))
        if o.postOnly, case .limit = o.kind { p.append(("oflags", "post")) }
        if o.immediateOrCancel { p.append(("timeinforce", "IOC")) }
        if let leverage = o.leverage {
            p.append(("leverage", leverage == leverage.rounded() ? String(Int(leverage)) : String(leverage)))
            // A margin buy closes the short it belongs to, never opens a long on margin.
            if o.side == .buy { p.append(("reduce_only", "true")) }
        }
        p.append(("cl_ord_id", wireClientID(o.clientOrderID)))
        if let deadlineMs { p.append(("deadline", UTCTime.iso(deadlineMs))) }
        return (p, volume)
    }

    /// Whether an AddOrder error means the order is not on the book (Kraken answered, and said
    /// no), or that its fate is unknown (a timeout, a 5xx page, an error that may come after
    /// the engine took it): the latter is settled by reconciliation through `cl_ord_id`, never
    /// by sending again.
    public static func isDefiniteReject(_ e: KrakenError) -> Bool {
        // The id is already on an open order: ours, sent by an earlier process (client ids are
        // deterministic). Not a reject: that order is the one, found by its id.
        if isDuplicateClientID(e) { return false }
        switch e.kind {
        case .rateLimit, .nonce, .authentication, .insufficientFunds, .invalidOrder, .marketRestricted: return true
        case .transient: return e.message == "EService:Deadline elapsed"
        case .unknownOrder, .transport, .unknown: return false
        }
    }

    /// Kraken refused the `cl_ord_id` as one an open order already has [? the exact text is
    /// not documented: any error naming a duplicate].
    public static func isDuplicateClientID(_ e: KrakenError) -> Bool { e.message.lowercased().contains("duplicate") }

    static func floorDecimal(_ v: Double, _ places: Int) -> Double {
        let f = pow(10, Double(places))
        // A hair of tolerance: 0.3 / 0.1 must not floor to 2.
        return (v * f + 1e-7).rounded(.down) / f
    }

    static func format(_ v: Double, _ places: Int) -> String { String(format: "%.\(max(0, places))f", v) }
}
