import Foundation
import NovaCore
import WebSocketKit

/// The fake Coinbase's account: balances, orders and their matching on the streamed bars, in
/// Coinbase's order states (crib §3.4). Market orders fill at the last price as takers; resting
/// limits fill at their price as makers when a bar reaches it; a stop-limit triggers when a bar
/// trades through its stop and then fills at its limit as a taker. Fees in quote.
struct FakeCoinbaseAccount {
    struct Order {
        var orderID: String
        var clientOrderID: String
        var productID: String
        var side: String
        var kind: String            // market_market_ioc, sor_limit_ioc, limit_limit_gtc, stop_limit_stop_limit_gtc
        var baseSize: Double?
        var quoteSize: Double?
        var limitPrice: Double?
        var stopPrice: Double?
        var postOnly = false
        var triggered = false
        var status = "OPEN"
        var filled = 0.0
        var value = 0.0
        var fees = 0.0
        var createdMs: Int64
        var cancelReason = ""
        var avgPrice: Double { filled > 0 ? value / filled : 0 }
    }

    var balances: [String: Double]
    var orders: [Order] = []
    var last: Double
    var creates = 0
    let loseCreateReplies: Set<Int>
    let makerFee: Double
    let takerFee: Double
    /// Order ids whose state changed since the user channel was last told.
    var changed: [String] = []

    init(balances: [String: Double], price: Double, loseCreateReplies: Set<Int>, makerFee: Double, takerFee: Double) {
        self.balances = balances; self.last = price; self.loseCreateReplies = loseCreateReplies
        self.makerFee = makerFee; self.takerFee = takerFee
    }

    static func round8(_ v: Double) -> Double { (v * 1e8).rounded() / 1e8 }

    /// BTC that open sells hold.
    func heldBase() -> Double {
        orders.filter { $0.status == "OPEN" && $0.side == "SELL" }.reduce(0) { $0 + (($1.baseSize ?? 0) - $1.filled) }
    }
    func heldQuote() -> Double {
        orders.filter { $0.status == "OPEN" && $0.side == "BUY" }.reduce(0) { $0 + (($1.baseSize ?? 0) - $1.filled) * ($1.limitPrice ?? 0) * (1 + makerFee) }
    }

    mutating func fill(_ i: Int, units: Double, price: Double, maker: Bool) {
        let v = units * price
        let fee = ((v * (maker ? makerFee : takerFee)) * 100).rounded(.up) / 100
        orders[i].filled = Self.round8(orders[i].filled + units)
        orders[i].value += v
        orders[i].fees += fee
        let base = String(orders[i].productID.prefix { $0 != "-" })
        if orders[i].side == "BUY" {
            balances["USD", default: 0] -= v + fee
            balances[base, default: 0] = Self.round8(balances[base, default: 0] + units)
        } else {
            balances["USD", default: 0] += v - fee
            balances[base, default: 0] = Self.round8(balances[base, default: 0] - units)
        }
        if let b = orders[i].baseSize, orders[i].filled >= b - 1e-12 { orders[i].status = "FILLED" }
        if orders[i].baseSize == nil { orders[i].status = "FILLED" }
        changed.append(orders[i].orderID)
    }

    /// `POST /orders`: the reply's status and body.
    mutating func create(_ body: [String: Any], nowMs: Int64) -> (Int, String) {
        creates += 1
        guard let client = body["client_order_id"] as? String, let product = body["product_id"] as? String, let side = body["side"] as? String,
              let config = body["order_configuration"] as? [String: [String: Any]], let (kind, c) = config.first else {
            return (400, #"{"error":"INVALID_ARGUMENT","code":3,"message":"client_order_id, product_id, side and order_configuration are required","details":[]}"#)
        }
        // The same client id again returns the order it made (crib §3.4: idempotent client ids).
        if let existing = orders.first(where: { $0.clientOrderID == client }) {
            return (200, Self.success(existing))
        }
        func num(_ k: String) -> Double? { (c[k] as? String).flatMap(Double.init) }
        var o = Order(orderID: "cb-\(orders.count + 1)", clientOrderID: client, productID: product, side: side, kind: kind,
                      baseSize: num("base_size"), quoteSize: num("quote_size"), limitPrice: num("limit_price"), stopPrice: num("stop_price"),
                      postOnly: (c["post_only"] as? Bool) ?? false, createdMs: nowMs)
        func fail(_ code: String, _ message: String) -> (Int, String) {
            (200, #"{"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"","error_response":{"error":"\#(code)","message":"\#(message)","error_details":"","preview_failure_reason":"PREVIEW_\#(code)"}}"#)
        }
        let base = String(product.prefix { $0 != "-" })
        // Funds, as Coinbase checks them at submit.
        if side == "SELL", let b = o.baseSize, b > balances[base, default: 0] - heldBase() + 1e-12 {
            return fail("INSUFFICIENT_FUND", "Insufficient balance in source account")
        }
        if side == "BUY" {
            let cost = o.quoteSize.map { $0 * (1 + takerFee) } ?? ((o.baseSize ?? 0) * (o.limitPrice ?? last) * (1 + takerFee))
            if cost > balances["USD", default: 0] - heldQuote() + 1e-9 { return fail("INSUFFICIENT_FUND", "Insufficient balance in source account") }
        }
        if kind == "limit_limit_gtc", o.postOnly, let l = o.limitPrice, side == "BUY" ? l >= last : l <= last {
            return fail("INVALID_LIMIT_PRICE_POST_ONLY", "post-only limit would cross")
        }
        orders.append(o)
        let i = orders.count - 1
        switch kind {
        case "market_market_ioc":
            let units = o.baseSize ?? Self.round8((o.quoteSize ?? 0) / last)
            fill(i, units: units, price: last, maker: false)
            orders[i].status = "FILLED"
        case "sor_limit_ioc":
            if let l = o.limitPrice, side == "SELL" ? last >= l : last <= l {
                fill(i, units: o.baseSize ?? 0, price: last, maker: false)
            } else {
                orders[i].status = "CANCELLED"
                orders[i].cancelReason = "IOC order not filled"
                changed.append(o.orderID)
            }
        default:
            changed.append(o.orderID)
        }
        o = orders[i]
        if loseCreateReplies.contains(creates) { return (502, "<html><body>502 Bad Gateway</body></html>") }
        return (200, Self.success(o))
    }

    static func success(_ o: Order) -> String {
        #"{"success":true,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"\#(o.orderID)","success_response":{"order_id":"\#(o.orderID)","product_id":"\#(o.productID)","side":"\#(o.side)","client_order_id":"\#(o.clientOrderID)"}}"#
    }

    /// Resting orders against one bar: limits at their price (makers), stop-limits triggered
    /// by the bar and filled at their limit (takers). The bar's close is the last price after.
    mutating func play(_ b: Bar) {
        for i in orders.indices where orders[i].status == "OPEN" {
            let o = orders[i]
            let left = (o.baseSize ?? 0) - o.filled
            guard left > 1e-12, let l = o.limitPrice else { continue }
            switch o.kind {
            case "limit_limit_gtc":
                if o.side == "BUY" ? b.low <= l : b.high >= l { fill(i, units: left, price: l, maker: true) }
            case "stop_limit_stop_limit_gtc":
                guard let s = o.stopPrice else { continue }
                if !o.triggered, o.side == "SELL" ? b.low <= s : b.high >= s { orders[i].triggered = true }
                if orders[i].triggered, o.side == "SELL" ? b.high >= l : b.low <= l { fill(i, units: left, price: l, maker: false) }
            default: break
            }
        }
        last = b.close
    }

    mutating func cancel(_ id: String) -> String {
        guard let i = orders.firstIndex(where: { $0.orderID == id }) else {
            return #"{"success":false,"failure_reason":"UNKNOWN_CANCEL_ORDER","order_id":"\#(id)"}"#
        }
        guard orders[i].status == "OPEN" else {
            let reason = orders[i].status == "FILLED" ? "ORDER_IS_FULLY_FILLED" : "INVALID_CANCEL_REQUEST"
            return #"{"success":false,"failure_reason":"\#(reason)","order_id":"\#(id)"}"#
        }
        orders[i].status = "CANCELLED"
        orders[i].cancelReason = "User requested cancel"
        changed.append(id)
        return #"{"success":true,"failure_reason":"UNKNOWN_CANCEL_FAILURE_REASON","order_id":"\#(id)"}"#
    }

    /// An order as `GET /orders/historical/...` lists it.
    static func json(_ o: Order) -> String {
        let filledTime = o.filled > 0 ? #","last_fill_time":"\#(UTCTime.iso(o.createdMs))""# : ""
        return #"{"order_id":"\#(o.orderID)","client_order_id":"\#(o.clientOrderID)","product_id":"\#(o.productID)","side":"\#(o.side)","status":"\#(o.status)","time_in_force":"GOOD_UNTIL_CANCELLED","created_time":"\#(UTCTime.iso(o.createdMs))","filled_size":"\#(o.filled)","average_filled_price":"\#(o.avgPrice)","total_fees":"\#(o.fees)","number_of_fills":"\#(o.filled > 0 ? 1 : 0)","order_type":"\#(o.kind.hasPrefix("market") ? "MARKET" : "LIMIT")","cancel_message":"\#(o.cancelReason)"\#(filledTime)}"#
    }

    /// An order as the `user` channel tells it: cumulative figures.
    static func userJSON(_ o: Order) -> String {
        let leaves = max(0, (o.baseSize ?? o.filled) - o.filled)
        return #"{"order_id":"\#(o.orderID)","client_order_id":"\#(o.clientOrderID)","cumulative_quantity":"\#(o.filled)","leaves_quantity":"\#(o.status == "OPEN" ? leaves : 0)","avg_price":"\#(o.avgPrice)","total_fees":"\#(o.fees)","status":"\#(o.status)","product_id":"\#(o.productID)","creation_time":"\#(UTCTime.iso(o.createdMs))","order_side":"\#(o.side)","order_type":"\#(o.kind.hasPrefix("market") ? "Market" : "Limit")","cancel_reason":"\#(o.cancelReason)","reject_reason":""}"#
    }
}

extension FakeCoinbase {
    /// The private order calls (under `lock`).
    func orderCall(method: String, sub: String, params: [String: [String]], body: String) -> (Int, String) {
        let obj = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        switch (method, sub) {
        case ("POST", "/orders"):
            let r = account.create(obj, nowMs: nowMs())
            flushUser()
            return r
        case ("POST", "/orders/batch_cancel"):
            let results = (obj["order_ids"] as? [String] ?? []).map { account.cancel($0) }
            flushUser()
            return (200, #"{"results":[\#(results.joined(separator: ","))]}"#)
        case ("GET", "/orders/historical/batch"):
            let statuses = params["order_status"] ?? []
            let start = params["start_date"]?.first.flatMap { try? UTCTime.parse($0) } ?? .min
            let rows = account.orders.filter { (statuses.isEmpty || statuses.contains($0.status)) && $0.createdMs >= start }.map(FakeCoinbaseAccount.json)
            return (200, #"{"orders":[\#(rows.joined(separator: ","))],"sequence":"0","has_next":false,"cursor":""}"#)
        default:
            if method == "GET", sub.hasPrefix("/orders/historical/") {
                let id = String(sub.dropFirst("/orders/historical/".count))
                guard let o = account.orders.first(where: { $0.orderID == id }) else { return (404, #"{"error":"NOT_FOUND","message":"order not found"}"#) }
                return (200, #"{"order":\#(FakeCoinbaseAccount.json(o))}"#)
            }
            return (404, #"{"error":"NOT_FOUND","message":"no such path"}"#)
        }
    }

    /// A `user` subscribe: the JWT checked (no `uri`), the ack, a snapshot of the open orders.
    func userSubscribe(_ ws: WebSocket, _ c: Connection, jwt: String?) {
        guard let key = script.publicKey, let jwt,
              (try? CoinbaseJWTCheck.verify(jwt, key: key, nowMs: nowMs(), keyName: script.keyName)) == true else {
            ws.send(#"{"type":"error","message":"authentication failure"}"#)
            return
        }
        c.lock.withLock { _ = c.channels.insert("user") }
        ws.send(envelope("subscriptions", c.nextSequence(), #"[{"subscriptions":{"user":["user"]}}]"#))
        let open = lock.withLock { () -> [String] in
            userSubscribers[c.n] = (ws, c)
            return account.orders.filter { $0.status == "OPEN" }.map(FakeCoinbaseAccount.userJSON)
        }
        ws.send(envelope("user", c.nextSequence(), #"[{"type":"snapshot","orders":[\#(open.joined(separator: ","))]}]"#))
    }

    /// Tells every user subscriber the orders that changed (under `lock`).
    func flushUser() {
        guard !account.changed.isEmpty else { return }
        let ids = account.changed
        account.changed = []
        let rows = ids.compactMap { id in account.orders.first { $0.orderID == id } }.map(FakeCoinbaseAccount.userJSON)
        for (n, (ws, c)) in userSubscribers {
            if ws.isClosed { userSubscribers[n] = nil; continue }
            let times = script.duplicateUserUpdates ? 2 : 1
            for _ in 0..<times {
                ws.send(envelope("user", c.nextSequence(), #"[{"type":"update","orders":[\#(rows.joined(separator: ","))]}]"#))
            }
        }
    }

    /// The account's balances and orders, for the tests.
    public var balances: [String: Double] { lock.withLock { account.balances } }
    public var orderCount: Int { lock.withLock { account.orders.count } }
    public var orderStates: [(client: String, kind: String, status: String, filled: Double, fees: Double)] {
        lock.withLock { account.orders.map { ($0.clientOrderID, $0.kind, $0.status, $0.filled, $0.fees) } }
    }
}
