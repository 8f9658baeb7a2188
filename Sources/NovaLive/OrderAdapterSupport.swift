import NovaConfig
import NovaCore

/// What the Kraken and Coinbase order adapters share: the shape of the engine's client order
/// ids, the one-at-a-time reconciliation queue, its timers, and the timings from `live.*`.
enum ClientOrderIDs {
    /// The slot and position of an engine id (`npN-SLOT-POSITION-LEG`), nil for any other.
    static func position(_ id: String) -> (slot: Int, position: Int)? {
        let parts = id.split(separator: "-")
        guard parts.count == 4, let slot = Int(parts[1]), let position = Int(parts[2]) else { return nil }
        return (slot, position)
    }

    /// Whether an order of this id may have been sent by the process before a restart: its
    /// position is at or before the newest one the journal left with orders in its slot.
    static func mayExistAlready(_ id: String, resumedPositions: [Int: Int]) -> Bool {
        guard let p = position(id), let newest = resumedPositions[p.slot] else { return false }
        return p.position <= newest
    }

    /// Notes an order resumed after a restart in `resumedPositions`.
    static func noteResumed(_ id: String, in resumedPositions: inout [Int: Int]) {
        guard let p = position(id) else { return }
        resumedPositions[p.slot] = max(resumedPositions[p.slot] ?? 0, p.position)
    }
}

/// Reconciliations run one at a time; one asked for while another runs (a reconnect's during
/// a timer's) runs right after it, and timer requests do not pile up.
struct ReconcileQueue: Sendable {
    private(set) var running = false
    private var pending: (reason: String, balances: Bool)?

    /// Whether the caller runs now (else its request waits for the running one).
    mutating func begin(_ reason: String, balances: Bool) -> Bool {
        guard running else { running = true; return true }
        if reason != "timer" || pending == nil { pending = (reason, balances || pending?.balances == true) }
        return false
    }

    /// The request that waited, or nil (the queue is idle again).
    mutating func next() -> (reason: String, balances: Bool)? {
        if let p = pending { pending = nil; return p }
        running = false
        return nil
    }
}

/// The adapters' timings from `live.*`.
protocol AdapterTimings {
    var silentMs: Int64 { get set }
    var reconnectMinMs: Int64 { get set }
    var reconnectMaxMs: Int64 { get set }
    var reconcileOrdersMs: Int64 { get set }
    var reconcileBalancesMs: Int64 { get set }
    var adoptUnknown: Bool { get set }
}

extension AdapterTimings {
    mutating func apply(_ live: NovaPulseConfig.LiveSection) {
        silentMs = Int64(live.silentConnectionS * 1000)
        reconnectMinMs = Int64(live.reconnectMinS * 1000)
        reconnectMaxMs = Int64(live.reconnectMaxS * 1000)
        reconcileOrdersMs = Int64(live.reconcileOrdersS * 1000)
        reconcileBalancesMs = Int64(live.reconcileBalancesS * 1000)
        adoptUnknown = live.unknownOrders == "adopt"
    }
}

extension KrakenOrderAdapter.Settings: AdapterTimings {}
extension CoinbaseOrderAdapter.Settings: AdapterTimings {}

/// Open orders every `ordersMs`, balances every `balancesMs`, until `stopped` says so.
func reconcileTimers(ordersMs: Int64, balancesMs: Int64, clock: any Clock, stopped: @Sendable () async -> Bool,
                     reconcile: @Sendable (_ balances: Bool) async -> Void) async {
    var nextBalances = clock.nowMs() + balancesMs
    while await !stopped(), !Task.isCancelled {
        try? await Task.sleep(nanoseconds: UInt64(max(50, ordersMs)) * 1_000_000)
        guard await !stopped(), !Task.isCancelled else { return }
        let now = clock.nowMs()
        let balances = now >= nextBalances
        if balances { nextBalances = now + balancesMs }
        await reconcile(balances)
    }
}

/// The private channel's connection loop, shared by the adapters: a session until it ends, then
/// a new one after `minMs` (x1.5 per failure up to `maxMs`), until `stopped`. `name` is how the
/// notes call the channel ("Kraken private WebSocket"), `credential` what each session gets anew.
func privateChannelLoop(name: String, credential: String, minMs: Int64, maxMs: Int64, stopped: @Sendable () async -> Bool,
                        session: @Sendable () async throws -> Void, note: @Sendable (String) async -> Void) async {
    var wait = minMs
    while await !stopped(), !Task.isCancelled {
        do {
            try await session()
            wait = minMs
        } catch {
            await note("\(name): \(error)")
        }
        guard await !stopped(), !Task.isCancelled else { return }
        await note("\(name) closed: reconnecting in \(wait) ms with a new \(credential)")
        try? await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000)
        wait = min(maxMs, wait * 3 / 2)
    }
}
