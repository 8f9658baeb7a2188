import NovaCore
import NovaVenue

/// Shorts on margin, as Kraken runs them (`MarginRules`, docs/venues.md "Shorts on margin").
/// A margin sell borrows the base and sells it: the proceeds are not credited, only the trade
/// fee and the opening fee are charged. A margin buy closes the short (reduce-only): its P&L
/// against the position's average price is settled in quote. Every 4 hours from the opening a
/// rollover fee is charged on the value borrowed, and when the margin level (equity over used
/// margin) falls to the liquidation level within a bar, the venue buys the position back itself.
public struct MarginPosition: Sendable, Equatable, Codable {
    /// Units borrowed and sold (positive).
    public var units: Double
    public var averagePrice: Double
    public var leverage: Double
    public var openedMs: Int64
    var nextRolloverMs: Int64
}

extension SimulatedVenue {
    /// The account's equity as Kraken counts it for margin: the quote balance, spot holdings at
    /// their last price, and the unrealised P&L of margin positions (`price(pair)` for each).
    func marginEquity(_ price: (Pair) -> Double) -> Double {
        var e = cash
        for (pair, units) in holdings where units > 0 { e += units * price(pair) }
        for (pair, p) in shorts { e += (p.averagePrice - price(pair)) * p.units }
        return e
    }

    func usedMargin(_ price: (Pair) -> Double) -> Double {
        shorts.reduce(0) { $0 + $1.value.units * price($1.key) / $1.value.leverage }
    }

    func lastPrice(_ pair: Pair) -> Double {
        guard let id = pairIDs[pair] else { return .nan }
        return pairs[id].lastPrice
    }

    /// A margin order's entry checks: the venue has margin, the pair is on margin within its
    /// leverage, and only shorts (a margin buy closes one). Returns the refusal, or nil.
    func marginRefusal(_ order: OrderRequest) -> String? {
        guard let lev = order.leverage else { return nil }
        guard let rules = profile.margin else {
            return "\(profile.exchange.rawValue) spot has no margin: a short cannot be opened"
        }
        let limit = rules.leverageLimit(order.pair)
        guard limit >= 2 else { return "EGeneral:Invalid arguments:leverage: \(order.pair) is not offered on margin" }
        guard lev >= 2 && lev <= limit else { return "EGeneral:Invalid arguments:leverage: \(lev) outside 2-\(limit) for \(order.pair)" }
        if order.side == .buy, shorts[order.pair] == nil { return "EOrder:Insufficient margin: no short position in \(order.pair) to close (margin longs are not simulated)" }
        return nil
    }

    /// Units of a margin fill of working order `k`: a buy closes at most the short; a sell must
    /// leave the margin level at or above the opening level. nil: refused (the order ended).
    mutating func marginQuantity(_ k: Int, _ qty: Double, price: Double, rate: Double, atMs: Int64, events: inout [VenueEvent]) -> Double? {
        let order = working[k].order
        let rules = profile.margin!
        if order.side == .buy {
            guard let p = shorts[order.pair] else {
                working.remove(at: k)
                reject(order.id, .insufficientFunds, "EOrder:Insufficient margin: no short position in \(order.pair) to close", atMs: atMs, events: &events)
                return nil
            }
            return min(qty, p.units)
        }
        let at: (Pair) -> Double = { $0 == order.pair ? price : self.lastPrice($0) }
        let notional = qty * price
        let equityAfter = marginEquity(at) - notional * (rate + rules.openingFeeRate)
        let usedAfter = usedMargin(at) + notional / order.leverage!
        guard equityAfter >= usedAfter * rules.minOpeningLevel else {
            let message = "EOrder:Insufficient margin: a short of \(qty) \(order.pair.base) at \(price) would leave a margin level of "
                + "\(Int((equityAfter / usedAfter * 100).rounded()))% (opening needs \(Int(rules.minOpeningLevel * 100))%)"
            end(k, .insufficientFunds, message, partly: message, atMs: atMs, events: &events)
            return nil
        }
        return qty
    }

    /// Books a margin fill: a sell opens or adds to the short (trade fee and opening fee
    /// charged), a buy settles the P&L of the units bought back. Returns the opening fee line,
    /// for the caller to report after the fill.
    mutating func applyMarginFill(_ order: OrderRequest, qty: Double, price: Double, fee: Double, atMs: Int64) -> VenueEvent? {
        let rules = profile.margin!
        if order.side == .sell {
            let openingFee = qty * price * rules.openingFeeRate
            cash -= fee + openingFee
            if var p = shorts[order.pair] {
                p.averagePrice = (p.averagePrice * p.units + price * qty) / (p.units + qty)
                p.units += qty
                shorts[order.pair] = p
            } else {
                shorts[order.pair] = MarginPosition(units: qty, averagePrice: price, leverage: order.leverage!, openedMs: atMs,
                                                    nextRolloverMs: atMs + rules.rolloverIntervalMs)
            }
            stats.marginFees += openingFee
            return .marginCharge(pair: order.pair, amount: openingFee, kind: .opening, atMs: atMs)
        }
        var p = shorts[order.pair]!
        cash += (p.averagePrice - price) * qty - fee
        p.units -= qty
        shorts[order.pair] = p.units > 1e-12 ? p : nil
        return nil
    }

    /// After a bar of `pair` was matched: liquidation if the bar's high took the margin level to
    /// the liquidation level, then the rollover fees whose time the bar reached.
    mutating func marginBar(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent]) {
        guard let rules = profile.margin, var p = shorts[pair] else { return }
        let others: (Pair) -> Double = { self.lastPrice($0) }
        let baseEquity = marginEquity(others) - (p.averagePrice - lastPrice(pair).nanTo(p.averagePrice)) * p.units
        let usedOthers = usedMargin(others) - p.units * lastPrice(pair).nanTo(p.averagePrice) / p.leverage
        let level = { (price: Double) in (baseEquity + (p.averagePrice - price) * p.units) / (usedOthers + p.units * price / p.leverage) }
        if level(bar.high) <= rules.liquidationLevel {
            // The price at which the level reaches the liquidation level; a bar that opened
            // beyond it fills at its open.
            let L = rules.liquidationLevel
            let trigger = (baseEquity + p.averagePrice * p.units - L * usedOthers) / (p.units * (1 + L / p.leverage))
            liquidate(pair, p, price: min(bar.high, max(bar.open, trigger)), atMs: bar.timestampMs, events: &events)
            return
        }
        let closeMs = bar.timestampMs + settings.barMs
        while p.nextRolloverMs <= closeMs {
            let charge = p.units * bar.close * rules.rolloverFeeRate
            cash -= charge
            stats.marginFees += charge
            events.append(.marginCharge(pair: pair, amount: charge, kind: .rollover, atMs: p.nextRolloverMs))
            p.nextRolloverMs += rules.rolloverIntervalMs
        }
        shorts[pair] = p
    }

    /// The venue buys the short back at `price` (taker fee) and cancels the pair's margin orders.
    mutating func liquidate(_ pair: Pair, _ p: MarginPosition, price: Double, atMs: Int64, events: inout [VenueEvent]) {
        let rate = ledger.tier(profile, atMs: atMs).takerFee
        let fee = p.units * price * rate
        cash += (p.averagePrice - price) * p.units - fee
        shorts[pair] = nil
        ledger.record(atMs: atMs, notional: p.units * price)
        stats.liquidations += 1
        events.append(.liquidated(Fill(orderID: 0, pair: pair, side: .buy, price: price, quantity: p.units, fee: fee, feeRate: rate,
                                       isMaker: false, timestampMs: atMs)))
        cancelWhere(atMs: atMs, reason: "margin position liquidated", events: &events) { $0.pair == pair && $0.leverage != nil }
    }
}

extension Double {
    func nanTo(_ fallback: Double) -> Double { isNaN ? fallback : self }
}
