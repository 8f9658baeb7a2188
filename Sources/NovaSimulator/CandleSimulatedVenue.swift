import NovaCore
import NovaVenue

/// A simulated spot venue that fills orders from OHLCV bars alone.
///
/// Fill rules (conservative: a fill is never better than the bar allows):
/// - **Market** orders fill at the open of the next bar of their pair after they were placed,
///   paying the taker fee. An order still pending when the data ends is never filled.
/// - **Limit** orders: on the first bar after placement, a limit that is already marketable at
///   the open fills at the open as a taker; otherwise it rests and fills at its limit price,
///   as a maker, on the first bar whose range reaches it (low <= buy limit, high >= sell limit).
/// - **Stop** orders trigger when the bar trades through the trigger (low <= sell stop,
///   high >= buy stop) and fill at the trigger, or at the open when the bar opened beyond it
///   (a gap), paying the taker fee.
/// - Orders placed while a bar is matched (a position's stop-loss and take-profit, placed when
///   its entry fills at that bar's open) are matched against the rest of the same bar.
/// - Within one bar, stops are matched before limits, so when a position's stop-loss and
///   take-profit both lie inside the same bar the worse outcome (the stop) happens, and the
///   one-cancels-other group cancels the target.
/// - Fees follow the profile's schedule: the tier reached by the venue's own fills of the
///   trailing 30 days (so heavy trading earns lower rates, as on the exchange).
/// - Orders sized `quoteIncludingFee(q)` buy `q / ((1 + fee) * price)` units, so the fee fits
///   in `q`. Buys need cash for notional plus fee and sells need the units held (spot, no
///   shorting); otherwise the order is rejected with `insufficient_funds` at fill time.
/// No volume cap, partial fills, latency or queue model yet: those arrive with the
/// matching-engine issue, behind their own model types.
public struct CandleSimulatedVenue: Venue {
    public let profile: VenueProfile
    /// Quote-currency cash held at the venue.
    public private(set) var cash: Double
    /// Base units held per pair.
    public private(set) var holdings: [Pair: Double] = [:]
    /// Resting orders in placement (id) order. A handful at most: linear scans beat hashing.
    private var resting: [Resting] = []

    private struct Resting {
        var order: OrderRequest
        /// Bars of its pair matched against so far: an order may not fill on the bar it was
        /// decided on, only from the next one.
        var barsSeen = 0
        /// Timestamp of the last bar it was matched against (so each bar matches it once).
        var matchedAtMs = Int64.min
    }

    /// Fills of the last 30 days (time, quote notional), oldest first, for the fee tier.
    private var recentFills: [(timestampMs: Int64, notional: Double)] = []
    private var recentHead = 0
    /// Quote volume traded in the 30 days before the latest fill.
    public private(set) var volume30d = 0.0

    public init(profile: VenueProfile, initialCash: Double) {
        self.profile = profile
        self.cash = initialCash
    }

    public var openOrders: [OrderRequest] { resting.map(\.order) }

    public mutating func submit(_ order: OrderRequest, events: inout [VenueEvent]) {
        if case .base(let q) = order.quantity, !(q > 0) || !q.isFinite {
            events.append(.rejected(order.id, reason: .invalidOrder, message: "quantity must be positive, got \(q)", atMs: order.createdAtMs))
            return
        }
        if case .quoteIncludingFee(let q) = order.quantity, !(q > 0) || !q.isFinite {
            events.append(.rejected(order.id, reason: .invalidOrder, message: "cost must be positive, got \(q)", atMs: order.createdAtMs))
            return
        }
        resting.append(Resting(order: order))
        events.append(.accepted(order.id, atMs: order.createdAtMs))
    }

    public mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent]) {
        guard let index = resting.firstIndex(where: { $0.order.id == id }) else { return }
        resting.remove(at: index)
        events.append(.cancelled(id, reason: "cancelled by the engine", atMs: atMs))
    }

    public mutating func onBar(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent]) {
        // Orders placed while this bar is being matched (a position's stop and target, placed
        // when its entry fills at the open) are matched against the rest of this same bar:
        // the whole range of the bar happens after the open. So: repeat passes until a pass
        // matches nothing new. Within a pass, markets first (queued for this open), then
        // stops, then limits, each in placement order. No allocation.
        var progressed = true
        while progressed {
            progressed = false
            for pass in 0...2 {
                var k = 0
                while k < resting.count {
                    let r = resting[k]
                    guard r.order.pair == pair, r.matchedAtMs != bar.timestampMs, rank(r.order) == pass else { k += 1; continue }
                    resting[k].matchedAtMs = bar.timestampMs
                    progressed = true
                    let placedIntraBar = r.order.createdAtMs >= bar.timestampMs
                    let firstBar = r.barsSeen == 0 && !placedIntraBar
                    resting[k].barsSeen += 1
                    if let (price, isMaker) = matchPrice(r.order, bar, firstBar: firstBar, placedIntraBar: placedIntraBar) {
                        execute(r.order, price: price, isMaker: isMaker, atMs: bar.timestampMs, events: &events)
                        k = 0   // the book of resting orders changed (fills, one-cancels-other): rescan
                    } else {
                        k += 1
                    }
                }
            }
        }
    }

    private func rank(_ order: OrderRequest) -> Int {
        switch order.kind {
        case .market: return 0
        case .stop: return 1
        case .limit: return 2
        }
    }

    private func matchPrice(_ order: OrderRequest, _ bar: Bar, firstBar: Bool, placedIntraBar: Bool) -> (Double, Bool)? {
        switch order.kind {
        case .market:
            // Placed after this bar opened: its first possible price is the next bar's open.
            return placedIntraBar ? nil : (bar.open, false)
        case .limit(let limit):
            if firstBar {
                if order.side == .buy && bar.open <= limit { return (bar.open, false) }
                if order.side == .sell && bar.open >= limit { return (bar.open, false) }
            }
            if order.side == .buy && bar.low <= limit { return (limit, true) }
            if order.side == .sell && bar.high >= limit { return (limit, true) }
            return nil
        case .stop(let trigger):
            // A gap through the trigger fills at the open (worse), unless the stop was placed
            // after the open, when the trigger itself is the first price it can meet.
            if order.side == .sell && bar.low <= trigger { return (placedIntraBar ? trigger : min(bar.open, trigger), false) }
            if order.side == .buy && bar.high >= trigger { return (placedIntraBar ? trigger : max(bar.open, trigger), false) }
            return nil
        }
    }

    private mutating func execute(_ order: OrderRequest, price: Double, isMaker: Bool, atMs: Int64, events: inout [VenueEvent]) {
        // The fee tier of the trailing 30-day volume (fills before this one).
        let cutoff = atMs - 30 * 86_400_000
        while recentHead < recentFills.count && recentFills[recentHead].timestampMs <= cutoff {
            volume30d -= recentFills[recentHead].notional
            recentHead += 1
        }
        if recentHead > 4096 && recentHead * 2 > recentFills.count {
            recentFills.removeFirst(recentHead)
            recentHead = 0
        }
        let tier = profile.tier(forVolume: volume30d)
        let rate = isMaker ? tier.makerFee : tier.takerFee
        let units: Double
        switch order.quantity {
        case .base(let q): units = q
        case .quoteIncludingFee(let q): units = q / ((1 + rate) * price)
        }
        let notional = units * price
        let fee = notional * rate
        remove(order.id)
        if order.side == .buy {
            // Tolerance: a quote-sized order spends exactly its cash up to rounding.
            if notional + fee > cash * (1 + 1e-12) {
                events.append(.rejected(order.id, reason: .insufficientFunds,
                                        message: "needs \(notional + fee) quote for \(units) at \(price), has \(cash)", atMs: atMs))
                return
            }
            cash -= notional + fee
            if cash < 0 { cash = 0 }
            holdings[order.pair, default: 0] += units
        } else {
            let held = holdings[order.pair, default: 0]
            if units > held * (1 + 1e-12) {
                events.append(.rejected(order.id, reason: .insufficientFunds,
                                        message: "sells \(units) \(order.pair.base) but holds \(held)", atMs: atMs))
                return
            }
            holdings[order.pair] = max(0, held - units)
            cash += notional - fee
        }
        recentFills.append((atMs, notional))
        volume30d += notional
        events.append(.filled(Fill(orderID: order.id, pair: order.pair, side: order.side, price: price, quantity: units,
                                   fee: fee, feeRate: rate, isMaker: isMaker, timestampMs: atMs)))
        if let group = order.ocoGroup, order.cancelsGroupOnFill {
            var k = 0
            while k < resting.count {
                if resting[k].order.ocoGroup == group {
                    let other = resting.remove(at: k).order
                    events.append(.cancelled(other.id, reason: "one-cancels-other: order \(order.id) filled", atMs: atMs))
                } else {
                    k += 1
                }
            }
        }
    }

    private mutating func remove(_ id: OrderID) {
        if let k = resting.firstIndex(where: { $0.order.id == id }) { resting.remove(at: k) }
    }
}
