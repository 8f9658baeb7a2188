import Foundation
import NovaCoinbase
import NovaCore
import NovaVenue

/// Real orders at Coinbase Advanced Trade (exchange-crib.md §3.4, §4, §7): `POST /orders` and
/// `batch_cancel` over the signed REST API, and every answer from the `user` WebSocket channel,
/// turned into the engine's events by `CoinbaseOrderTracker` (fills from cumulative state).
///
/// - An order is sent once. An answer Coinbase gave (`success: false`, a 4xx) is a reject; a
///   timeout, a 5xx or a reply that is not its shape leaves the outcome unknown: the order stays
///   in flight and its `client_order_id` finds it (the user channel, or reconciliation, which
///   lists recent orders). Never resent.
/// - The user connection subscribes `user` and `heartbeats` with a fresh JWT each time, is
///   reconnected with backoff when it closes or goes silent, and a break of its sequence
///   numbers (messages lost) asks for a reconciliation.
public actor CoinbaseOrderAdapter: OrderAdapter {
    public struct Settings: Sendable {
        public var wsUserURL: String
        public var takerFee: Double
        public var silentMs: Int64 = 10_000
        public var reconnectMinMs: Int64 = 500
        public var reconnectMaxMs: Int64 = 5_000
        public var startTimeoutMs: Int64 = 15_000
        /// An order whose create got no answer and that no listing shows this long after it was
        /// sent never reached Coinbase (creation is synchronous there).
        public var settleGraceMs: Int64 = 120_000
        public var reconcileOrdersMs: Int64 = 30_000
        public var reconcileBalancesMs: Int64 = 120_000
        public var adoptUnknown = false
        public var clientPrefix = "np"
        public init(wsUserURL: String, takerFee: Double) { self.wsUserURL = wsUserURL; self.takerFee = takerFee }
    }

    let rest: CoinbaseRESTClient
    let connector: any WebSocketConnector
    let pairs: [Pair]
    var products: [Pair: CoinbaseProduct]
    let settings: Settings
    let clock: any Clock
    var tracker = CoinbaseOrderTracker()
    var emit: (@Sendable ([OrderAdapterEvent]) -> Void)?
    private var loop: Task<Void, Never>?
    private var timers: Task<Void, Never>?
    private var handle: (any WebSocketHandle)?
    private var subscribed = false
    private var sequence = SequenceGuard()
    var stopped = false
    private var lastFrameMs: Int64 = 0
    var announcedForeign: Set<String> = []
    var reportedForeign: Set<String> = []
    var pendingNotes: [OrderAdapterEvent] = []
    var reconcileQueue = ReconcileQueue()
    public internal(set) var reconciliations = 0
    public private(set) var ordersSent = 0
    public private(set) var userConnections = 0
    /// After a restart: each slot's newest position with an order the last process may have sent.
    var resumedPositions: [Int: Int] = [:]
    var backoffUntilMs: Int64 = 0

    public init(rest: CoinbaseRESTClient, connector: any WebSocketConnector, pairs: [Pair], products: [Pair: CoinbaseProduct] = [:],
                settings: Settings, clock: any Clock = WallClock()) {
        self.rest = rest; self.connector = connector; self.pairs = pairs; self.products = products; self.settings = settings; self.clock = clock
    }

    // MARK: The user channel

    public func start(events: @escaping @Sendable ([OrderAdapterEvent]) -> Void) async throws {
        emit = events
        if !pendingNotes.isEmpty { events(pendingNotes); pendingNotes = [] }
        if products.isEmpty {
            do { products = try await rest.products(pairs) } catch {
                throw LiveError.refused("--mode live: Coinbase's products failed (\(error)): the order rules of \(pairs.map(\.description).joined(separator: ", ")) are unknown")
            }
        }
        do { _ = try await rest.webSocketJWT() } catch { throw LiveError.refused("\(error)") }
        loop = Task { await self.connectionLoop() }
        let deadline = clock.nowMs() + settings.startTimeoutMs
        while !subscribed {
            guard clock.nowMs() < deadline, !stopped else {
                throw LiveError.refused("Coinbase's user WebSocket (\(settings.wsUserURL)) did not acknowledge the user channel "
                                        + "within \(settings.startTimeoutMs / 1000) s: check the key and venues.coinbase.ws_auth_url")
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        timers = Task { await self.timerLoop() }
    }

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

    private func connectionLoop() async {
        await privateChannelLoop(name: "Coinbase user WebSocket", credential: "JWT", minMs: settings.reconnectMinMs, maxMs: settings.reconnectMaxMs,
                                 stopped: { await self.stopped }, session: { try await self.session() },
                                 note: { await self.note("warning", $0) })
    }

    private func session() async throws {
        let (stream, cont) = AsyncStream<WSEvent>.makeStream()
        let h = try await connector.connect(url: settings.wsUserURL, events: cont)
        handle = h
        userConnections += 1
        subscribed = false
        sequence.reset()
        lastFrameMs = clock.nowMs()
        let ids = pairs.map(CoinbaseNames.productID)
        // Within 5 s of connecting, one channel a message, each with its own fresh JWT.
        await h.send(String(decoding: CoinbaseWSMessage.subscribe(channel: "heartbeats", productIDs: [], jwt: try await rest.webSocketJWT()), as: UTF8.self))
        await h.send(String(decoding: CoinbaseWSMessage.subscribe(channel: "user", productIDs: ids, jwt: try await rest.webSocketJWT()), as: UTF8.self))
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
                subscribed = false
                return
            }
        }
    }

    private func isSilent(_ ms: Int64) -> Bool { clock.nowMs() - lastFrameMs > ms }

    private func frame(_ text: String) {
        let now = clock.nowMs()
        let m: CoinbaseWSMessage
        do { m = try CoinbaseWSMessage.parse(Data(text.utf8)) } catch {
            note("warning", "\(error)")
            return
        }
        if let s = m.sequence, sequence.check(s) != .ok {
            note("warning", "Coinbase user channel: sequence broken at \(s): messages may be lost; reconciling")
            Task { await self.reconcile(reason: "user channel sequence break", balances: false) }
        }
        switch m {
        case .subscriptions(let subs, _):
            if subs["user"] != nil, !subscribed {
                subscribed = true
                if userConnections > 1 { Task { await self.reconcile(reason: "reconnect", balances: true) } }
            }
        case .user(let events, _):
            var out: [OrderAdapterEvent] = []
            for e in events {
                for o in e.orders {
                    let (venueEvents, foreign) = tracker.apply(o, nowMs: now)
                    out += venueEvents.map(OrderAdapterEvent.venue)
                    if foreign, announcedForeign.insert(o.orderID).inserted {
                        out.append(.note(severity: "warning", text: "Coinbase order \(o.orderID) (\(o.clientOrderID ?? "no client_order_id")) is not one of this "
                                         + "session's orders: left alone (reconciliation decides, live.unknown_orders)"))
                    }
                }
            }
            if !out.isEmpty { emit?(out) }
        case .error(let text):
            note("error", "Coinbase user channel says: \(text); reconnecting with a new JWT")
            if let h = handle { Task { await h.close() } }
        default:
            break
        }
    }

    // MARK: Commands

    public func submit(_ o: OrderRequest, referencePrice: Double) async {
        let wait = min(10_000, backoffUntilMs - clock.nowMs())
        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000) }
        let now = clock.nowMs()
        guard let product = products[o.pair] else {
            emit?([.venue(.rejected(o.id, reason: .invalidOrder, message: "\(o.pair) is not among Coinbase's products", atMs: now))])
            return
        }
        let body: CoinbaseOrderBody.Body
        do { body = try CoinbaseOrderBody.create(o, product: product, takerFee: settings.takerFee) } catch {
            emit?([.venue(.rejected(o.id, reason: error.reason, message: error.message, atMs: now)),
                   .note(severity: "warning", text: "\(o.clientOrderID) (\(o.purpose.rawValue)): \(error.message)")])
            return
        }
        if mayExistAlready(o.clientOrderID) {
            do {
                if let found = try await rest.orders(startMs: o.createdAtMs - 3_600_000).first(where: { $0.clientOrderID == o.clientOrderID }) {
                    tracker.sent(o, clientOrderID: body.clientOrderID, baseSize: body.baseSize, atMs: now)
                    emit?(tracker.status(found, for: o.id, nowMs: clock.nowMs()).map(OrderAdapterEvent.venue)
                          + [.note(severity: "warning", text: "\(o.clientOrderID) (\(o.purpose.rawValue)) was already sent by the last process "
                                   + "(\(found.orderID), \(found.status)): that order is this one, not sent again")])
                    return
                }
            } catch {
                tracker.sent(o, clientOrderID: body.clientOrderID, baseSize: body.baseSize, atMs: now)
                note("warning", "\(o.clientOrderID) (\(o.purpose.rawValue)) may have been sent by the last process and could not be looked up "
                     + "(\(error.message)): not sent; settled by reconciliation")
                return
            }
        }
        tracker.sent(o, clientOrderID: body.clientOrderID, baseSize: body.baseSize, atMs: now)
        ordersSent += 1
        do {
            let id = try await rest.createOrder(body.json)
            emit?(tracker.placed(o.id, exchangeID: id, atMs: clock.nowMs()).map(OrderAdapterEvent.venue)
                  + [.note(severity: "info", text: "\(o.side.rawValue) \(o.kind.name) \(o.pair) \(o.clientOrderID) (\(o.purpose.rawValue)) at Coinbase: \(id)")])
        } catch {
            if Self.isDefiniteReject(error) {
                if error.kind == .rateLimit { backoffUntilMs = clock.nowMs() + 2_000 }
                var out = tracker.refused(o.id, error, atMs: clock.nowMs()).map(OrderAdapterEvent.venue)
                out.append(.note(severity: "warning", text: "\(o.clientOrderID) (\(o.purpose.rawValue)) rejected by Coinbase: \(error.message)"))
                if error.kind == .authentication {
                    out.append(.halt(reason: "Coinbase refused the API key (\(error.message)): check the key, its permissions and the clock; "
                                     + "new entries stopped until restart"))
                }
                emit?(out)
            } else {
                emit?([.note(severity: "warning", text: "create order \(o.clientOrderID) (\(o.purpose.rawValue)) has no definite answer "
                             + "(\(error.message)): it stays in flight, found by its client_order_id; never resent")])
            }
        }
    }

    /// Coinbase answered: `success: false` (no HTTP status) or a 4xx. A 5xx, a timeout or a
    /// reply that is not its shape may come after the order was taken.
    static func isDefiniteReject(_ e: CoinbaseError) -> Bool {
        if e.kind == .transient || e.kind == .transport { return false }
        guard let status = e.status else { return true }
        return (400...499).contains(status)
    }

    func mayExistAlready(_ clientOrderID: String) -> Bool {
        ClientOrderIDs.mayExistAlready(clientOrderID, resumedPositions: resumedPositions)
    }

    public func cancel(_ id: OrderID) async {
        let now = clock.nowMs()
        guard let o = tracker.orders[id], !o.ended else {
            emit?([.venue(.cancelRejected(id, reason: "not an open order at Coinbase", atMs: now))])
            return
        }
        guard let exchangeID = o.exchangeID else {
            emit?([.venue(.cancelRejected(id, reason: "Coinbase has not confirmed the order yet: cancel again once it has", atMs: now))])
            return
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let result = try await rest.cancelOrders([exchangeID]).first { $0.orderID == exchangeID }
                guard let result else {
                    emit?([.venue(.cancelRejected(id, reason: "Coinbase's cancel reply did not name the order", atMs: clock.nowMs()))])
                    return
                }
                // Accepted: the user channel says when it is done. Refused: the reason, and the
                // order's own updates tell how it ended (ORDER_IS_FULLY_FILLED: its fills).
                if !result.success && result.failureReason != "DUPLICATE_CANCEL_REQUEST" {
                    emit?([.venue(.cancelRejected(id, reason: "Coinbase: \(result.failureReason ?? "cancel refused")", atMs: clock.nowMs()))])
                    if result.failureReason == "ORDER_IS_FULLY_FILLED" { Task { await self.reconcile(reason: "cancel of a filled order", balances: false) } }
                }
                return
            } catch {
                if error.isRetryableRead && attempt < 4 && !stopped {
                    let wait = 500 << (attempt - 1)
                    note("warning", "cancel \(o.clientOrderID) failed (\(error.message)): trying again in \(wait) ms")
                    try? await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000)
                    continue
                }
                emit?([.venue(.cancelRejected(id, reason: error.message, atMs: clock.nowMs())),
                       .note(severity: "warning", text: "cancel \(o.clientOrderID) failed: \(error.message)")])
                return
            }
        }
    }

    func note(_ severity: String, _ text: String) {
        guard let emit else { pendingNotes.append(.note(severity: severity, text: text)); return }
        emit([.note(severity: severity, text: text)])
    }
}
