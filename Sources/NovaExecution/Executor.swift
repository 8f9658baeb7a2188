import NovaCore
import NovaRisk
import NovaVenue

/// The executor: turns the engine's decisions into orders, and the venue's events into
/// positions, trades and cash. It never assumes the venue answers at once: every order is
/// tracked by `OrderTracker` until a terminal event, a fill is applied whatever state its order
/// is in (a fill on an order whose cancel is pending is routine), and what the executor wants
/// the venue to do goes out as `VenueCommand`s in `commands`, for the session to send.
///
/// The jobs are in extensions, one file each: entries and the limit chase
/// (`Executor+Entry.swift`), exits and their retries (`Executor+Exit.swift`), protection: stop,
/// target, smart-exit tiers, breakeven and trailing (`Executor+Protection.swift`).
public struct Executor: Sendable, Codable {
    public let config: EngineConfig
    public let profile: VenueProfile
    public let pairs: [Pair]
    let strategyNames: [String]
    let stopPolicy: StopPolicy

    public internal(set) var tracker = OrderTracker()
    var slots: [Slot]
    var nextOrderID = 1
    /// The run is ending: orders are cancelled for good, nothing is re-placed or retried.
    var finishing = false
    /// Prices arrived between closes since the last timer check (a stored flag: the session
    /// reads it on every bar).
    public internal(set) var pricesSinceCheck = false
    /// Retry number of a protective order sent again after a transient refusal.
    var protectiveAttempts: [OrderID: Int] = [:]

    /// Quote cash by the executor's own books (the venue keeps its own; they must agree).
    public internal(set) var cash: Double
    /// All round trips, in the order they were opened; open ones have no exit.
    public internal(set) var trades: [Trade] = []
    public internal(set) var fills: [Fill] = []
    public internal(set) var notes = EngineNotes()
    /// Commands for the venue, in order; the session sends and clears them.
    public internal(set) var commands: [VenueCommand] = []
    /// What happened that the engine must know; the engine drains them.
    public internal(set) var reports: [ExecutionReport] = []
    /// The venue's last reported free balances by asset (live reconciliation).
    public internal(set) var venueBalances: [String: Double] = [:]

    enum SlotState: Equatable, Codable {
        case flat
        case entering(OrderID)
        /// A position is open, long or short (`trades[trade].side`).
        case open(trade: Int)
        /// Closing out: the exit order, or nil while the position's resting orders are being
        /// cancelled (their units are reserved at a real exchange until the cancel is confirmed).
        case exiting(trade: Int, OrderID?)
    }

    /// The entry the engine decided, kept until the trade opens.
    struct PendingEntry: Codable {
        /// Buy for a long, sell for a short: the side of the entry, and of the position after.
        var side = Side.buy
        /// What each entry order asks for (a short is sized in base units: Kraken takes no
        /// quote-sized margin orders).
        var quantity = OrderQuantity.quoteIncludingFee(0)
        var stop: Double?
        var target: Double?
        var reason = ""
        var decisionPrice = Double.nan
        var decisionMs: Int64?
        var votes: [String: Double] = [:]
        var sizing: SizingTag?
    }

    struct Slot: Codable {
        var state: SlotState = .flat
        var lastClose = Double.nan
        var lastTimestampMs: Int64 = 0
        /// Highest, lowest and latest price since the last position check (ticks between bar closes).
        var highSinceCheck = -Double.infinity
        var lowSinceCheck = Double.infinity
        var lastPrice = Double.nan
        var pending = PendingEntry()
        var chase = EntryChase()
        var exit = ExitRetry()
        var exitPurpose = OrderPurpose.exitSignal
        var exitDecisionPrice: Double?
        var exitDecisionMs: Int64?
        /// Open smart-exit orders: order id -> tier number (1-based).
        var tierOrders: [OrderID: Int] = [:]
        /// The stop resting on the venue (live or with its cancel pending).
        var stopOrder: OrderID?
        /// A new stop waits for the old one's cancel to be confirmed.
        var stopReplacementWanted = false
        var targetOrder: OrderID?
        /// The trade an entry order is filling (first fill seen, order not complete yet).
        var buildingTrade: Int?
        var exitFills = ExitFills()
        /// Isolated bankroll: this instance's own cash and equity peak.
        var cash = 0.0
        var peakEquity = 0.0
        /// Positions started in this slot (client order ids) and orders per leg of the current one.
        var positionSeq = 0
        var legAttempts: [ClientOrderID.Leg: Int] = [:]
        /// `takeProfitOnTouch`: the targets not yet taken, the one being taken, and its order.
        var touchTargets: [TouchTarget] = []
        var touchExit: TouchTarget?
        var touchOrder: OrderID?
        /// The open trade whose units the venue refused as below its minimum order (dust): no
        /// stop or exit is sent for it again. Before, the stop was placed again on every bar
        /// and refused on every bar: 6.3 M refusals (and tracked orders) over 10 M bars.
        var dustTrade: Int?
    }

    struct ExitFills: Codable {
        var units = 0.0
        var notional = 0.0
        var fees = 0.0
        var count = 0
    }

    /// `strategyNames[i]` names slot i's strategy (for its trades); `pairs[i]` is its pair.
    public init(config: EngineConfig, profile: VenueProfile, pairs: [Pair], strategyNames: [String]) {
        self.config = config
        self.profile = profile
        self.pairs = pairs
        self.strategyNames = strategyNames
        self.stopPolicy = StopPolicy(breakevenAtR: config.breakevenAtR, trailingAtR: config.trailingAtR,
                                     trailingDistancePct: config.trailingDistancePct)
        self.slots = pairs.map { _ in Slot() }
        self.cash = config.initialCash
        if config.bankroll == .isolated {
            for i in slots.indices {
                slots[i].cash = config.initialCash / Double(pairs.count)
                slots[i].peakEquity = slots[i].cash
            }
        }
        commands.reserveCapacity(8)
    }

    // MARK: What the engine reads
    // The small readers are forced inline: called from a mutating method, a non-inlined
    // non-mutating call copies the whole executor first (measured: 552 bytes per bar).

    /// The position of slot i as its strategy sees it.
    @inline(__always)
    public func position(_ i: Int) -> PositionState {
        switch slots[i].state {
        case .flat: return .flat
        case .open(let t): return trades[t].side == .buy ? .long(entryPrice: trades[t].entryPrice) : .short(entryPrice: trades[t].entryPrice)
        case .entering, .exiting: return .pending
        }
    }

    @inline(__always)
    public func isFlat(_ i: Int) -> Bool { slots[i].state == .flat }
    /// An entry order is working (it may still fail: `ExecutionReport.entryFailed`).
    public func isEntering(_ i: Int) -> Bool { if case .entering = slots[i].state { return true } else { return false } }
    /// The position is being closed (the exit may still fail: `ExecutionReport.exitFailed`).
    public func isExiting(_ i: Int) -> Bool { if case .exiting = slots[i].state { return true } else { return false } }
    /// Slot i's last bar: its time and close (what the end of data settles at).
    public func lastBar(_ i: Int) -> (timestampMs: Int64, close: Double) { (slots[i].lastTimestampMs, slots[i].lastClose) }

    @inline(__always)
    public var currentEquity: Double {
        var value = cash
        for i in slots.indices { value += positionValue(i) }
        return value
    }

    /// Equity of slot i's own bankroll (isolated mode): its cash plus its position at the last
    /// close. In shared mode, the whole account's equity.
    public func bankrollEquity(_ i: Int) -> Double {
        guard config.bankroll == .isolated else { return currentEquity }
        return slots[i].cash + positionValue(i)
    }

    /// Cash slot i may spend, and the equity peak its sizing is measured against. Collateral
    /// tied up as the used margin of open shorts is not spendable (Kraken).
    public func spendable(_ i: Int) -> Double {
        let held = marginHeld
        return config.bankroll == .isolated ? min(slots[i].cash - marginHeld(slot: i), cash - held) : cash - held
    }

    /// Used margin of the open shorts, at their entry prices.
    var marginHeld: Double {
        var m = 0.0
        for i in slots.indices where slots[i].pending.side == .sell { m += marginHeld(slot: i) }
        return m
    }

    func marginHeld(slot i: Int) -> Double {
        guard slots[i].pending.side == .sell, let t = currentTrade(i) else { return 0 }
        return heldUnits(i, t) * trades[t].entryPrice / (trades[t].leverage ?? 1)
    }

    /// The trade slot i holds (open or closing), if any.
    @inline(__always)
    func currentTrade(_ i: Int) -> Int? {
        switch slots[i].state {
        case .open(let t), .exiting(let t, _): return t
        case .entering: return slots[i].buildingTrade
        case .flat: return nil
        }
    }
    public func bankrollPeak(_ i: Int) -> Double? { config.bankroll == .isolated ? slots[i].peakEquity : nil }

    /// Slots with a position or an order open, with their pair and exposure (units at the last
    /// close, long or short alike).
    public var openPositions: [(pair: String, notional: Double)] {
        slots.indices.filter { slots[$0].state != .flat }.map { (pairs[$0].description, units($0) * slots[$0].lastClose) }
    }

    /// Units of trade `t` (slot `i`'s) still held: its quantity less the smart-exit tiers and
    /// the final exit's fills so far.
    @inline(__always)
    func heldUnits(_ i: Int, _ t: Int) -> Double { trades[t].openQuantity - slots[i].exitFills.units }

    /// Units slot i holds now (0 when flat).
    @inline(__always)
    public func units(_ i: Int) -> Double {
        switch slots[i].state {
        case .open(let t), .exiting(let t, _): return heldUnits(i, t)
        case .entering: return slots[i].buildingTrade.map { trades[$0].quantity } ?? 0
        case .flat: return 0
        }
    }

    /// What slot i's position adds to equity at the last close: a long's units at that price;
    /// a short's unrealised P&L (its sale was never credited: margin).
    @inline(__always)
    func positionValue(_ i: Int) -> Double {
        let u = units(i)
        guard u != 0 else { return 0 }
        if slots[i].pending.side == .buy { return u * slots[i].lastClose }
        guard let t = currentTrade(i) else { return 0 }
        return (trades[t].entryPrice - slots[i].lastClose) * u
    }

    /// The account's equity now, recording each bankroll's peak (isolated mode). Mutating on
    /// purpose: the engine calls it every bar, and a non-mutating call would copy the executor.
    public mutating func markEquity() -> Double {
        if config.bankroll == .isolated {
            for i in slots.indices { slots[i].peakEquity = max(slots[i].peakEquity, bankrollEquity(i)) }
        }
        return currentEquity
    }

    public mutating func takeCommands() -> [VenueCommand] {
        let out = commands
        commands.removeAll(keepingCapacity: true)
        return out
    }

    public mutating func takeReports() -> [ExecutionReport] {
        let out = reports
        reports.removeAll(keepingCapacity: true)
        return out
    }

    // MARK: Orders out

    /// Sends an order for slot i: prices onto the exchange's tick grid and sizes onto its lot
    /// grid, always in the direction that asks no better price than decided (a sell stop rounds
    /// down, a sell limit up, a buy limit down) and never more units than meant.
    @discardableResult
    mutating func submit(_ i: Int, side: Side, kind: OrderKind, quantity: OrderQuantity, purpose: OrderPurpose, leg: ClientOrderID.Leg,
                         atMs: Int64, oco: Int? = nil, cancelsGroup: Bool = true, immediateOrCancel: Bool = false) -> OrderID {
        let id = nextOrderID
        nextOrderID += 1
        let spec = profile.instrument(pairs[i])
        let sell = side == .sell
        var kind = kind
        switch kind {
        case .market: break
        case .limit(let p): kind = .limit(price: spec.roundPrice(p, up: sell))
        case .stop(let t): kind = .stop(trigger: spec.roundPrice(t, up: !sell))
        case .stopLimit(let t, let l): kind = .stopLimit(trigger: spec.roundPrice(t, up: !sell), limit: spec.roundPrice(l, up: !sell))
        }
        var quantity = quantity
        if case .base(let q) = quantity { quantity = .base(spec.floorUnits(q)) }
        var postOnly = false
        if purpose == .entry, config.entryPostOnly, case .limit = kind { postOnly = true }
        // Every order of a short is a margin order: the entry sells borrowed units, the exits
        // buy them back (Kraken closes a margin position with an opposite margin order).
        let leverage = slots[i].pending.side == .sell ? config.shortLeverage : nil
        let attempt = slots[i].legAttempts[leg, default: 0] + 1
        slots[i].legAttempts[leg] = attempt
        let cid = ClientOrderID.make(tag: config.runTag, slot: i, position: slots[i].positionSeq, leg: leg, attempt: attempt)
        let request = OrderRequest(id: id, pair: pairs[i], side: side, kind: kind, quantity: quantity, purpose: purpose,
                                   ocoGroup: oco, cancelsGroupOnFill: cancelsGroup, createdAtMs: atMs, postOnly: postOnly, clientOrderID: cid,
                                   leverage: leverage, immediateOrCancel: immediateOrCancel)
        tracker.track(request, slot: i)
        commands.append(.submit(request))
        return id
    }

    /// Asks the venue to cancel an order that is still live; the order stays on the books
    /// (fills still count) until the venue confirms.
    mutating func requestCancel(_ id: OrderID?, atMs: Int64) {
        guard let id, tracker.requestCancel(id) else { return }
        commands.append(.cancel(id, atMs: atMs))
    }

    func note(_ i: Int, _ atMs: Int64, _ message: String) -> EngineNote {
        EngineNote(timestampMs: atMs, pair: pairs[i].description, message: message)
    }

    // MARK: Events in

    /// Applies one venue event: the order's state moves, fills change cash and positions, and
    /// whatever the event makes necessary (protection for a new position, a retry, the exit
    /// waiting for a cancel) goes out as commands.
    public mutating func apply(_ event: VenueEvent) {
        switch event {
        case .balance(let asset, let available, _):
            venueBalances[asset] = available
            return
        case .marginCharge(let pair, let amount, let kind, let atMs):
            applyMarginCharge(pair: pair, amount: amount, kind: kind, atMs: atMs)
            return
        case .liquidated(let fill):
            applyLiquidation(fill)
            return
        default: break
        }
        if case .filled(let f) = event { fills.append(f) }
        guard let (order, transition) = tracker.apply(event) else {
            if case .filled(let f) = event {
                notes.append(EngineNote(timestampMs: f.timestampMs, pair: f.pair.description,
                                        message: "fill for order \(f.orderID), which this run never placed: not applied"))
            }
            return
        }
        let i = order.slot
        switch transition {
        case .accepted, .none:
            break
        case .fill(let fill):
            if order.purpose == .entry { applyEntryFill(i, fill, order: order) } else { applyExitFill(i, fill, order: order) }
            // A status report of an order that ended with part filled: the missed fill is in,
            // now the end (the report applied again has nothing more to derive).
            if case .orderStatus(let r) = event, [.cancelled, .expired, .rejected].contains(r.state) { apply(event) }
        case .ended(let state, let reason, let rejectReason):
            orderEnded(i, order, state: state, reason: reason, rejectReason: rejectReason, atMs: Self.time(of: event))
        case .cancelRefused:
            break
        }
        if slots[i].touchOrder == order.request.id, tracker[order.request.id]?.isLive != true { finishTouch(i, atMs: Self.time(of: event)) }
    }

    static func time(of event: VenueEvent) -> Int64 {
        switch event {
        case .accepted(_, let t), .rejected(_, _, _, let t), .cancelled(_, _, let t), .cancelRejected(_, _, let t), .balance(_, _, let t),
             .marginCharge(_, _, _, let t): return t
        case .filled(let f), .liquidated(let f): return f.timestampMs
        case .orderStatus(let r): return r.atMs
        }
    }

    /// An order ended without (completely) filling: rejected, cancelled or expired.
    mutating func orderEnded(_ i: Int, _ order: TrackedOrder, state: OrderState, reason: String, rejectReason: VenueRejectReason?, atMs: Int64) {
        let id = order.request.id
        if state == .rejected, let r = rejectReason {
            notes.append(note(i, atMs, "\(order.purpose.rawValue) order rejected (\(r.rawValue)): \(reason)"))
        }
        switch slots[i].state {
        case .entering(let e) where e == id:
            entryOrderEnded(i, order, state: state, reason: reason, atMs: atMs)
        case .exiting(let t, let e) where e == id:
            exitOrderEnded(i, trade: t, order, rejectReason: rejectReason, reason: reason, atMs: atMs)
        default:
            protectiveOrderEnded(i, order, rejectReason: rejectReason, atMs: atMs)
        }
    }
}
