import Foundation
import NovaCore
import NovaMarketData
import NovaVenue

/// The simulated Kraken or Coinbase spot venue: the exchange's rules and fees (from its
/// `VenueProfile`), an account, and a matching engine that fills orders either from candles or
/// by replaying order-book snapshots (`SimulatorSettings.fillModel`).
///
/// What happens to an order (docs/venues.md has the full rules):
/// 1. `submit`: the exchange's entry checks (`OrderRules`: order type offered, tick and lot
///    grids, minimum size and cost), then the seeded fault profile (outage, rate limit, reject).
/// 2. It reaches the matching engine at its decision time plus `latencyMs` (a decision is made
///    at the close of its bar; orders placed on a fill are decided at the fill).
/// 3. Matching: `CandleMatching` or `BookMatching`. A fill can be partial (volume cap, book
///    depth, queue, injected fault); the rest keeps working and `Fill.leavesQuantity` says how
///    much is left. Fees: the tier of the venue's own trailing 30-day volume, maker for a fill
///    of an order that rested, taker otherwise.
/// 4. Spot account: buys need the cash for notional plus fee; a sell fills at most the units
///    held (reduce-only), and once a pair's holdings are sold, its other sell orders are
///    cancelled. Balances are not reserved for resting orders.
/// 5. One-cancels-other: when an order with `cancelsGroupOnFill` completes, the rest of its
///    group is cancelled.
public struct SimulatedVenue: ReplayVenue, Codable {
    public let profile: VenueProfile
    public let settings: SimulatorSettings
    /// Quote-currency cash held at the venue.
    public internal(set) var cash: Double
    /// Base units held per pair.
    public internal(set) var holdings: [Pair: Double] = [:]
    /// Margin shorts per pair (`MarginAccount.swift`).
    public internal(set) var shorts: [Pair: MarginPosition] = [:]
    public internal(set) var stats = SimulatorStats()

    /// Working orders in placement (id) order. A handful at most: linear scans beat hashing.
    var working: [WorkingOrder] = []
    var ledger = FeeLedger()
    var random: SeededRandom
    var books: [Pair: BookFeed] = [:]
    /// Per pair, indexed by `pairID`: plain arrays, because hashing a `Pair` (two strings) on
    /// every bar cost more than the matching itself (measured: buy-and-hold replay 0.42 s vs 0.07 s).
    var pairs: [PairState] = []
    var pairIDs: [Pair: Int] = [:]
    var cachedPair: Pair?
    var cachedPairID = 0

    struct PairState: Codable {
        /// Last close seen: values market orders for the cost minimum.
        var lastPrice = Double.nan
        /// Candle model: the bar whose volume is being used, and how much of it orders took.
        var volumeBarMs = Int64.min
        var volumeUsed = 0.0
        /// The bar last counted in the stats (the replay shows a bar more than once).
        var countedBarMs = Int64.min
        /// Open time of the bar last replayed: an order decided before that bar's close was
        /// placed while the bar was being matched (on a fill) and meets the rest of it.
        var replayedBarMs = Int64.min
    }

    /// The pair as a small number; the last one asked for is remembered (bars of one pair
    /// come in runs).
    mutating func pairID(_ pair: Pair) -> Int {
        if let c = cachedPair, c == pair { return cachedPairID }
        let id: Int
        if let known = pairIDs[pair] {
            id = known
        } else {
            id = pairIDs.count
            pairIDs[pair] = id
            pairs.append(PairState())
        }
        cachedPair = pair
        cachedPairID = id
        return id
    }

    struct WorkingOrder: Codable {
        var order: OrderRequest
        /// The pair as a small number (`pairIDs`): hot loops compare it instead of two strings.
        var pairID: Int
        /// Units ordered (nil for a quote-sized order: it spends its budget, fee included, at
        /// whatever prices it fills).
        var units: Double?
        var filled = 0.0
        /// Quote spent so far, fees included.
        var spent = 0.0
        /// When it reaches the matching engine (set when a bar first shows it).
        var arrivalMs: Int64?
        /// Placed during the bar it is first matched against (a stop placed on an entry fill).
        var intraBar = false
        var barsActive = 0
        /// Candle model: the bar it was last matched against (each bar matches it once).
        var matchedAtMs = Int64.min
        /// Book model: the snapshot time it was last matched against.
        var bookSeenMs = Int64.min
        /// Next trade of the tape to apply to it (book model).
        var tapeIndex = -1
        /// A stop whose trigger was reached: now a market (stop) or limit (stop-limit) order.
        var triggered = false
        /// It has rested on the book: its later fills are maker fills.
        var resting = false
        /// Book model: units ahead of it at its price level.
        var queueAhead = 0.0

        var remaining: Double? { units.map { max(0, $0 - filled) } }

        /// Units it still wants at `price` with fee `rate`: what is left of a base order, or
        /// what the rest of a quote budget buys there (cut to the lot grid).
        func wanted(price: Double, rate: Double, spec: InstrumentSpec) -> Double {
            if let r = remaining { return r }
            guard case .quoteIncludingFee(let q) = order.quantity else { return 0 }
            return spec.floorUnits(max(0, q - spent) / ((1 + rate) * price))
        }
    }

    /// Order-book snapshots (and, if imported, trades) of a pair for the book model.
    struct BookFeed: Codable {
        var snapshots: OrderBookSeries
        var trades: TradeTape?
        /// Liquidity taken from the current snapshot by earlier orders (per level).
        var consumedSnapshot = -1
        var consumedBid: [Double]
        var consumedAsk: [Double]

        // Recorded order-book data is the backtest's, never a live session's (paper fills from
        // candles): a checkpoint of a venue holding it is refused rather than written in full.
        init(snapshots: OrderBookSeries, trades: TradeTape?, consumedBid: [Double], consumedAsk: [Double]) {
            self.snapshots = snapshots; self.trades = trades; self.consumedBid = consumedBid; self.consumedAsk = consumedAsk
        }
        init(from decoder: any Decoder) throws {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "order-book data is not checkpointed"))
        }
        func encode(to encoder: any Encoder) throws {
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "a venue replaying order-book data is not checkpointed"))
        }
    }

    public init(profile: VenueProfile, initialCash: Double, settings: SimulatorSettings = SimulatorSettings()) {
        self.profile = profile
        self.cash = initialCash
        self.settings = settings
        self.random = SeededRandom(seed: settings.seed)
    }

    /// Gives the book model a pair's snapshots (and trades, for queue positions and stop
    /// triggers). Bars without snapshots fall back to the candle rules.
    public mutating func attachBook(_ pair: Pair, snapshots: OrderBookSeries, trades: TradeTape? = nil) {
        books[pair] = BookFeed(snapshots: snapshots, trades: trades,
                               consumedBid: [Double](repeating: 0, count: snapshots.depth),
                               consumedAsk: [Double](repeating: 0, count: snapshots.depth))
    }

    public var openOrders: [OrderRequest] { working.map(\.order) }
    public var barMs: Int64 { settings.barMs }
    /// Quote volume of the trailing 30 days (the fee tier's measure).
    public var volume30d: Double { ledger.volume30d }

    // MARK: Venue

    public mutating func submit(_ order: OrderRequest, events: inout [VenueEvent]) {
        stats.ordersReceived += 1
        let last = pairs.isEmpty ? .nan : pairs[pairID(order.pair)].lastPrice
        if let v = OrderRules.check(order, profile: profile, referencePrice: last.isNaN ? nil : last) {
            reject(order.id, v.reason, v.message, atMs: order.createdAtMs, events: &events)
            return
        }
        if let why = marginRefusal(order) {
            reject(order.id, .invalidOrder, why, atMs: order.createdAtMs, events: &events)
            return
        }
        if let (reason, message) = injectedRefusal(order) {
            stats.faultsInjected[reason.rawValue, default: 0] += 1
            reject(order.id, reason, "\(reason.exchangeCode(profile.exchange)) (injected fault: \(message))", atMs: order.createdAtMs, events: &events)
            return
        }
        var w = WorkingOrder(order: order, pairID: pairID(order.pair))
        if case .base(let q) = order.quantity { w.units = q }
        let shown = pairs[w.pairID].replayedBarMs
        w.intraBar = shown != .min && order.createdAtMs < shown + settings.barMs
        working.append(w)
        events.append(.accepted(order.id, atMs: order.createdAtMs))
    }

    public mutating func cancel(_ id: OrderID, atMs: Int64, events: inout [VenueEvent]) {
        guard let index = working.firstIndex(where: { $0.order.id == id }) else {
            let code = profile.exchange == .kraken ? "EOrder:Unknown order" : "UNKNOWN_CANCEL_ORDER"
            events.append(.cancelRejected(id, reason: "\(code): order \(id) is not open", atMs: atMs))
            return
        }
        working.remove(at: index)
        events.append(.cancelled(id, reason: "cancelled by the engine", atMs: atMs))
    }

    public mutating func replay(_ pair: Pair, _ bar: Bar, events: inout [VenueEvent]) {
        let pid = pairID(pair)
        defer { pairs[pid].lastPrice = bar.close }
        pairs[pid].replayedBarMs = bar.timestampMs
        // Immediate-or-cancel orders meet one bar: what they do not fill in it is cancelled.
        let immediate = working.isEmpty ? [] : working.filter { $0.pairID == pid && $0.order.immediateOrCancel }.map(\.order.id)
        defer { if !immediate.isEmpty { cancelUnfilledImmediate(immediate, atMs: bar.timestampMs, events: &events) } }
        let firstShow = pairs[pid].countedBarMs != bar.timestampMs
        pairs[pid].countedBarMs = bar.timestampMs
        if settings.fillModel == .book, books[pair] != nil, let window = bookWindow(pair, bar) {
            if firstShow { stats.barsMatchedOnBook += 1; stats.bookUpdates += window.count }
            if !working.isEmpty { matchOnBook(pair, bar, window: window, events: &events) }
        } else {
            if firstShow && settings.fillModel == .book { stats.barsMatchedOnCandles += 1 }
            if !working.isEmpty { matchOnCandle(pair, bar, events: &events) }
        }
        if !shorts.isEmpty { marginBar(pair, bar, events: &events) }
    }

    mutating func cancelUnfilledImmediate(_ ids: [OrderID], atMs: Int64, events: inout [VenueEvent]) {
        for id in ids {
            guard let k = working.firstIndex(where: { $0.order.id == id }) else { continue }
            working.remove(at: k)
            events.append(.cancelled(id, reason: "immediate-or-cancel: not filled at once", atMs: atMs))
        }
    }

    // MARK: Shared by both models

    func rank(_ w: WorkingOrder) -> Int {
        if w.triggered {
            if case .stop = w.order.kind { return 0 }
        }
        switch w.order.kind {
        case .market: return 0
        case .stop, .stopLimit: return 1
        case .limit: return 2
        }
    }

    /// When an order first meets the matching engine: its decision time plus the latency.
    mutating func arrival(_ k: Int) -> Int64 {
        if let a = working[k].arrivalMs { return a }
        let a = working[k].order.createdAtMs + settings.latencyMs
        working[k].arrivalMs = a
        return a
    }

    /// Fills up to `maxUnits` of working order `k` at `price`. Returns false when nothing was
    /// filled (no units left under the cap, or the order ended: rejected for funds).
    @discardableResult
    mutating func execute(_ k: Int, maxUnits: Double, price: Double, isMaker: Bool, atMs: Int64, events: inout [VenueEvent]) -> Bool {
        let order = working[k].order
        let spec = profile.instrument(order.pair)
        let tier = ledger.tier(profile, atMs: atMs)
        let rate = isMaker ? tier.makerFee : tier.takerFee
        let wanted = working[k].wanted(price: price, rate: rate, spec: spec)
        if !(wanted > 0), case .quoteIncludingFee(let q) = order.quantity {
            // The budget buys no whole lot at this price.
            end(k, .belowMinimum, "\(VenueRejectReason.belowMinimum.exchangeCode(profile.exchange)): \(q) \(order.pair.quote) buys no whole lot at \(price)",
                partly: "budget spent: the rest buys no whole lot at \(price)", atMs: atMs, events: &events)
            return false
        }
        var qty = min(wanted, maxUnits)
        if settings.faults.partialFillProbability > 0 && random.unit() < settings.faults.partialFillProbability {
            qty *= 0.2 + 0.6 * random.unit()
            stats.faultsInjected["partial_fill", default: 0] += 1
        }
        qty = spec.floorUnits(qty)
        guard qty > 0 else { return false }
        if order.leverage != nil {
            guard let q = marginQuantity(k, qty, price: price, rate: rate, atMs: atMs, events: &events) else { return false }
            qty = q
        } else if order.side == .sell {
            let held = holdings[order.pair, default: 0]
            guard held > 0 else {
                working.remove(at: k)
                reject(order.id, .insufficientFunds, "\(VenueRejectReason.insufficientFunds.exchangeCode(profile.exchange)): sells \(qty) \(order.pair.base) but holds none",
                       atMs: atMs, events: &events)
                return false
            }
            qty = min(qty, held)
        } else {
            let cost = qty * price * (1 + rate)
            // Collateral tied up as used margin is not spendable (Kraken).
            let free = shorts.isEmpty ? cash : cash - usedMargin { self.lastPrice($0) }
            // Tolerance: a quote-sized order spends exactly its cash up to rounding.
            if cost > free * (1 + 1e-12) {
                let message = "\(VenueRejectReason.insufficientFunds.exchangeCode(profile.exchange)): needs \(cost) \(order.pair.quote) for \(qty) at \(price), has \(free)"
                end(k, .insufficientFunds, message, partly: message, atMs: atMs, events: &events)
                return false
            }
        }
        let notional = qty * price
        let fee = notional * rate
        var marginLine: VenueEvent?
        if order.leverage != nil {
            marginLine = applyMarginFill(order, qty: qty, price: price, fee: fee, atMs: atMs)
        } else if order.side == .buy {
            cash = max(0, cash - notional - fee)
            holdings[order.pair, default: 0] += qty
        } else {
            let left = holdings[order.pair, default: 0] - qty
            holdings[order.pair] = left > 1e-12 ? left : 0
            cash += notional - fee
        }
        ledger.record(atMs: atMs, notional: notional)
        working[k].filled += qty
        working[k].spent += notional + fee
        var leaves = working[k].wanted(price: price, rate: rate, spec: spec)
        if leaves < (spec.lotDecimals < InstrumentSpec.noLotGrid ? 0.5 * spec.lotStep : 1e-12 * (working[k].units ?? 1)) { leaves = 0 }
        let margin = order.leverage != nil
        let soldOut = margin ? order.side == .buy && shorts[order.pair] == nil : order.side == .sell && holdings[order.pair, default: 0] == 0
        if soldOut { leaves = 0 }     // reduce-only: nothing left to sell (or to buy back)
        stats.fills += 1
        if leaves > 0 { stats.partialFills += 1 }
        events.append(.filled(Fill(orderID: order.id, pair: order.pair, side: order.side, price: price, quantity: qty,
                                   fee: fee, feeRate: rate, isMaker: isMaker, timestampMs: atMs, leavesQuantity: leaves)))
        if let marginLine { events.append(marginLine) }
        if leaves == 0 {
            working.remove(at: k)
            if let group = order.ocoGroup, order.cancelsGroupOnFill {
                cancelWhere(atMs: atMs, reason: "one-cancels-other: order \(order.id) filled", events: &events) { $0.ocoGroup == group }
            }
        }
        if soldOut && margin {
            cancelWhere(atMs: atMs, reason: "the short in \(order.pair) is closed", events: &events) {
                $0.pair == order.pair && $0.side == .buy && $0.leverage != nil
            }
        } else if soldOut {
            cancelWhere(atMs: atMs, reason: "nothing left to sell: \(order.pair) holdings are 0", events: &events) {
                $0.pair == order.pair && $0.side == .sell && $0.leverage == nil
            }
        }
        return true
    }

    /// Ends working order `k` before it is filled: refused with `reason` if nothing filled yet,
    /// else cancelled (`partly`), keeping what it bought.
    mutating func end(_ k: Int, _ reason: VenueRejectReason, _ message: String, partly: String, atMs: Int64, events: inout [VenueEvent]) {
        let order = working.remove(at: k)
        if order.filled == 0 { reject(order.order.id, reason, message, atMs: atMs, events: &events) }
        else { events.append(.cancelled(order.order.id, reason: partly, atMs: atMs)) }
    }

    mutating func cancelWhere(atMs: Int64, reason: String, events: inout [VenueEvent], _ match: (OrderRequest) -> Bool) {
        var k = 0
        while k < working.count {
            if match(working[k].order) {
                let other = working.remove(at: k).order
                events.append(.cancelled(other.id, reason: reason, atMs: atMs))
            } else {
                k += 1
            }
        }
    }

    mutating func reject(_ id: OrderID, _ reason: VenueRejectReason, _ message: String, atMs: Int64, events: inout [VenueEvent]) {
        stats.rejects[reason.rawValue, default: 0] += 1
        events.append(.rejected(id, reason: reason, message: message, atMs: atMs))
    }

    /// The fault profile's verdict on an arriving order (nil: no fault). Draws only when the
    /// profile has faults, so a run without faults consumes no random numbers.
    mutating func injectedRefusal(_ order: OrderRequest) -> (VenueRejectReason, String)? {
        let f = settings.faults
        guard !f.isNone else { return nil }
        if f.outageProbabilityPerHour > 0 && f.outageMinutes > 0 {
            let hour = order.createdAtMs / 3_600_000
            let intoHour = order.createdAtMs - hour * 3_600_000
            if intoHour < Int64(f.outageMinutes) * 60_000
                && SeededRandom.unit(seed: settings.seed, key: UInt64(bitPattern: hour)) < f.outageProbabilityPerHour {
                return (.unavailable, "outage in the first \(f.outageMinutes) min of this hour")
            }
        }
        if f.rateLimitProbability > 0 && random.unit() < f.rateLimitProbability { return (.rateLimited, "rate limit") }
        if f.rejectProbability > 0 && random.unit() < f.rejectProbability { return (.invalidOrder, "order refused") }
        return nil
    }

    /// The end of the data: market orders of `pair` fill at `price`, no cap, no latency, no
    /// faults; an accounting close, not a market event.
    public mutating func settle(_ pair: Pair, atMs: Int64, price: Double, events: inout [VenueEvent]) {
        var k = 0
        while k < working.count {
            let w = working[k]
            guard w.order.pair == pair, case .market = w.order.kind else { k += 1; continue }
            if execute(k, maxUnits: .infinity, price: price, isMaker: false, atMs: atMs, events: &events) { k = 0 } else { k += 1 }
        }
        pairs[pairID(pair)].lastPrice = price
    }
}
