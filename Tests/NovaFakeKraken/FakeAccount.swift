import Foundation
import NovaCore

/// The fake's account: what it starts with and the faults it plays on cue (exchange-crib.md
/// §1.4, §2.5, §7). Kraken's documentation is the reference for every shape, not our client.
public struct FakeAccountScript: Sendable {
    /// How an AddOrder whose reply is lost looks to the client: the order is placed either way.
    public enum LostReply: Sendable, Equatable {
        /// An HTML 502 from the "load balancer" (crib §7 #10, #22).
        case badGateway
        /// The connection closes without any reply.
        case hangUp
    }

    /// Balances in Kraken's asset codes.
    public var balances: [String: Decimal] = ["ZUSD": 100_000, "XXBT": 0]
    /// When set, `API-Key` must be this (else `EAPI:Invalid key`).
    public var apiKey: String?
    /// When set (base64), `API-Sign` is recomputed and checked (else `EAPI:Invalid signature`).
    public var apiSecret: String?
    public var makerFee = Decimal(string: "0.0025")!
    public var takerFee = Decimal(string: "0.004")!
    /// The fake's own book: ten levels a side, `levelStep` apart from the last print, with
    /// `levelQty` at each. A market order sweeps them, one trade per level (crib §6).
    public var levelStep = Decimal(string: "0.5")!
    public var levelQty: Decimal = 1_000
    /// A resting limit touched by a bar fills this fraction of its volume per bar (nil: all).
    public var touchFillFraction: Decimal?
    /// The n-th AddOrder (1-based) answers this error instead of placing anything.
    public var rejectAddOrders: [Int: String] = [:]
    /// The n-th AddOrder is placed, and its reply is lost.
    public var loseAddOrderReplies: [Int: LostReply] = [:]
    /// The n-th AddOrder never reaches the engine: nothing is placed and the connection closes
    /// without a reply (the order's fate is unknown to the client, and it never traded).
    public var swallowAddOrders: Set<Int> = []
    /// The n-th private call (any method, 1-based) answers `EAPI:Rate limit exceeded` / `EAPI:Invalid nonce`.
    public var rateLimitCalls: Set<Int> = []
    public var invalidNonceCalls: Set<Int> = []
    /// The n-th AddOrder (retries count) answers `EAPI:Invalid nonce` whatever its nonce.
    public var invalidNonceAddOrders: Set<Int> = []
    /// The n-th AddOrder answers the trading engine's `EOrder:Rate limit exceeded`.
    public var orderRateLimitAddOrders: Set<Int> = []
    /// Kraken's REST call counter (crib §1.6): ceiling and decay per second; nil: no counter.
    public var restCounterMax: Double?
    public var restCounterDecay = 0.33
    /// The n-th CancelOrder (1-based) answers this error and cancels nothing.
    public var failCancelOrders: [Int: String] = [:]
    /// The n-th CancelOrder finds its order filled just before it (`count: 0`, crib §7 #11).
    public var fillOnCancel: Set<Int> = []
    /// The first private WebSocket closes after sending this many channel messages.
    public var dropPrivateAfterMessages: Int?
    public init() {}
}

/// One order as the fake keeps it.
public struct FakeOrder: Sendable, Equatable {
    public var txid: String
    public var clientOrderID: String
    public var userref: Int
    public var side: String
    public var orderType: String
    public var volume: Decimal
    /// The limit price (`limit`), or the trigger (`stop-loss`, `take-profit`, `*-limit`).
    public var price: Decimal
    /// The limit price of a `*-limit` triggered order.
    public var price2: Decimal
    public var postOnly: Bool
    public var timeInForce: String
    public var status = "pending"
    public var reason = ""
    public var executed: Decimal = 0
    public var cost: Decimal = 0
    public var fee: Decimal = 0
    public var openedAt: Double
    public var closedAt: Double?
    public var triggered = false
    public var tradeIDs: [String] = []
    public var isOpen: Bool { status == "open" || status == "pending" }
    public var remaining: Decimal { volume - executed }
    public var averagePrice: Decimal { executed > 0 ? Dec.round(cost / executed, 5) : 0 }
    /// Rests as a limit now (a plain limit, or a triggered `*-limit`).
    var restsAsLimit: Bool { orderType == "limit" || (triggered && orderType.hasSuffix("-limit")) }
    var restingPrice: Decimal { orderType == "limit" ? price : price2 }
}

/// One fill as TradesHistory reports it.
public struct FakeTrade: Sendable, Equatable {
    public var txid: String
    public var orderTxid: String
    public var side: String
    public var orderType: String
    public var price: Decimal
    public var volume: Decimal
    public var cost: Decimal
    public var fee: Decimal
    public var maker: Bool
    public var time: Double
    public var tradeID: Int
}

/// The fake's single pair, as AssetPairs lists it (BTC/USD on Kraken).
enum FakePair {
    static let altname = "XBTUSD", canonical = "XXBTZUSD", wsname = "BTC/USD"
    static let base = "XXBT", quote = "ZUSD"
    static let pairDecimals = 1, lotDecimals = 8
    static let tick = Decimal(string: "0.1")!
    static let ordermin = Decimal(string: "0.00005")!
    static let costmin = Decimal(string: "0.5")!
    static func known(_ p: String) -> Bool { [altname, canonical, wsname, "XBT/USD"].contains(p) }
}

/// The account's state and its matching engine, driven under the fake's lock. Every change
/// also goes to `outbox` as the authenticated WebSocket would tell it (`executions`,
/// `balances`); the fake sends it to the subscribed private connections.
final class FakeAccount: @unchecked Sendable {
    let script: FakeAccountScript
    var orders: [FakeOrder] = []
    var trades: [FakeTrade] = []
    var balances: [String: Decimal]
    /// The last print: the fake's book is built around it.
    var last: Decimal
    var lastNonce: UInt64 = 0
    var privateCalls = 0
    var addOrders = 0
    var cancels = 0
    var counter = 0.0
    var counterAt = 0.0
    var ledgerEntries = 0
    /// When each AddOrder reached the fake, by `cl_ord_id` (monotonic ns: latency benchmarks).
    var arrivals: [String: UInt64] = [:]
    /// Orders whose cancel met a fill (`fillOnCancel`).
    var raced: [String] = []
    /// Tokens from GetWebSocketsToken: when issued, and the connection that used it.
    var tokens: [String: (issued: Double, connection: Int?)] = [:]
    var outbox: [(channel: String, data: FakeJSON)] = []

    init(script: FakeAccountScript, price: Decimal) {
        self.script = script
        balances = script.balances
        last = price
    }

    // MARK: the book

    /// The levels a taker on `side` meets, best first.
    func levels(takerSide side: String) -> [Decimal] {
        let base = Dec.round(last, FakePair.pairDecimals)
        return (1...10).map { k in side == "buy" ? base + script.levelStep * Decimal(k) : base - script.levelStep * Decimal(k) }
    }

    /// What open orders hold: quote for buys (at their price, with the taker fee), base for sells.
    func held(_ asset: String, except txid: String? = nil) -> Decimal {
        var sum: Decimal = 0
        for o in orders where o.isOpen && o.txid != txid {
            if asset == FakePair.quote, o.side == "buy" {
                let px = o.restsAsLimit ? o.restingPrice : (o.price > 0 ? o.price : last)
                sum += o.remaining * px * (1 + script.takerFee)
            } else if asset == FakePair.base, o.side == "sell" {
                sum += o.remaining
            }
        }
        return sum
    }

    // MARK: placing

    struct Placement { var txid: String?; var descr: String }

    /// AddOrder's checks and placement (crib §1.4, §6); an error string is Kraken's.
    func add(_ f: [String: String], now: Double) -> Result<Placement, FakeError> {
        guard let pair = f["pair"], FakePair.known(pair) else { return .failure("EQuery:Unknown asset pair") }
        guard let side = f["type"], side == "buy" || side == "sell" else { return .failure("EGeneral:Invalid arguments:type") }
        let types = ["market", "limit", "stop-loss", "take-profit", "stop-loss-limit", "take-profit-limit"]
        guard let type = f["ordertype"], types.contains(type) else { return .failure("EGeneral:Invalid arguments:ordertype") }
        guard let volText = f["volume"], let places = Dec.places(volText), let vol = Decimal(string: volText), vol > 0 else {
            return .failure("EGeneral:Invalid arguments:volume")
        }
        guard places <= FakePair.lotDecimals else { return .failure("EGeneral:Invalid arguments:volume") }
        var price: Decimal = 0, price2: Decimal = 0
        if type != "market" {
            guard let t = f["price"], let p = Dec.parse(t), p > 0 else { return .failure("EGeneral:Invalid arguments:price") }
            guard Dec.places(t)! <= FakePair.pairDecimals else { return .failure("EOrder:Tick size check failed") }
            price = p
        }
        if type.hasSuffix("-limit") {
            guard let t = f["price2"], let p = Dec.parse(t), p > 0 else { return .failure("EGeneral:Invalid arguments:price2") }
            guard Dec.places(t)! <= FakePair.pairDecimals else { return .failure("EOrder:Tick size check failed") }
            price2 = p
        }
        let oflags = Set((f["oflags"] ?? "").split(separator: ",").map(String.init))
        let postOnly = oflags.contains("post")
        if postOnly && type != "limit" { return .failure("EGeneral:Invalid arguments:oflags") }
        let tif = (f["timeinforce"] ?? "GTC").uppercased()
        guard ["GTC", "IOC", "GTD"].contains(tif) else { return .failure("EGeneral:Invalid arguments:timeinforce") }
        let cid = f["cl_ord_id"] ?? ""
        // Free text up to 18 ASCII characters, or a UUID (36 with hyphens, 32 without).
        if !cid.isEmpty, !(cid.count <= 18 && cid.allSatisfy(\.isASCII)) && UUID(uuidString: cid) == nil && cid.count != 32 {
            return .failure("EGeneral:Invalid arguments:cl_ord_id")
        }
        if vol < FakePair.ordermin { return .failure("EOrder:Order minimum not met") }
        let refPrice = type == "market" ? levels(takerSide: side)[0] : (type.hasSuffix("-limit") ? price2 : price)
        if vol * refPrice < FakePair.costmin { return .failure("EOrder:Cost minimum not met") }
        if let d = f["deadline"] {
            guard let ms = try? UTCTime.parse(d) else { return .failure("EGeneral:Invalid arguments:deadline") }
            if Double(ms) / 1000 < now { return .failure("EService:Deadline elapsed") }
        }
        // Kraken keeps cl_ord_id unique among open orders only [?: the error text is ours].
        if !cid.isEmpty, orders.contains(where: { $0.clientOrderID == cid && $0.isOpen }) {
            return .failure("EOrder:Duplicate cl_ord_id")
        }
        if side == "buy" {
            let need = vol * refPrice * (1 + script.takerFee)
            if (balances[FakePair.quote] ?? 0) - held(FakePair.quote) < need { return .failure("EOrder:Insufficient funds") }
        } else if (balances[FakePair.base] ?? 0) - held(FakePair.base) < vol {
            return .failure("EOrder:Insufficient funds")
        }
        var descr = "\(side) \(Dec.fixed(vol, FakePair.lotDecimals)) \(FakePair.altname) @ \(type)"
        if type != "market" { descr += " \(Dec.fixed(price, FakePair.pairDecimals))" }
        if f["validate"] == "true" { return .success(Placement(txid: nil, descr: descr)) }

        let n = orders.count + 1
        let txid = String(format: "O%05d-FAKE0-%06d", n, addOrders)
        orders.append(FakeOrder(txid: txid, clientOrderID: cid, userref: Int(f["userref"] ?? "") ?? 0, side: side, orderType: type,
                                volume: vol, price: price, price2: price2, postOnly: postOnly, timeInForce: tif, openedAt: now))
        let i = orders.count - 1
        execution(i, "pending_new", now: now, details: true)
        orders[i].status = "open"
        execution(i, "new", now: now)
        settleOnArrival(i, now: now)
        return .success(Placement(txid: txid, descr: descr))
    }

    /// What a new order does at once: a market order sweeps the book; a crossing limit takes
    /// (or, post-only, is cancelled); IOC cancels its rest; a stop already through its trigger fires.
    private func settleOnArrival(_ i: Int, now: Double) {
        let o = orders[i]
        switch o.orderType {
        case "market":
            take(i, limit: nil, now: now)
        case "limit":
            let best = levels(takerSide: o.side)[0]
            let crosses = o.side == "buy" ? o.price >= best : o.price <= best
            if crosses && o.postOnly { end(i, "canceled", reason: "Post only order", now: now); return }
            if crosses { take(i, limit: o.price, now: now) }
            if orders[i].isOpen && o.timeInForce == "IOC" { end(i, "canceled", reason: "Immediate or cancel", now: now) }
        default:
            trigger(i, print: last, now: now)
        }
    }

    /// Order `i` takes liquidity from the book up to `limit`, one trade per level; a market
    /// order's rest past the ten levels fills at the tenth (the real book is deeper).
    private func take(_ i: Int, limit: Decimal?, now: Double) {
        let side = orders[i].side
        let book = levels(takerSide: side)
        for (k, px) in book.enumerated() {
            guard orders[i].isOpen, orders[i].remaining > 0 else { return }
            if let limit, side == "buy" ? px > limit : px < limit { return }
            let q = limit == nil && k == book.count - 1 ? orders[i].remaining : min(orders[i].remaining, script.levelQty)
            fill(i, qty: q, price: px, maker: false, now: now)
        }
    }

    // MARK: prints

    /// A bar as prints: open, then the nearer extreme first (low first on an up bar), close.
    func play(_ b: Bar, now: Double) {
        let prints = b.close >= b.open ? [b.open, b.low, b.high, b.close] : [b.open, b.high, b.low, b.close]
        var filledThisBar = Set<String>()
        for p in prints { trade(at: Dec.from(p), now: now, partial: &filledThisBar) }
    }

    func trade(at p: Decimal, now: Double) {
        var none = Set<String>()
        trade(at: p, now: now, partial: &none)
    }

    private func trade(at p: Decimal, now: Double, partial filled: inout Set<String>) {
        last = p
        for i in orders.indices where orders[i].isOpen {
            if !orders[i].triggered && orders[i].orderType != "limit" && orders[i].orderType != "market" {
                trigger(i, print: p, now: now)
                continue
            }
            guard orders[i].restsAsLimit else { continue }
            let o = orders[i]
            let touched = o.side == "buy" ? p <= o.restingPrice : p >= o.restingPrice
            guard touched, !filled.contains(o.txid) else { continue }
            var q = o.remaining
            if let f = script.touchFillFraction {
                q = min(q, Dec.round(o.volume * f, FakePair.lotDecimals, .down))
                filled.insert(o.txid)
            }
            if q > 0 { fill(i, qty: q, price: o.restingPrice, maker: true, now: now) }
        }
    }

    /// A stop-loss (sell: the print at or below its trigger; buy: at or above) or take-profit
    /// (the other way) fires: the plain ones fill at the print as takers, the `-limit` ones
    /// rest as a limit at `price2`.
    private func trigger(_ i: Int, print p: Decimal, now: Double) {
        let o = orders[i]
        let stop = o.orderType.hasPrefix("stop-loss")
        let fires = (o.side == "sell") == stop ? p <= o.price : p >= o.price
        guard fires else { return }
        orders[i].triggered = true
        execution(i, "status", now: now, status: "triggered")
        if o.orderType.hasSuffix("-limit") {
            let touched = o.side == "buy" ? p <= o.price2 : p >= o.price2
            if touched { fill(i, qty: orders[i].remaining, price: p, maker: false, now: now) }
        } else {
            fill(i, qty: orders[i].remaining, price: p, maker: false, now: now)
        }
    }

    // MARK: fills and ends

    private func fill(_ i: Int, qty: Decimal, price: Decimal, maker: Bool, now: Double) {
        guard qty > 0 else { return }
        let cost = Dec.round(qty * price, 4)
        let fee = Dec.round(cost * (maker ? script.makerFee : script.takerFee), 4)
        orders[i].executed += qty
        orders[i].cost += cost
        orders[i].fee += fee
        let buy = orders[i].side == "buy"
        balances[FakePair.quote, default: 0] += buy ? -(cost + fee) : cost - fee
        balances[FakePair.base, default: 0] += buy ? qty : -qty
        let t = FakeTrade(txid: String(format: "T%05d-FAKE0-%06d", trades.count + 1, i + 1), orderTxid: orders[i].txid, side: orders[i].side,
                          orderType: orders[i].orderType, price: price, volume: qty, cost: cost, fee: fee, maker: maker, time: now,
                          tradeID: trades.count + 1)
        trades.append(t)
        orders[i].tradeIDs.append(t.txid)
        tradeExecution(i, t, now: now)
        ledger(asset: FakePair.quote, amount: buy ? -cost : cost, fee: fee, ref: t.txid, now: now)
        ledger(asset: FakePair.base, amount: buy ? qty : -qty, fee: 0, ref: t.txid, now: now)
        if orders[i].remaining <= 0 {
            orders[i].status = "closed"
            orders[i].closedAt = now
            execution(i, "filled", now: now)
        }
    }

    func end(_ i: Int, _ status: String, reason: String, now: Double) {
        orders[i].status = status
        orders[i].reason = reason
        orders[i].closedAt = now
        execution(i, status, now: now)
    }

    /// CancelOrder by txid, cl_ord_id (an open one first: it is unique among those) or userref.
    func cancel(_ id: String, now: Double) -> Result<Int, FakeError> {
        let match = orders.lastIndex { $0.isOpen && ($0.txid == id || $0.clientOrderID == id || String($0.userref) == id) }
            ?? orders.lastIndex { $0.txid == id || $0.clientOrderID == id }
        guard let i = match else { return .failure("EOrder:Unknown order") }
        cancels += 1
        if let e = script.failCancelOrders[cancels] { return .failure(FakeError(e)) }
        guard orders[i].isOpen else { return .success(0) }
        if script.fillOnCancel.contains(cancels) {
            // The race of crib §7 #11: the order traded just before the cancel reached it.
            raced.append(orders[i].txid)
            let px = orders[i].restsAsLimit ? orders[i].restingPrice : last
            fill(i, qty: orders[i].remaining, price: px, maker: orders[i].restsAsLimit, now: now)
            return .success(0)
        }
        end(i, "canceled", reason: "User requested", now: now)
        return .success(1)
    }

    // MARK: the authenticated WebSocket's view (crib §2.5)

    static func wsAsset(_ a: String) -> String { a == FakePair.quote ? "USD" : (a == FakePair.base ? "BTC" : a) }
    static func time(_ t: Double) -> String {
        let ms = Int64((t * 1000).rounded())
        return String(UTCTime.iso(ms - ms % 1000).dropLast()) + String(format: ".%03dZ", Int(ms % 1000))
    }

    /// The order's fields an `executions` element carries for `exec_type`.
    func executionElement(_ o: FakeOrder, _ type: String, now: Double, status: String? = nil, details: Bool = false) -> FakeJSON {
        var f: [(String, FakeJSON)] = [("exec_type", .string(type)), ("order_id", .string(o.txid))]
        if !o.clientOrderID.isEmpty { f.append(("cl_ord_id", .string(o.clientOrderID))) }
        if details {
            f += [("symbol", .string(FakePair.wsname)), ("side", .string(o.side)), ("order_type", .string(o.orderType)),
                  ("order_qty", .number(o.volume)), ("time_in_force", .string(o.timeInForce)), ("post_only", .bool(o.postOnly)),
                  ("order_userref", .int(o.userref))]
            if o.orderType != "market" { f.append((o.orderType == "limit" ? "limit_price" : "triggers", o.orderType == "limit"
                ? .number(o.price) : .object([("reference", .string("last")), ("price", .number(o.price)), ("price_type", .string("static"))]))) }
        }
        let st = status ?? (type == "new" && o.executed > 0 ? "partially_filled" : (type == "trade" ? "partially_filled" : type))
        f.append(("order_status", .string(st)))
        if type == "filled" || type == "canceled" || type == "expired" || type == "new" && o.executed > 0 {
            f += [("cum_qty", .number(o.executed)), ("cum_cost", .number(o.cost)), ("avg_price", .number(o.averagePrice)),
                  ("fee_usd_equiv", .number(o.fee))]
        }
        if !o.reason.isEmpty && type == "canceled" { f.append(("reason", .string(o.reason))) }
        f.append(("timestamp", .string(Self.time(now))))
        return .object(f)
    }

    func execution(_ i: Int, _ type: String, now: Double, status: String? = nil, details: Bool = false) {
        outbox.append(("executions", executionElement(orders[i], type, now: now, status: status, details: details)))
    }

    /// A `trade` event: the order's status stays `partially_filled` even when this trade
    /// completed it (Kraken's documented quirk); a separate `filled` follows.
    func tradeElement(_ o: FakeOrder, _ t: FakeTrade, now: Double) -> FakeJSON {
        var f: [(String, FakeJSON)] = [("exec_type", .string("trade")), ("order_id", .string(o.txid))]
        if !o.clientOrderID.isEmpty { f.append(("cl_ord_id", .string(o.clientOrderID))) }
        f += [("exec_id", .string(t.txid)), ("trade_id", .int(t.tradeID)), ("symbol", .string(FakePair.wsname)), ("side", .string(o.side)),
              ("order_type", .string(o.orderType)), ("order_qty", .number(o.volume)), ("last_qty", .number(t.volume)),
              ("last_price", .number(t.price)), ("cost", .number(t.cost)), ("liquidity_ind", .string(t.maker ? "m" : "t")),
              ("fees", .array([.object([("asset", .string("USD")), ("qty", .number(t.fee))])])), ("fee_usd_equiv", .number(t.fee)),
              ("order_status", .string("partially_filled")), ("cum_qty", .number(o.executed)), ("cum_cost", .number(o.cost)),
              ("avg_price", .number(o.averagePrice)), ("timestamp", .string(Self.time(t.time)))]
        return .object(f)
    }

    private func tradeExecution(_ i: Int, _ t: FakeTrade, now: Double) { outbox.append(("executions", tradeElement(orders[i], t, now: now))) }

    private func ledger(asset: String, amount: Decimal, fee: Decimal, ref: String, now: Double) {
        ledgerEntries += 1
        outbox.append(("balances", .object([
            ("ledger_id", .string(String(format: "L%05d-FAKE0-LEDGER", ledgerEntries))), ("ref_id", .string(ref)),
            ("timestamp", .string(Self.time(now))), ("type", .string("trade")), ("asset", .string(Self.wsAsset(asset))),
            ("asset_class", .string("currency")), ("category", .string("trade")), ("wallet_type", .string("spot")),
            ("wallet_id", .string("main")), ("amount", .number(amount)), ("fee", .number(fee)), ("balance", .number(balances[asset] ?? 0)),
        ])))
    }

    func balanceSnapshot() -> [FakeJSON] {
        balances.keys.sorted().map { a in
            .object([("asset", .string(Self.wsAsset(a))), ("asset_class", .string("currency")), ("balance", .number(balances[a] ?? 0)),
                     ("wallets", .array([.object([("type", .string("spot")), ("id", .string("main")), ("balance", .number(balances[a] ?? 0))])]))])
        }
    }

    /// The `executions` snapshot: open orders as `new`, then (snap_trades) the last 50 fills.
    func executionSnapshot(trades withTrades: Bool, now: Double) -> [FakeJSON] {
        var out = orders.filter(\.isOpen).map { executionElement($0, "new", now: now, details: true) }
        if withTrades {
            for t in trades.suffix(50) {
                if let o = orders.first(where: { $0.txid == t.orderTxid }) { out.append(tradeElement(o, t, now: now)) }
            }
        }
        return out
    }
}

/// An error string as Kraken sends it in `error[]`.
struct FakeError: Error, ExpressibleByStringLiteral {
    let text: String
    init(stringLiteral s: String) { text = s }
    init(_ s: String) { text = s }
}
