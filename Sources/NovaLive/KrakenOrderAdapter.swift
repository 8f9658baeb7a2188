import Foundation
import NovaCore
import NovaKraken
import NovaVenue

/// Real orders at Kraken (exchange-crib.md §1.4, §2.5, §7): AddOrder and CancelOrder over the
/// signed REST API, and every answer from the authenticated WebSocket's `executions` and
/// `balances` channels, turned into the engine's events by `KrakenExecutionTracker`.
///
/// - AddOrder is sent once. An error Kraken answered with is a reject (the reason family the
///   executor retries by); anything else (a timeout, a 5xx page, an error that may come after
///   the engine took the order) leaves the outcome unknown: the order stays in flight, its
///   `cl_ord_id` finds it when the channel or reconciliation speaks of it. Never resent.
/// - The private connection gets a new token for every connection (Kraken's rule), and is
///   reconnected with backoff when it closes or goes silent; its `executions` snapshot (open
///   orders, the last 50 fills) catches up what happened meanwhile, deduplicated by `exec_id`.
public actor KrakenOrderAdapter: OrderAdapter {
    public struct Settings: Sendable {
        public var wsAuthURL: String
        public var takerFee: Double
        /// AddOrder's `deadline`, this far ahead of the send (Kraken accepts at most 60 s).
        public var deadlineMs: Int64 = 30_000
        /// No frame (Kraken sends a heartbeat every second) for this long: the connection is dead.
        public var silentMs: Int64 = 10_000
        public var reconnectMinMs: Int64 = 500
        public var reconnectMaxMs: Int64 = 5_000
        /// How long `start` waits for both subscriptions.
        public var startTimeoutMs: Int64 = 15_000
        /// An order with no definite answer that is listed nowhere this long after its deadline
        /// never traded (Kraken refuses it past the deadline; the margin covers clock skew).
        public var settleGraceMs: Int64 = 5_000
        /// Reconciliation timers (Kraken's guidance: open orders 30 s, balances 120 s).
        public var reconcileOrdersMs: Int64 = 30_000
        public var reconcileBalancesMs: Int64 = 120_000
        /// Orders with our client-id prefix that no session knows: cancelled, or left working
        /// and reported (`live.unknown_orders`).
        public var adoptUnknown = false
        /// The engine's client-id prefix (every journal's `npN-` starts with it).
        public var clientPrefix = "np"
        public init(wsAuthURL: String, takerFee: Double) { self.wsAuthURL = wsAuthURL; self.takerFee = takerFee }
    }

    let rest: KrakenRESTClient
    let connector: any WebSocketConnector
    let pairs: [Pair]
    var instruments: [Pair: KrakenInstrument]
    let settings: Settings
    let clock: any Clock
    var tracker = KrakenExecutionTracker()
    var emit: (@Sendable ([OrderAdapterEvent]) -> Void)?
    private var loop: Task<Void, Never>?
    private var timers: Task<Void, Never>?
    private var handle: (any WebSocketHandle)?
    private var subscribed: Set<String> = []
    var stopped = false
    private var lastFrameMs: Int64 = 0
    /// Orders of no session: said once on the channel; acted on once by reconciliation.
    var announcedForeign: Set<String> = []
    var reportedForeign: Set<String> = []
    /// TradesHistory is read from here on (seconds): the oldest order not settled, less a minute.
    var tradesSinceS: Int64 = .max
    /// Notes from before `start` (the resumed orders), said once the channel is set up.
    var pendingNotes: [OrderAdapterEvent] = []
    var reconcileQueue = ReconcileQueue()
    public internal(set) var reconciliations = 0
    public private(set) var ordersSent = 0
    /// After a restart: each slot's newest position with an order the last process may have
    /// sent. Orders of those positions are looked up by `cl_ord_id` before they are sent (the
    /// journal may have lost what the last process did; ids are deterministic, and Kraken keeps
    /// them unique among open orders only, so a filled one would not stop a second).
    var resumedPositions: [Int: Int] = [:]
    /// After Kraken's order rate limit: no AddOrder before this (ms).
    var backoffUntilMs: Int64 = 0
    public private(set) var privateConnections = 0

    /// `instruments`: the pairs' rules from AssetPairs; read at `start` when not given.
    public init(rest: KrakenRESTClient, connector: any WebSocketConnector, pairs: [Pair], instruments: [Pair: KrakenInstrument] = [:],
                settings: Settings, clock: any Clock = WallClock()) {
        self.rest = rest; self.connector = connector; self.pairs = pairs; self.instruments = instruments; self.settings = settings; self.clock = clock
    }

    // MARK: The private channel

    public func start(events: @escaping @Sendable ([OrderAdapterEvent]) -> Void) async throws {
        emit = events
        if !pendingNotes.isEmpty { events(pendingNotes); pendingNotes = [] }
        tradesSinceS = min(tradesSinceS, clock.nowMs() / 1000 - 60)
        if instruments.isEmpty {
            do { instruments = try await rest.assetPairs(pairs) } catch {
                throw LiveError.refused("--mode live: Kraken's AssetPairs failed (\(error)): the order rules of \(pairs.map(\.description).joined(separator: ", ")) are unknown")
            }
        }
        loop = Task { await self.connectionLoop() }
        let deadline = clock.nowMs() + settings.startTimeoutMs
        while subscribed.count < 2 {
            guard clock.nowMs() < deadline, !stopped else {
                throw LiveError.refused("Kraken's private WebSocket (\(settings.wsAuthURL)) did not subscribe executions and balances "
                                        + "within \(settings.startTimeoutMs / 1000) s: check the key's WebSocket permission and venues.kraken.ws_auth_url")
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        timers = Task { await self.timerLoop() }
    }

    /// Open orders every `reconcileOrdersMs`, balances every `reconcileBalancesMs`.
    private func timerLoop() async {
        await reconcileTimers(ordersMs: settings.reconcileOrdersMs, balancesMs: settings.reconcileBalancesMs, clock: clock,
                              stopped: { await self.stopped }, reconcile: { await self.reconcile(reason: "timer", balances: $0) })
    }

    public func stop() async {
        stopped = true
        loop?.cancel()
        timers?.cancel()
        if let h = handle { await h.close() }
        handle = nil
    }

    /// Token, connect, subscribe, read until the connection ends; again with backoff, until stopped.
    private func connectionLoop() async {
        await privateChannelLoop(name: "Kraken private WebSocket", credential: "token", minMs: settings.reconnectMinMs, maxMs: settings.reconnectMaxMs,
                                 stopped: { await self.stopped }, session: { try await self.session() },
                                 note: { await self.note("warning", $0) })
    }

    private func session() async throws {
        let token = try await rest.webSocketsToken()
        let (stream, cont) = AsyncStream<WSEvent>.makeStream()
        let h = try await connector.connect(url: settings.wsAuthURL, events: cont)
        handle = h
        privateConnections += 1
        subscribed = []
        lastFrameMs = clock.nowMs()
        await h.send(KrakenWSRequest.subscribePrivate(channel: "executions", token: token, reqID: 1,
                                                      extra: ["snap_orders": true, "snap_trades": true]))
        await h.send(KrakenWSRequest.subscribePrivate(channel: "balances", token: token, reqID: 2))
        // A silent connection is dead: a watchdog closes it, and the loop below ends.
        let watchdog = Task { [silent = settings.silentMs] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                if await self.isSilent(silent) { await h.close(); return }
            }
        }
        defer { watchdog.cancel() }
        for await e in stream {
            switch e {
            case .text(let text, _, _):
                lastFrameMs = clock.nowMs()
                frame(text)
            case .closed, .ended:
                handle = nil
                subscribed = []
                return
            }
        }
    }

    private func isSilent(_ ms: Int64) -> Bool { clock.nowMs() - lastFrameMs > ms }

    private func frame(_ text: String) {
        let now = clock.nowMs()
        switch KrakenWSMessage.parse(text) {
        case .subscription(_, let channel, _, let success, let error, _):
            if success {
                subscribed.insert(channel)
                // After a reconnect: what happened while the channel was down is looked up.
                if subscribed.count == 2 && privateConnections > 1 { Task { await self.reconcile(reason: "reconnect", balances: true) } }
            } else {
                note("error", "Kraken refused the private subscription (\(error ?? "no reason")): reconnecting with a new token")
                if let h = handle { Task { await h.close() } }
            }
        case .executions(_, let rows):
            var out: [OrderAdapterEvent] = []
            for e in rows {
                let (events, foreign) = tracker.apply(e, nowMs: now)
                out += events.map(OrderAdapterEvent.venue)
                if foreign, announcedForeign.insert(e.orderID).inserted {
                    out.append(.note(severity: "warning", text: "Kraken order \(e.orderID) (\(e.clientOrderID ?? "no cl_ord_id")) is not one of this "
                                     + "session's orders: left alone (reconciliation decides, live.unknown_orders)"))
                }
            }
            if !out.isEmpty { emit?(out) }
        case .balances(_, let balances):
            let events = tracker.balanceEvents(balances, atMs: now)
            if !events.isEmpty { emit?(events.map(OrderAdapterEvent.venue)) }
        default:
            break
        }
    }

    // MARK: Commands

    public func submit(_ o: OrderRequest, referencePrice: Double) async {
        // Kraken asked us to slow down: later orders wait (in order, at most 10 s), and their
        // deadline counts from when they go.
        let wait = min(10_000, backoffUntilMs - clock.nowMs())
        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000) }
        let now = clock.nowMs()
        guard let instrument = instruments[o.pair] else {
            emit?([.venue(.rejected(o.id, reason: .invalidOrder, message: "\(o.pair) is not in Kraken's AssetPairs", atMs: now))])
            return
        }
        let sent: (params: [(String, String)], volume: Double)
        do {
            sent = try KrakenOrderParams.addOrder(o, instrument: instrument, referencePrice: referencePrice, takerFee: settings.takerFee,
                                                  deadlineMs: now + settings.deadlineMs)
        } catch {
            emit?([.venue(.rejected(o.id, reason: error.reason, message: error.message, atMs: now)),
                   .note(severity: "warning", text: "\(o.clientOrderID) (\(o.purpose.rawValue)): \(error.message)")])
            return
        }
        let wire = sent.params.first { $0.0 == "cl_ord_id" }?.1 ?? o.clientOrderID
        if mayExistAlready(o.clientOrderID) {
            var found: KrakenOrderInfo?
            do {
                found = try await rest.openOrders(clientOrderID: wire).first
                if found == nil {
                    found = try await rest.closedOrders(startSeconds: now / 1000 - 7 * 86_400, clientOrderID: wire).max { $0.openedAtMs < $1.openedAtMs }
                }
            } catch {
                // Not known either way: not sent; reconciliation settles it by its deadline.
                tracker.sent(o, wireID: wire, volume: sent.volume, atMs: now)
                let why = "\(wire) (\(o.purpose.rawValue)) may have been sent by the last process and could not be looked up (\(error.message)): "
                    + "not sent; settled by reconciliation"
                note("warning", why)
                return
            }
            if let info = found {
                tracker.sent(o, wireID: wire, volume: sent.volume, atMs: now)
                emit?(tracker.status(info, for: o.id, nowMs: clock.nowMs()).map(OrderAdapterEvent.venue)
                      + [.note(severity: "warning", text: "\(wire) (\(o.purpose.rawValue)) was already sent by the last process (\(info.txid), "
                               + "\(info.status)): that order is this one, not sent again")])
                return
            }
        }
        // Recorded before it goes: its executions may arrive before the reply.
        tracker.sent(o, wireID: wire, volume: sent.volume, atMs: now)
        ordersSent += 1
        do {
            let txid = try await rest.addOrder(sent.params)
            emit?(tracker.placed(o.id, txid: txid, atMs: clock.nowMs()).map(OrderAdapterEvent.venue)
                  + [.note(severity: "info", text: "\(o.side.rawValue) \(o.kind.name) \(o.pair) \(wire) (\(o.purpose.rawValue)) at Kraken: \(txid)")])
        } catch {
            if KrakenOrderParams.isDefiniteReject(error) {
                if error.kind == .rateLimit { backoffUntilMs = clock.nowMs() + max(2_000, (error.retryAfterMs ?? 0) - clock.nowMs()) }
                var out = tracker.refused(o.id, reason: error.rejectReason, message: error.message, atMs: clock.nowMs()).map(OrderAdapterEvent.venue)
                out.append(.note(severity: "warning", text: "\(wire) (\(o.purpose.rawValue)) rejected by Kraken: \(error.message)"))
                if error.kind == .nonce || error.kind == .authentication {
                    out.append(.halt(reason: error.kind == .nonce
                        ? "Kraken refused our nonce again after resynchronising it (\(error.message)): another process may be using this API key "
                            + "(use one key per instance); new entries stopped until restart"
                        : "Kraken refused the API key (\(error.message)): check its permissions; new entries stopped until restart"))
                }
                emit?(out)
            } else if KrakenOrderParams.isDuplicateClientID(error) {
                emit?([.note(severity: "warning", text: "\(wire) (\(o.purpose.rawValue)) is already at Kraken (\(error.message)): an earlier process "
                             + "sent it; it is that order, looked up by its cl_ord_id")])
                Task { await self.reconcile(reason: "duplicate client id", balances: false) }
            } else {
                emit?([.note(severity: "warning", text: "AddOrder \(wire) (\(o.purpose.rawValue)) has no definite answer (\(error.message)): "
                             + "it stays in flight, found by its cl_ord_id; never resent")])
            }
        }
    }

    /// Whether an order of this client id may have been sent by the process before a restart.
    func mayExistAlready(_ clientOrderID: String) -> Bool {
        ClientOrderIDs.mayExistAlready(clientOrderID, resumedPositions: resumedPositions)
    }

    public func cancel(_ id: OrderID) async {
        let now = clock.nowMs()
        guard let o = tracker.orders[id], !o.ended else {
            emit?([.venue(.cancelRejected(id, reason: "not an open order at Kraken", atMs: now))])
            return
        }
        // A cancel is safe to send again (a second one finds the order gone): a transient
        // failure is retried, so an exit waiting for this cancel is not left waiting.
        var attempt = 0
        while true {
            attempt += 1
            do {
                let count = try await rest.cancelOrder(o.txid ?? o.wireID)
                // Cancelled: the `canceled` execution says so. Nothing cancelled: it had ended,
                // and its own executions tell how.
                if count == 0 {
                    emit?([.venue(.cancelRejected(id, reason: "Kraken cancelled nothing: the order had ended", atMs: clock.nowMs()))])
                }
                return
            } catch {
                let retry = [.transient, .transport, .rateLimit, .unknown].contains(error.kind) && attempt < 4 && !stopped
                if retry {
                    let wait = error.kind == .rateLimit ? max(2_000, (error.retryAfterMs ?? 0) - clock.nowMs()) : 500 << (attempt - 1)
                    note("warning", "CancelOrder \(o.wireID) failed (\(error.message)): trying again in \(wait) ms")
                    try? await Task.sleep(nanoseconds: UInt64(min(wait, 10_000)) * 1_000_000)
                    continue
                }
                emit?([.venue(.cancelRejected(id, reason: error.message, atMs: clock.nowMs())),
                       .note(severity: "warning", text: "CancelOrder \(o.wireID) failed: \(error.message)")])
                return
            }
        }
    }


    func note(_ severity: String, _ text: String) {
        guard let emit else { pendingNotes.append(.note(severity: severity, text: text)); return }
        emit([.note(severity: severity, text: text)])
    }
}
