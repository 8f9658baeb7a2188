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
    private var open: [OrderRequest] = []
    /// Orders placed since the last bar of their pair: they may not fill on data they were
    /// decided on, only from the next bar on.
    private var barsSeen: [OrderID: Int] = [:]

    public init(profile: VenueProfile, initialCash: Double) {
        self.profile = profile
        self.cash = initialCash
    }

    public var openOrders: [OrderRequest] { open }

    public mutating func submit(_ order: OrderRequest, events: inout [VenueEvent]) {
        if case .base(let q) = order.quantity, !(q > 0) || !q.isFinite {
            events.append(.rejected(order.id, reason: .invalidOrder, message: "quantity must be positive, got \(q)", atMs: order.createdAtMs))
            return
        }
        if case .quoteIncludingFee(let q) = order.quantity, !(q > 0) || !q.isFinite {
            events.append(.rejected(order.id, reason: .invalidOrder, message: "cost must be positive, got \(q)", atMs: order.createdAtMs))
            return
        }
        open.append(order)
        barsSeen[order.id] = 0
        events.append(.accepted(order.id, atMs: order.createdAtMs))
    }

    public mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent]) {
        guard let index = open.firstIndex(where: { $0.id == id }) else { return }
        open.remove(at: index)
        barsSeen[id] = nil
        events.append(.cancelled(id, reason: "cancelled by the engine", atMs: atMs))
    }

    public mutating func onBar(_ pair: Pair, _ bar: BarData, events: inout [VenueEvent]) {
        guard open.contains(where: { $0.pair == pair }) else { return }
        var processed = Set<OrderID>()
        // Orders placed while this bar is being matched (a position's stop and target, placed
        // when its entry fills at the open) are matched against the rest of this same bar:
        // the whole range of the bar happens after the open. Loop until no new order appears.
        while true {
            // Markets first (they were queued for this open), then stops, then limits.
            let candidates = open.filter { $0.pair == pair && !processed.contains($0.id) }
                .sorted { rank($0) != rank($1) ? rank($0) < rank($1) : $0.id < $1.id }
            if candidates.isEmpty { break }
            for order in candidates {
                processed.insert(order.id)
                guard open.contains(where: { $0.id == order.id }) else { continue } // cancelled by OCO meanwhile
                let placedIntraBar = order.createdAtMs >= bar.timestampMs
                let firstBar = barsSeen[order.id] == 0 && !placedIntraBar
                barsSeen[order.id, default: 0] += 1
                guard let (price, isMaker) = matchPrice(order, bar, firstBar: firstBar, placedIntraBar: placedIntraBar) else { continue }
                execute(order, price: price, isMaker: isMaker, atMs: bar.timestampMs, events: &events)
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

    private func matchPrice(_ order: OrderRequest, _ bar: BarData, firstBar: Bool, placedIntraBar: Bool) -> (Double, Bool)? {
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
        let rate = isMaker ? profile.makerFee : profile.takerFee
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
        events.append(.filled(Fill(orderID: order.id, pair: order.pair, side: order.side, price: price, quantity: units,
                                   fee: fee, feeRate: rate, isMaker: isMaker, timestampMs: atMs)))
        if let group = order.ocoGroup {
            for other in open where other.ocoGroup == group {
                remove(other.id)
                events.append(.cancelled(other.id, reason: "one-cancels-other: order \(order.id) filled", atMs: atMs))
            }
        }
    }

    private mutating func remove(_ id: OrderID) {
        open.removeAll { $0.id == id }
        barsSeen[id] = nil
    }
}
