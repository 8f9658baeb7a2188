import Foundation
import NovaKraken

/// The private REST API (exchange-crib.md §1.2-§1.6) over the account: each call checked as
/// Kraken checks it (API-Key, API-Sign over the exact body, a nonce that must increase, the
/// call counter), then answered in Kraken's envelope with decimal strings.
extension FakeAccount {
    /// An answer, or nothing at all (the connection is closed: a reply lost on the way).
    enum Reply: Equatable {
        case http(Int, String)
        case hangUp
    }

    static func error(_ e: String) -> Reply { .http(200, FakeJSON.object([("error", .array([.string(e)]))]).text) }
    static func ok(_ result: FakeJSON) -> Reply { .http(200, FakeJSON.object([("error", .array([])), ("result", result)]).text) }

    func privateCall(path: String, headers: [String: String], body: String, now: Double) -> Reply {
        let form = Self.parseForm(body)
        if let key = script.apiKey, headers["api-key"] != key { return Self.error("EAPI:Invalid key") }
        guard let nonce = form["nonce"].flatMap(UInt64.init) else { return Self.error("EAPI:Invalid nonce") }
        if let secret = script.apiSecret, let signer = try? KrakenSigner(secretBase64: secret) {
            guard headers["api-sign"] == signer.sign(path: path, nonce: nonce, body: body) else { return Self.error("EAPI:Invalid signature") }
        }
        privateCalls += 1
        guard nonce > lastNonce, !script.invalidNonceCalls.contains(privateCalls) else { return Self.error("EAPI:Invalid nonce") }
        lastNonce = nonce
        if script.rateLimitCalls.contains(privateCalls) { return Self.error("EAPI:Rate limit exceeded") }
        let method = String(path.dropFirst("/0/private/".count))
        if let max = script.restCounterMax {
            // Each call adds 1, history calls 2, order calls nothing; the counter drains continuously.
            counter = Swift.max(0, counter - (now - counterAt) * script.restCounterDecay)
            counterAt = now
            let cost: Double = ["AddOrder", "CancelOrder"].contains(method) ? 0 : (["TradesHistory", "Ledgers"].contains(method) ? 2 : 1)
            if counter + cost > max { return Self.error("EAPI:Rate limit exceeded") }
            counter += cost
        }
        switch method {
        case "Balance":
            return Self.ok(.object(balances.keys.sorted().map { a in (a, .string(Dec.fixed(balances[a] ?? 0, a == FakePair.quote ? 4 : 10))) }))
        case "BalanceEx":
            return Self.ok(.object(balances.keys.sorted().map { a in
                (a, .object([("balance", .string(Dec.fixed(balances[a] ?? 0, a == FakePair.quote ? 4 : 10))),
                             ("hold_trade", .string(Dec.fixed(held(a), a == FakePair.quote ? 4 : 10)))]))
            }))
        case "AddOrder": return addOrder(form, now: now)
        case "CancelOrder":
            switch cancel(form["txid"] ?? "", now: now) {
            case .success(let n): return Self.ok(.object([("count", .int(n))]))
            case .failure(let e): return Self.error(e.text)
            }
        case "OpenOrders":
            let open = orders.filter { $0.isOpen && Self.matches($0, form) }
            return Self.ok(.object([("open", .object(open.map { ($0.txid, info($0, trades: form["trades"] == "true")) }))]))
        case "ClosedOrders": return closedOrders(form)
        case "QueryOrders":
            let ids = (form["txid"] ?? "").split(separator: ",").map(String.init)
            guard !ids.isEmpty, ids.count <= 50 else { return Self.error("EGeneral:Invalid arguments:txid") }
            var found: [(String, FakeJSON)] = []
            for id in ids {
                guard let o = orders.first(where: { $0.txid == id }) else { return Self.error("EOrder:Invalid order") }
                found.append((id, info(o, trades: form["trades"] == "true")))
            }
            return Self.ok(.object(found))
        case "TradesHistory": return tradesHistory(form)
        case "GetWebSocketsToken":
            let token = String(format: "FAKE%06d", tokens.count + 1) + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            tokens[token] = (now, nil)
            return Self.ok(.object([("token", .string(token)), ("expires", .int(900))]))
        default:
            return Self.error("EGeneral:Unknown method")
        }
    }

    private func addOrder(_ form: [String: String], now: Double) -> Reply {
        if let cid = form["cl_ord_id"], arrivals[cid] == nil { arrivals[cid] = DispatchTime.now().uptimeNanoseconds }
        addOrders += 1
        if script.invalidNonceAddOrders.contains(addOrders) { return Self.error("EAPI:Invalid nonce") }
        if script.swallowAddOrders.contains(addOrders) { return .hangUp }
        if let e = script.rejectAddOrders[addOrders] { return Self.error(e) }
        if script.orderRateLimitAddOrders.contains(addOrders) { return Self.error("EOrder:Rate limit exceeded") }
        switch add(form, now: now) {
        case .failure(let e): return Self.error(e.text)
        case .success(let p):
            switch script.loseAddOrderReplies[addOrders] {
            case .badGateway?: return .http(502, "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>")
            case .hangUp?: return .hangUp
            case nil:
                var result: [(String, FakeJSON)] = [("descr", .object([("order", .string(p.descr))]))]
                if let txid = p.txid { result.append(("txid", .array([.string(txid)]))) }
                return Self.ok(.object(result))
            }
        }
    }

    /// Closed orders (filled, cancelled, expired), newest first, 50 a page from `ofs`; `count` is all of them.
    private func closedOrders(_ form: [String: String]) -> Reply {
        let start = Double(form["start"] ?? "") ?? 0
        let end = Double(form["end"] ?? "") ?? .infinity
        let closed = orders.filter { !$0.isOpen && ($0.closedAt ?? 0) >= start && ($0.closedAt ?? 0) <= end && Self.matches($0, form) }
            .sorted { ($0.closedAt ?? 0, $0.txid) > ($1.closedAt ?? 0, $1.txid) }
        let page = closed.dropFirst(Int(form["ofs"] ?? "") ?? 0).prefix(50)
        return Self.ok(.object([("closed", .object(page.map { ($0.txid, info($0, trades: form["trades"] == "true")) })),
                                ("count", .int(closed.count))]))
    }

    private func tradesHistory(_ form: [String: String]) -> Reply {
        let start = Double(form["start"] ?? "") ?? 0
        let end = Double(form["end"] ?? "") ?? .infinity
        let all = trades.filter { $0.time >= start && $0.time <= end }.sorted { ($0.time, $0.tradeID) > ($1.time, $1.tradeID) }
        let page = all.dropFirst(Int(form["ofs"] ?? "") ?? 0).prefix(50)
        return Self.ok(.object([("trades", .object(page.map { t in
            (t.txid, .object([
                ("ordertxid", .string(t.orderTxid)), ("postxid", .string("TKH2SE-FAKE0-POSTXID")), ("pair", .string(FakePair.canonical)),
                ("time", .double(t.time)), ("type", .string(t.side)), ("ordertype", .string(t.orderType)),
                ("price", .string(Dec.fixed(t.price, FakePair.pairDecimals))), ("cost", .string(Dec.fixed(t.cost, 5))),
                ("fee", .string(Dec.fixed(t.fee, 5))), ("vol", .string(Dec.fixed(t.volume, FakePair.lotDecimals))),
                ("margin", .string("0.00000")), ("misc", .string("")), ("trade_id", .int(t.tradeID)), ("maker", .bool(t.maker)),
                ("ledgers", .array([])),
            ]))
        })), ("count", .int(all.count))]))
    }

    static func matches(_ o: FakeOrder, _ form: [String: String]) -> Bool {
        if let c = form["cl_ord_id"], o.clientOrderID != c { return false }
        if let u = form["userref"], String(o.userref) != u { return false }
        return true
    }

    /// OrderInfo (crib §1.4) in the shape of Kraken's recorded replies.
    func info(_ o: FakeOrder, trades withTrades: Bool) -> FakeJSON {
        var f: [(String, FakeJSON)] = [
            ("refid", .null), ("userref", .int(o.userref)), ("status", .string(o.status)), ("reason", o.reason.isEmpty ? .null : .string(o.reason)),
            ("opentm", .double(o.openedAt)), ("starttm", .int(0)), ("expiretm", .int(0)),
            ("descr", .object([
                ("pair", .string(FakePair.altname)), ("type", .string(o.side)), ("ordertype", .string(o.orderType)),
                ("price", .string(Dec.fixed(o.price, FakePair.pairDecimals))), ("price2", .string(Dec.fixed(o.price2, FakePair.pairDecimals))),
                ("leverage", .string("none")),
                ("order", .string("\(o.side) \(Dec.fixed(o.volume, FakePair.lotDecimals)) \(FakePair.altname) @ \(o.orderType)"
                                  + (o.orderType == "market" ? "" : " \(Dec.fixed(o.price, FakePair.pairDecimals))"))),
                ("close", .string("")),
            ])),
            ("vol", .string(Dec.fixed(o.volume, FakePair.lotDecimals))), ("vol_exec", .string(Dec.fixed(o.executed, FakePair.lotDecimals))),
            ("cost", .string(Dec.fixed(o.cost, 5))), ("fee", .string(Dec.fixed(o.fee, 5))),
            ("price", .string(Dec.fixed(o.averagePrice, 5))),
            ("stopprice", .string(o.orderType.hasPrefix("stop") ? Dec.fixed(o.price, 5) : "0.00000")),
            ("limitprice", .string(o.orderType == "limit" ? Dec.fixed(o.price, 5) : (o.price2 > 0 ? Dec.fixed(o.price2, 5) : "0.00000"))),
            ("misc", .string("")), ("oflags", .string(o.postOnly ? "fciq,post" : "fciq")),
        ]
        if !o.clientOrderID.isEmpty { f.append(("cl_ord_id", .string(o.clientOrderID))) }
        if let c = o.closedAt { f.insert(("closetm", .double(c)), at: 5) }
        if withTrades && !o.tradeIDs.isEmpty { f.append(("trades", .array(o.tradeIDs.map(FakeJSON.string)))) }
        return .object(f)
    }

    static func parseForm(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in body.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if kv.count == 2 { out[kv[0]] = kv[1] } else if kv.count == 1 { out[kv[0]] = "" }
        }
        return out
    }
}
