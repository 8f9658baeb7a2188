import NovaCore
import NovaRisk
import NovaSignals
import NovaVenue

/// The event loop of NovaPulse: market data in, orders out, fills back in.
///
/// A plain synchronous state machine, generic over the venue and the strategy so that the
/// backtest loop is specialised and allocation-free per bar. Backtest and live run this same
/// type: the backtest calls `onBar` for replayed bars with a simulated venue (which fills
/// during `onBar`); live wiring calls `onBar` for bars from the feed and `handle(_:)` for
/// venue events arriving from the exchange. There is no backtest flag anywhere in here.
///
/// Order of work for one closed bar of a pair: (1) the venue sees the bar and fills orders
/// placed earlier (never orders decided on this bar: no lookahead); (2) the strategy sees the
/// closed bar and its position; (3) the engine sizes and submits what it asked for, to fill
/// from the next bar on.
public struct Engine<V: Venue, S: Strategy> {
    public private(set) var venue: V
    public let pairs: [Pair]
    public let config: EngineConfig
    private var strategies: [S]
    private var slots: [Slot]
    private var orders: [OrderID: OrderInfo] = [:]
    // Risk-manager state (fixed-fractional sizing): what the sizer and gates need to know.
    private var peakEquity: Double
    private var closedPnL: [Double] = []
    private var today: Int64 = .min
    private var todayPnL = 0.0
    private var todayTrades = 0
    private var lastLossExitMs: Int64?
    private var lastExitMsByPair: [String: Int64] = [:]
    private var recentEntryMs: [Int64] = []
    private var nextOrderID = 1
    private var events: [VenueEvent] = []
    /// Whether the venue's last refusal was transient (for retrying protective orders).
    private var lastRejectTransient = false

    /// Quote cash by the engine's own books (the venue keeps its own; they must agree).
    public private(set) var cash: Double
    /// All round trips, in the order they were opened; open ones have no exit.
    public private(set) var trades: [Trade] = []
    public private(set) var equityTimestampMs: [Int64] = []
    public private(set) var equity: [Double] = []
    public private(set) var notes: [EngineNote] = []
    public private(set) var fills: [Fill] = []
    /// Every non-neutral strategy decision with its fate.
    public private(set) var signals: [SignalEvent] = []

    private enum SlotState: Equatable {
        case flat
        case entering(OrderID)
        case long(trade: Int)
        case exiting(trade: Int, OrderID)
    }

    private struct Slot {
        var state: SlotState = .flat
        var lastClose = Double.nan
        var lastTimestampMs: Int64 = 0
        var pendingStop: Double?
        var pendingTarget: Double?
        var pendingReason = ""
        var pendingDecisionPrice = Double.nan
        var pendingVotes: [String: Double] = [:]
        var pendingSizing: SizingTag?
        /// Limit-entry chase: attempts made so far and the quote budget of the entry.
        var chaseAttempt = 0
        var chaseBudget = 0.0
        var entryIsLimit = false
        var exitRetries = 0
        var exitDecisionPrice: Double?
        /// Open smart-exit orders: order id -> tier number (1-based).
        var tierOrders: [OrderID: Int] = [:]
        var stopOrder: OrderID?
        var targetOrder: OrderID?
        var pendingDecisionMs: Int64?
        /// The trade an entry order is filling (first fill seen, order not complete yet).
        var buildingTrade: Int?
        /// Fills of the position's final exit so far (a stop, target or exit order can fill in
        /// parts). The exit price is their average.
        var exitFills = ExitFills()
        var exitDecisionMs: Int64?
        /// Isolated bankroll: this instance's own cash and equity peak.
        var cash = 0.0
        var peakEquity = 0.0
    }

    private struct ExitFills {
        var units = 0.0
        var notional = 0.0
        var fees = 0.0
        var count = 0
    }

    private struct OrderInfo {
        var pairIndex: Int
        var purpose: OrderPurpose
    }

    public init(venue: V, pairs: [Pair], config: EngineConfig, makeStrategy: () -> S) {
        self.venue = venue
        self.pairs = pairs
        self.config = config
        self.strategies = pairs.map { _ in makeStrategy() }
        self.slots = pairs.map { _ in Slot() }
        if config.bankroll == .isolated {
            for i in slots.indices {
                slots[i].cash = config.initialCash / Double(pairs.count)
                slots[i].peakEquity = slots[i].cash
            }
        }
        self.cash = config.initialCash
        self.peakEquity = config.initialCash
        events.reserveCapacity(8)
    }

    public mutating func reserveEquity(_ n: Int) {
        equity.reserveCapacity(n)
        equityTimestampMs.reserveCapacity(n)
    }

    /// One closed bar of `pairs[pairIndex]`, as the backtest delivers it: the venue sees the
    /// bar (`marketData`), then the strategy decides on its close (`barClosed`).
    public mutating func onBar(pairIndex: Int, _ bar: Bar) {
        marketData(pairIndex: pairIndex, bar)
        barClosed(pairIndex: pairIndex, bar)
    }

    /// Shows the venue a bar of market data; a simulated venue matches resting orders here and
    /// its fills are applied at once. A live venue ignores it (its fills come via `handle`).
    public mutating func marketData(pairIndex: Int, _ bar: Bar) {
        events.removeAll(keepingCapacity: true)
        venue.onBar(pairs[pairIndex], bar, events: &events)
        // Fills can make the engine place orders (a new position's stop, target and tiers, a
        // resized stop): show the venue the same bar again so they meet the rest of it, as they
        // would have on the exchange. The venue matches each order against a bar only once.
        var rounds = 0
        while !events.isEmpty && rounds < 8 {
            drainEvents()
            venue.onBar(pairs[pairIndex], bar, events: &events)
            rounds += 1
        }
        drainEvents()
        slots[pairIndex].lastClose = bar.close
        slots[pairIndex].lastTimestampMs = bar.timestampMs
    }

    /// The bar has closed: the strategy sees it and its position, and the engine submits what
    /// it asks for.
    public mutating func barClosed(pairIndex: Int, _ bar: Bar) {
        slots[pairIndex].lastClose = bar.close
        slots[pairIndex].lastTimestampMs = bar.timestampMs
        manageStop(pairIndex, bar)
        chaseEntry(pairIndex, bar)
        let position: PositionState
        switch slots[pairIndex].state {
        case .flat: position = .flat
        case .long(let t): position = .long(entryPrice: trades[t].entryPrice)
        case .entering, .exiting: position = .pending
        }
        let action = strategies[pairIndex].onBar(bar, position: position)
        let confluence = strategies[pairIndex].lastSignal
        let name = strategies[pairIndex].name
        switch action {
        case .none:
            if let c = confluence {
                signals.append(SignalEvent(timestampMs: bar.timestampMs, pair: pairs[pairIndex], strategy: name, action: .none,
                                           strength: c.strength, actedUpon: false, reason: "confluence \(c.direction.rawValue)",
                                           rejection: c.rejection ?? "not acted upon", confluence: c))
            }
        case .enterLong(let stop, let target, let strength, let reason):
            slots[pairIndex].pendingVotes = confluence?.signals.filter { $0.direction == .long }
                .reduce(into: [String: Double]()) { $0[$1.strategy] = $1.strength } ?? [:]
            let rejection = enterLong(pairIndex, bar: bar, stop: stop, target: target, reason: reason)
            signals.append(SignalEvent(timestampMs: bar.timestampMs, pair: pairs[pairIndex], strategy: name, action: .enterLong,
                                       strength: strength, actedUpon: rejection == nil, reason: reason, rejection: rejection,
                                       confluence: confluence))
        case .exitLong(let reason):
            let rejection = exitLong(pairIndex, atMs: bar.timestampMs, purpose: .exitSignal, note: reason)
            signals.append(SignalEvent(timestampMs: bar.timestampMs, pair: pairs[pairIndex], strategy: name, action: .exitLong,
                                       strength: confluence?.strength ?? 1, actedUpon: rejection == nil, reason: reason,
                                       rejection: rejection, confluence: confluence))
        }
    }

    /// The pair's latest order-book snapshot, analysed, for strategies that read the book. The
    /// backtest feed calls it with the last snapshot at or before each bar's close.
    public mutating func bookUpdated(pairIndex: Int, _ analysis: OrderBookAnalysis?) {
        strategies[pairIndex].bookUpdated(analysis)
    }

    /// Venue events that arrive on their own (live adapters); the simulated venue's events
    /// come through `onBar`.
    public mutating func handle(_ event: VenueEvent) {
        apply(event)
    }

    /// Records equity (cash plus open positions marked at their last close) at `timestampMs`.
    /// The backtest runner calls it once per timestamp, after every pair's bar at that time.
    public mutating func recordEquity(atMs timestampMs: Int64) {
        equityTimestampMs.append(timestampMs)
        let e = currentEquity
        equity.append(e)
        if e > peakEquity { peakEquity = e }
        if config.bankroll == .isolated {
            for i in slots.indices { slots[i].peakEquity = max(slots[i].peakEquity, bankrollEquity(i)) }
        }
    }

    /// Strategy evaluations counted but not recorded (see `Strategy.unrecordedEvaluations`).
    public var unrecordedEvaluations: Int { strategies.reduce(0) { $0 + $1.unrecordedEvaluations } }

    /// Equity of strategy instance `i`'s own bankroll (isolated mode): its cash plus its
    /// position at the last close. In shared mode, the whole account's equity.
    public func bankrollEquity(_ i: Int) -> Double {
        guard config.bankroll == .isolated else { return currentEquity }
        return slots[i].cash + positionValue(i)
    }

    public var currentEquity: Double {
        var value = cash
        for i in slots.indices { value += positionValue(i) }
        return value
    }

    /// Units of trade `t` (slot `i`'s) still held: its quantity less the smart-exit tiers and
    /// the final exit's fills so far.
    private func heldUnits(_ i: Int, _ t: Int) -> Double { trades[t].openQuantity - slots[i].exitFills.units }

    /// Slot `i`'s position marked at its last close (a partly filled entry counts what it bought).
    private func positionValue(_ i: Int) -> Double {
        switch slots[i].state {
        case .long(let t), .exiting(let t, _): return heldUnits(i, t) * slots[i].lastClose
        case .entering: return slots[i].buildingTrade.map { trades[$0].quantity * slots[i].lastClose } ?? 0
        case .flat: return 0
        }
    }

    /// Ends the run: orders still waiting for a next bar are cancelled (a signal on the last
    /// bar is not filled) and, if `closeAtEnd`, open positions are sold at their last close.
    public mutating func finish() {
        for i in slots.indices {
            switch slots[i].state {
            case .entering:
                // Part of the entry filled before the data ended: that position is open.
                if let t = slots[i].buildingTrade {
                    slots[i].buildingTrade = nil
                    trades[t].entryPartialFill = true
                    slots[i].state = .long(trade: t)
                }
            case .exiting(let t, _):
                slots[i].state = .long(trade: t)
                trades[t].exitReason = nil
            default: break
            }
        }
        for (id, info) in orders.sorted(by: { $0.key < $1.key }) {
            let slot = slots[info.pairIndex]
            events.removeAll(keepingCapacity: true)
            orders[id] = nil
            venue.cancel(id, atMs: slot.lastTimestampMs, events: &events)
            if info.purpose == .entry || info.purpose == .exitSignal {
                notes.append(EngineNote(timestampMs: slot.lastTimestampMs, pair: pairs[info.pairIndex].description,
                                        message: "\(info.purpose.rawValue) order decided on the last bar was not filled: the data ends"))
            }
            drainEvents()
        }
        guard config.closeAtEnd else { return }
        for i in pairs.indices {
            guard case .long = slots[i].state else { continue }
            let slot = slots[i]
            exitLong(i, atMs: slot.lastTimestampMs, purpose: .endOfData, note: "close at end of data")
            // The closing fill happens at the last close: show the venue a flat bar at that price.
            let closingBar = Bar.settlement(atMs: slot.lastTimestampMs, price: slot.lastClose)
            events.removeAll(keepingCapacity: true)
            venue.onBar(pairs[i], closingBar, events: &events)
            drainEvents()
        }
        if let last = equityTimestampMs.last {
            equity[equity.count - 1] = currentEquity
            _ = last
        }
    }

    // MARK: Decisions

    /// Returns why the entry was not placed, or nil when an order went out.
    @discardableResult
    private mutating func enterLong(_ i: Int, bar: Bar, stop: Double?, target: Double?, reason: String) -> String? {
        guard slots[i].state == .flat else { return "a position or order is already open for \(pairs[i])" }
        let isolated = config.bankroll == .isolated
        let equityNow = isolated ? bankrollEquity(i) : currentEquity
        let cashNow = isolated ? min(slots[i].cash, cash) : cash
        let peakNow = isolated ? slots[i].peakEquity : peakEquity
        let budget: Double
        switch config.sizing {
        case .allIn:
            budget = cashNow
            slots[i].pendingSizing = nil
        case .fixedFractional:
            let stopPrice = stop ?? bar.close * (1 - config.defaultStopPct)
            var sizerConfig = config.sizer
            sizerConfig.riskPerTrade = config.riskPerTrade
            sizerConfig.maxPositionPct = config.maxPositionPct
            let fee = venue.profile.takerFee
            let decision = PositionSizer(config: sizerConfig).size(.init(
                equity: equityNow, peakEquity: max(peakNow, equityNow), cash: cashNow, price: bar.close, stopPrice: stopPrice,
                feeRate: fee, volatilityRegime: strategies[i].lastSignal?.volatilityRegime, recentPnL: closedPnL))
            if let refusal = decision.refusal { return "sizing: " + refusal }
            // Gates. Without a target, the reward-to-risk gate is not the strategy's to meet.
            let riskPerUnit = abs(bar.close - stopPrice)
            let target = target ?? bar.close + riskPerUnit * config.gates.minRiskReward
            rollDay(bar.timestampMs)
            let cutoff = bar.timestampMs - Int64(config.gates.throttleWindowSeconds * 1000)
            recentEntryMs.removeAll { $0 <= cutoff }
            let stats = Self.winStats(closedPnL)
            var open: [(pair: String, notional: Double)] = []
            for k in slots.indices where slots[k].state != .flat { open.append((pairs[k].description, positionValue(k))) }
            let failures = RiskGates(config: config.gates).check(
                .init(pair: pairs[i].description, signalMs: bar.timestampMs, notional: decision.notional, entry: bar.close,
                      stopLoss: stopPrice, takeProfit: target, riskFraction: decision.riskAmount / max(equityNow, 1e-9)),
                .init(nowMs: bar.timestampMs, equity: equityNow, open: open, todayPnL: todayPnL, todayTrades: todayTrades,
                      lastLossExitMs: lastLossExitMs, lastExitMsByPair: lastExitMsByPair, recentOrderMs: recentEntryMs,
                      winRate: stats?.winRate, payoff: stats?.payoff))
            if let first = failures.first { return first }
            budget = decision.notional * (1 + fee)
            slots[i].pendingSizing = SizingTag(requestedNotional: decision.notional, riskAmount: decision.riskAmount,
                                               kellyFraction: decision.kellyFraction, drawdownFactor: decision.drawdownFactor,
                                               volatilityFactor: decision.volatilityFactor, streakFactor: decision.streakFactor,
                                               cappedBy: decision.cappedBy)
            recentEntryMs.append(bar.timestampMs)
            todayTrades += 1
        }
        let chasing = config.entryChaseAttempts > 0
        slots[i].pendingDecisionMs = bar.timestampMs + config.barMs
        let id = submit(i, side: .buy, kind: chasing ? .limit(price: bar.close) : .market, quantity: .quoteIncludingFee(budget),
                        purpose: .entry, atMs: bar.timestampMs)
        slots[i].chaseAttempt = chasing ? 1 : 0
        slots[i].chaseBudget = budget
        slots[i].entryIsLimit = chasing
        slots[i].pendingStop = stop
        slots[i].pendingTarget = target
        slots[i].pendingReason = reason
        slots[i].pendingDecisionPrice = bar.close
        if orders[id] != nil { slots[i].state = .entering(id); return nil }
        return "the venue rejected the order"
    }

    /// Returns why the exit was not placed, or nil when an order went out.
    @discardableResult
    private mutating func exitLong(_ i: Int, atMs: Int64, purpose: OrderPurpose, note: String) -> String? {
        guard case .long(let t) = slots[i].state else { return "no open position in \(pairs[i])" }
        cancelProtection(i, atMs: atMs)
        slots[i].exitDecisionPrice = slots[i].lastClose
        slots[i].exitDecisionMs = purpose == .endOfData ? atMs : atMs + config.barMs
        slots[i].exitRetries = 0
        // An end-of-data close is decided just before the closing print it fills at (see finish()).
        let decidedAt = purpose == .endOfData ? atMs - 1 : atMs
        trades[t].exitReason = purpose.rawValue
        _ = note
        // The state names the order before it is sent: a venue may reject at once, and the
        // retry logic in `apply` must know which exit it was.
        slots[i].state = .exiting(trade: t, nextOrderID)
        submit(i, side: .sell, kind: .market, quantity: .base(heldUnits(i, t)), purpose: purpose, atMs: decidedAt)
        if case .exiting = slots[i].state { return nil }
        if case .flat = slots[i].state { return nil }      // filled at once
        return "the venue rejected the exit"
    }

    private mutating func cancelProtection(_ i: Int, atMs: Int64) {
        for id in [slots[i].stopOrder, slots[i].targetOrder].compactMap({ $0 }) + slots[i].tierOrders.keys.sorted() {
            events.removeAll(keepingCapacity: true)
            orders[id] = nil
            venue.cancel(id, atMs: atMs, events: &events)
            drainEvents()
        }
        slots[i].stopOrder = nil
        slots[i].targetOrder = nil
        slots[i].tierOrders = [:]
    }

    @discardableResult
    private mutating func submit(_ i: Int, side: Side, kind: OrderKind, quantity: OrderQuantity, purpose: OrderPurpose,
                                 atMs: Int64, oco: Int? = nil, cancelsGroup: Bool = true) -> OrderID {
        let id = nextOrderID
        nextOrderID += 1
        orders[id] = OrderInfo(pairIndex: i, purpose: purpose)
        // Prices onto the exchange's tick grid and sizes onto its lot grid, always in the
        // direction that asks no better price than the engine decided (a sell stop rounds
        // down, a sell limit up, a buy limit down) and never more units than it meant.
        let spec = venue.profile.instrument(pairs[i])
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
        let request = OrderRequest(id: id, pair: pairs[i], side: side, kind: kind, quantity: quantity, purpose: purpose,
                                   ocoGroup: oco, cancelsGroupOnFill: cancelsGroup, createdAtMs: atMs, postOnly: postOnly)
        var local: [VenueEvent] = []
        venue.submit(request, events: &local)
        for e in local { apply(e) }
        return id
    }

    // MARK: Venue events

    private mutating func drainEvents() {
        guard !events.isEmpty else { return }
        let batch = events
        events.removeAll(keepingCapacity: true)
        for e in batch { apply(e) }
    }

    private mutating func apply(_ event: VenueEvent) {
        switch event {
        case .accepted:
            break
        case .rejected(let id, let reason, let message, let atMs):
            lastRejectTransient = reason.isTransient
            guard let info = orders.removeValue(forKey: id) else { return }
            let i = info.pairIndex
            notes.append(EngineNote(timestampMs: atMs, pair: pairs[i].description,
                                    message: "\(info.purpose.rawValue) order rejected (\(reason.rawValue)): \(message)"))
            switch slots[i].state {
            case .entering(let e) where e == id:
                if slots[i].buildingTrade != nil { completeEntry(i, atMs: atMs, partial: true) } else { slots[i].state = .flat }
            case .exiting(let t, let e) where e == id:
                // Typed retries: a transient error (rate limit, outage) is retried at once, up to
                // `exitRetries` times; a permanent one, or too many, leaves the position open.
                if reason.isTransient && slots[i].exitRetries < config.exitRetries {
                    slots[i].exitRetries += 1
                    notes.append(EngineNote(timestampMs: atMs, pair: pairs[i].description,
                                            message: "exit retry \(slots[i].exitRetries) of \(config.exitRetries) after \(reason.rawValue)"))
                    // The state names the retry before it is sent: the venue may answer at once.
                    slots[i].state = .exiting(trade: t, nextOrderID)
                    submit(i, side: .sell, kind: .market, quantity: .base(heldUnits(i, t)), purpose: info.purpose, atMs: atMs)
                } else {
                    notes.append(EngineNote(timestampMs: atMs, pair: pairs[i].description,
                                            message: "exit gave up (\(reason.isTransient ? "retries exhausted" : "permanent error")): position left open"))
                    slots[i].state = .long(trade: t)
                    trades[t].exitReason = nil
                    slots[i].exitRetries = 0
                }
            default: break
            }
        case .cancelled(let id, let reason, let atMs):
            // Orders the engine cancels itself are forgotten before the venue confirms; an
            // order still known here was ended by the venue (post-only cross, funds, OCO).
            guard let info = orders.removeValue(forKey: id) else { return }
            let i = info.pairIndex
            switch slots[i].state {
            case .entering(let e) where e == id:
                if slots[i].buildingTrade != nil {
                    completeEntry(i, atMs: atMs, partial: true)
                } else {
                    slots[i].state = .flat
                    notes.append(EngineNote(timestampMs: atMs, pair: pairs[i].description, message: "entry order cancelled by the venue: \(reason)"))
                }
            case .exiting(let t, let e) where e == id:
                slots[i].state = .long(trade: t)
                trades[t].exitReason = nil
                notes.append(EngineNote(timestampMs: atMs, pair: pairs[i].description, message: "exit order cancelled by the venue: \(reason)"))
            default: break
            }
            if slots[i].stopOrder == id { slots[i].stopOrder = nil }
            if slots[i].targetOrder == id { slots[i].targetOrder = nil }
            slots[i].tierOrders[id] = nil
        case .filled(let fill):
            fills.append(fill)
            guard let info = orders[fill.orderID] else { return }
            if fill.completesOrder { orders[fill.orderID] = nil }
            let i = info.pairIndex
            if fill.side == .buy {
                applyEntryFill(i, fill)
            } else {
                applyExitFill(i, fill, purpose: info.purpose)
            }
        }
    }

    /// A fill of an entry order: the first one opens the trade, later ones (partial fills)
    /// add to it at their prices. The stop and targets go out when the entry order is done.
    private mutating func applyEntryFill(_ i: Int, _ fill: Fill) {
        cash -= fill.notional + fill.fee
        if config.bankroll == .isolated { slots[i].cash -= fill.notional + fill.fee }
        if let t = slots[i].buildingTrade {
            let q0 = trades[t].quantity
            trades[t].entryPrice = (trades[t].entryPrice * q0 + fill.price * fill.quantity) / (q0 + fill.quantity)
            trades[t].quantity = q0 + fill.quantity
            trades[t].entryFee += fill.fee
            trades[t].entryFills += 1
        } else {
            let index = trades.count
            var trade = Trade(tradeID: Self.tradeID(index + 1), pair: pairs[i], side: .buy, strategy: strategies[i].name,
                              entryTimeMs: fill.timestampMs, entryPrice: fill.price, quantity: fill.quantity,
                              entryFee: fill.fee, stopLoss: slots[i].pendingStop, takeProfit: slots[i].pendingTarget,
                              entryReason: slots[i].pendingReason)
            trade.exitReason = nil
            trade.entryDecisionPrice = slots[i].pendingDecisionPrice.isNaN ? nil : slots[i].pendingDecisionPrice
            trade.entryDecisionTimeMs = slots[i].pendingDecisionMs
            trade.attribution = slots[i].pendingVotes
            trade.stopState = slots[i].pendingStop.map { StopLossState(initialSL: $0) }
            trade.sizing = slots[i].pendingSizing
            trade.entryFeeRate = fill.feeRate
            trade.entryOrderType = slots[i].entryIsLimit ? "limit" : "market"
            trade.entryChaseAttempts = slots[i].entryIsLimit ? slots[i].chaseAttempt : (slots[i].chaseAttempt > 0 ? config.entryChaseAttempts : 0)
            trades.append(trade)
            slots[i].buildingTrade = index
        }
        if fill.completesOrder { completeEntry(i, atMs: fill.timestampMs, partial: false) }
    }

    /// The entry is done (its order filled, or ended with part of it filled): the position is
    /// open and gets its protection.
    private mutating func completeEntry(_ i: Int, atMs: Int64, partial: Bool) {
        guard let t = slots[i].buildingTrade else { return }
        slots[i].buildingTrade = nil
        if case .entering(let id) = slots[i].state, orders[id] != nil {
            // The rest of a partly filled entry order is not wanted any more.
            orders[id] = nil
            var ev: [VenueEvent] = []
            venue.cancel(id, atMs: atMs, events: &ev)
        }
        trades[t].entryPartialFill = partial
        slots[i].state = .long(trade: t)
        slots[i].exitFills = ExitFills()
        placeProtection(i, trade: t, atMs: atMs)
    }

    /// A fill of a sell: a smart-exit tier, or (part of) the position's final exit.
    private mutating func applyExitFill(_ i: Int, _ fill: Fill, purpose: OrderPurpose) {
        cash += fill.notional - fill.fee
        if config.bankroll == .isolated { slots[i].cash += fill.notional - fill.fee }
        let t: Int
        switch slots[i].state {
        case .long(let x), .exiting(let x, _): t = x
        default: return
        }
        let lot = 0.5 * venue.profile.instrument(pairs[i]).lotStep
        if purpose == .smartExit, let tier = slots[i].tierOrders[fill.orderID] {
            if fill.completesOrder { slots[i].tierOrders[fill.orderID] = nil }
            trades[t].partialExits.append(PartialExit(tier: tier, quantity: fill.quantity, price: fill.price, fee: fill.fee,
                                                      timeMs: fill.timestampMs))
            if heldUnits(i, t) > lot {
                if fill.completesOrder { resizeStop(i, trade: t, atMs: fill.timestampMs) }
                return
            }
            // Every unit sold by the tiers: the last tier fill closes the trade.
            trades[t].partialExits.removeLast()
        }
        slots[i].exitFills.units += fill.quantity
        slots[i].exitFills.notional += fill.notional
        slots[i].exitFills.fees += fill.fee
        slots[i].exitFills.count += 1
        if heldUnits(i, t) > lot {
            // Units still held: this exit goes on (a partial fill) or another order sells the rest.
            if fill.completesOrder, case .exiting = slots[i].state {
                slots[i].state = .long(trade: t)
            }
            return
        }
        trades[t].exitTimeMs = fill.timestampMs
        trades[t].exitPrice = slots[i].exitFills.notional / slots[i].exitFills.units
        trades[t].exitFee = slots[i].exitFills.fees
        trades[t].exitFeeRate = fill.feeRate
        trades[t].exitFills = slots[i].exitFills.count
        trades[t].exitReason = purpose.rawValue
        if purpose == .stopLoss, let state = trades[t].stopState {
            if state.trailingActivated { trades[t].exitReason = "trailing_stop" }
            else if state.breakevenActivated { trades[t].exitReason = "breakeven" }
        }
        switch purpose {
        case .stopLoss: trades[t].exitDecisionPrice = trades[t].stopLoss
        case .takeProfit: trades[t].exitDecisionPrice = trades[t].takeProfit
        case .smartExit: trades[t].exitDecisionPrice = fill.price
        default: trades[t].exitDecisionPrice = slots[i].exitDecisionPrice
        }
        // Resting orders trigger at the exchange: decided when the market reached them.
        trades[t].exitDecisionTimeMs = (purpose == .exitSignal || purpose == .endOfData) ? slots[i].exitDecisionMs : fill.timestampMs
        // Whatever still rests for this position goes: the venue cancels the OCO leg and
        // the sold-out sells; cancel the rest here.
        var leftovers = [slots[i].stopOrder, slots[i].targetOrder].compactMap { $0 } + slots[i].tierOrders.keys.sorted()
        if case .exiting(_, let e) = slots[i].state { leftovers.append(e) }
        for id in leftovers where id != fill.orderID {
            if orders.removeValue(forKey: id) != nil {
                var ev: [VenueEvent] = []
                venue.cancel(id, atMs: fill.timestampMs, events: &ev)
            }
        }
        slots[i].tierOrders = [:]
        slots[i].stopOrder = nil
        slots[i].targetOrder = nil
        slots[i].exitFills = ExitFills()
        slots[i].state = .flat
        strategies[i].tradeClosed(trades[t])
        if let pnl = trades[t].pnl {
            closedPnL.append(pnl)
            rollDay(fill.timestampMs)
            todayPnL += pnl
            if pnl <= 0 { lastLossExitMs = fill.timestampMs }
        }
        lastExitMsByPair[pairs[i].description] = fill.timestampMs
    }


    /// The protective stop as this venue offers it: a stop-market where there is one (Kraken),
    /// else a stop-limit `stopLimitOffsetPct` beyond the trigger (Coinbase).
    private func stopKind(_ trigger: Double) -> OrderKind {
        venue.profile.supportsStopMarket ? .stop(trigger: trigger) : .stopLimit(trigger: trigger, limit: trigger * (1 - config.stopLimitOffsetPct))
    }

    /// Places a protective order, retrying at once on a transient refusal (rate limit, outage)
    /// up to `exitRetries` times. Returns the order id if the venue took it.
    private mutating func submitProtective(_ i: Int, kind: OrderKind, quantity: Double, purpose: OrderPurpose, atMs: Int64,
                                           oco: Int, cancelsGroup: Bool = true) -> OrderID? {
        var attempt = 0
        while true {
            let id = submit(i, side: .sell, kind: kind, quantity: .base(quantity), purpose: purpose, atMs: atMs, oco: oco, cancelsGroup: cancelsGroup)
            if orders[id] != nil { return id }
            guard lastRejectTransient && attempt < config.exitRetries else { return nil }
            attempt += 1
            notes.append(EngineNote(timestampMs: atMs, pair: pairs[i].description, message: "\(purpose.rawValue) retry \(attempt) of \(config.exitRetries)"))
        }
    }

    private mutating func placeProtection(_ i: Int, trade t: Int, atMs: Int64) {
        let qty = heldUnits(i, t)
        let group = t + 1
        if let stop = trades[t].stopLoss {
            slots[i].stopOrder = submitProtective(i, kind: stopKind(stop), quantity: qty, purpose: .stopLoss, atMs: atMs, oco: group)
        }
        guard let target = trades[t].takeProfit else { return }
        if config.smartExitTiers.isEmpty {
            slots[i].targetOrder = submitProtective(i, kind: .limit(price: target), quantity: qty, purpose: .takeProfit, atMs: atMs, oco: group)
            return
        }
        // Smart exit: one limit per tier, in the stop's group (the stop cancels them) but not
        // cancelling anything themselves.
        let entry = trades[t].entryPrice
        for (k, tier) in config.smartExitTiers.enumerated() {
            let price = entry + tier.tpMultiple * (target - entry)
            if let id = submitProtective(i, kind: .limit(price: price), quantity: qty * tier.fraction, purpose: .smartExit, atMs: atMs,
                                         oco: group, cancelsGroup: false) {
                slots[i].tierOrders[id] = k + 1
            }
        }
    }

    /// Breakeven and trailing: after each closed bar of an open long, raise its stop when the
    /// bar's high earned it, by replacing the stop order on the venue (the new stop works from
    /// the next bar on). Stops only ever move up. A stop the venue refused or lost is placed
    /// again here, bar after bar, until the venue takes it.
    private mutating func manageStop(_ i: Int, _ bar: Bar) {
        guard case .long(let t) = slots[i].state, var state = trades[t].stopState else { return }
        let entry = trades[t].entryPrice
        let r = entry - state.initialSL
        var newSL = state.currentSL
        if r > 0 {
            if config.breakevenAtR > 0 && !state.breakevenActivated && bar.high >= entry + config.breakevenAtR * r {
                state.breakevenActivated = true
                newSL = max(newSL, entry)
            }
            if config.trailingAtR > 0 && (state.trailingActivated || bar.high >= entry + config.trailingAtR * r) {
                state.trailingActivated = true
                let high = max(state.trailingHigh ?? bar.high, bar.high)
                state.trailingHigh = high
                newSL = max(newSL, high * (1 - config.trailingDistancePct))
            }
        }
        // A stop at or above the close would fill at once: keep it below.
        newSL = min(newSL, bar.close * (1 - 1e-9))
        defer { trades[t].stopState = state }
        let missing = slots[i].stopOrder == nil
        guard newSL > state.currentSL || missing else { return }
        if newSL > state.currentSL {
            state.currentSL = newSL
            trades[t].stopLoss = newSL
        }
        if slots[i].stopOrder == nil {
            notes.append(EngineNote(timestampMs: bar.timestampMs, pair: pairs[i].description, message: "position without a stop: placing it again"))
        }
        replaceStop(i, trade: t, trigger: state.currentSL, atMs: bar.timestampMs)
    }

    /// Cancels trade `t`'s stop (if it has one) and places one at `trigger` for the units held.
    private mutating func replaceStop(_ i: Int, trade t: Int, trigger: Double, atMs: Int64) {
        if let stopID = slots[i].stopOrder {
            // Forgotten first: the venue's `cancelled` for it is then no news to `apply`.
            orders[stopID] = nil
            var ev: [VenueEvent] = []
            venue.cancel(stopID, atMs: atMs, events: &ev)
        }
        slots[i].stopOrder = submitProtective(i, kind: stopKind(trigger), quantity: heldUnits(i, t), purpose: .stopLoss, atMs: atMs, oco: t + 1)
    }

    /// A limit entry not filled by this bar's close is re-priced at the close, or after the last
    /// attempt replaced by a market order (filling at the next open). One filled in part is
    /// taken as it is: the rest is cancelled and the position opens with what was bought.
    private mutating func chaseEntry(_ i: Int, _ bar: Bar) {
        guard case .entering(let id) = slots[i].state, slots[i].entryIsLimit, slots[i].chaseAttempt > 0 else { return }
        if slots[i].buildingTrade != nil {
            completeEntry(i, atMs: bar.timestampMs, partial: true)
            return
        }
        events.removeAll(keepingCapacity: true)
        orders[id] = nil
        venue.cancel(id, atMs: bar.timestampMs, events: &events)
        drainEvents()
        let lastTry = slots[i].chaseAttempt >= config.entryChaseAttempts
        let newID = submit(i, side: .buy, kind: lastTry ? .market : .limit(price: bar.close), quantity: .quoteIncludingFee(slots[i].chaseBudget),
                           purpose: .entry, atMs: bar.timestampMs)
        if lastTry {
            slots[i].entryIsLimit = false
            notes.append(EngineNote(timestampMs: bar.timestampMs, pair: pairs[i].description,
                                    message: "limit entry not filled after \(config.entryChaseAttempts) attempts: market order"))
        } else {
            slots[i].chaseAttempt += 1
        }
        if orders[newID] != nil { slots[i].state = .entering(newID) } else { slots[i].state = .flat }
    }

    /// After a partial exit, the stop order is replaced by one for the units still held.
    private mutating func resizeStop(_ i: Int, trade t: Int, atMs: Int64) {
        guard slots[i].stopOrder != nil, let stop = trades[t].stopLoss else { return }
        replaceStop(i, trade: t, trigger: stop, atMs: atMs)
    }

    /// Resets the daily counters at UTC midnight.
    private mutating func rollDay(_ ms: Int64) {
        let day = ms / 86_400_000
        if day != today { today = day; todayPnL = 0; todayTrades = 0 }
    }

    /// Win rate and payoff of the closed trades, once there are 20 (for the risk-of-ruin gate).
    static func winStats(_ pnl: [Double]) -> (winRate: Double, payoff: Double)? {
        guard pnl.count >= 20 else { return nil }
        let wins = pnl.filter { $0 > 0 }, losses = pnl.filter { $0 <= 0 }
        guard !wins.isEmpty, !losses.isEmpty else { return nil }
        let avgWin = wins.reduce(0, +) / Double(wins.count), avgLoss = -losses.reduce(0, +) / Double(losses.count)
        guard avgLoss > 0 else { return nil }
        return (Double(wins.count) / Double(pnl.count), avgWin / avgLoss)
    }

    /// `T-` and 12 hex digits, the seed's trade id format; sequential so runs are reproducible.
    static func tradeID(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "T-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }
}
