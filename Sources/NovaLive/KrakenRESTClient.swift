import Foundation
import NovaCore
import NovaKraken

/// Kraken REST over a transport: public GETs, signed private POSTs, the persisted nonce, the
/// per-key call counter, and typed errors (exchange-crib.md §1). An actor: the nonce and the
/// counter are shared by every caller of one key.
///
/// Reads are retried on transient errors with backoff (3 tries); an `EAPI:Invalid nonce` makes
/// the nonce skip ahead and the call go once more. AddOrder is never retried: a lost reply
/// leaves its outcome unknown, and reconciliation by client order id finds it.
public actor KrakenRESTClient {
    public struct Credentials: Sendable {
        public var apiKey: String
        public var apiSecret: String
        public init(apiKey: String, apiSecret: String) { self.apiKey = apiKey; self.apiSecret = apiSecret }
    }

    let transport: any RESTTransport
    let baseURL: String
    let credentials: Credentials?
    let signer: KrakenSigner?
    var nonce: NonceSource
    var limiter: RateLimiter
    let clock: any Clock
    /// Sleeps `ms` (the replay of a tape does not wait).
    let sleep: @Sendable (Int64) async -> Void
    public private(set) var calls = 0

    public init(transport: any RESTTransport, baseURL: String, credentials: Credentials?, tier: RateLimiter.Tier,
                persistedNonce: UInt64, storeNonce: @escaping (UInt64) throws -> Void, clock: any Clock,
                sleep: @escaping @Sendable (Int64) async -> Void = { ms in try? await Task.sleep(nanoseconds: UInt64(max(0, ms)) * 1_000_000) }) throws {
        self.transport = transport
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credentials = credentials
        self.signer = try credentials.map { try KrakenSigner(secretBase64: $0.apiSecret) }
        self.nonce = NonceSource(persisted: persistedNonce, store: storeNonce)
        self.limiter = RateLimiter(tier: tier)
        self.clock = clock
        self.sleep = sleep
    }

    /// The `result` object of `request`.
    public func call(_ request: KrakenRequest) async throws(KrakenError) -> [String: Any] {
        var attempt = 0
        var nonceRetried = false
        while true {
            attempt += 1
            do {
                return try await once(request)
            } catch {
                if error.kind == .nonce, !nonceRetried {
                    nonceRetried = true
                    do { try nonce.resync(nowMs: clock.nowMs()) } catch { throw KrakenError(kind: .transport, message: "cannot persist the nonce: \(error)") }
                    continue
                }
                if error.kind == .rateLimit { limiter.saturate(nowMs: clock.nowMs()) }
                guard !request.isOrderEntry, error.isRetryableRead, error.kind != .nonce, attempt < 3 else { throw error }
                let wait = error.retryAfterMs.map { max(0, $0 - clock.nowMs()) } ?? Int64(500 * (1 << (attempt - 1)))
                await sleep(min(wait, 10_000))
            }
        }
    }

    private func once(_ request: KrakenRequest) async throws(KrakenError) -> [String: Any] {
        let wait = limiter.reserve(cost: request.counterCost, nowMs: clock.nowMs())
        if wait > 0 { await sleep(wait) }
        calls += 1
        let url = baseURL + request.path
        let reply: (status: Int, body: Data)
        do {
            if request.isPrivate {
                guard let credentials, let signer else {
                    throw KrakenError(kind: .authentication, message: "\(request.method) needs KRAKEN_API_KEY and KRAKEN_API_SECRET")
                }
                let n: UInt64
                do { n = try nonce.next(nowMs: clock.nowMs()) } catch { throw KrakenError(kind: .transport, message: "cannot persist the nonce: \(error)") }
                let body = request.body(nonce: n)
                reply = try await transport.send(method: "POST", url: url, headers: [
                    ("API-Key", credentials.apiKey), ("API-Sign", signer.sign(path: request.path, nonce: n, body: body)),
                    ("Content-Type", "application/x-www-form-urlencoded"), ("User-Agent", "novapulse/0.1"),
                ], body: Data(body.utf8))
            } else {
                let q = request.query
                reply = try await transport.send(method: "GET", url: q.isEmpty ? url : url + "?" + q,
                                                 headers: [("User-Agent", "novapulse/0.1")], body: nil)
            }
        } catch let e as KrakenError {
            throw e
        } catch {
            throw KrakenError(kind: .transport, message: "\(request.method): \(plainTransportError(error, url: baseURL, setting: "venues.kraken.rest_url"))")
        }
        return try KrakenReply.result(status: reply.status, body: reply.body)
    }

    public var lastNonce: UInt64 { nonce.last }

    // MARK: The calls the runtime uses

    public func assetPairs(_ pairs: [Pair]) async throws(KrakenError) -> [Pair: KrakenInstrument] {
        try KrakenInstrument.parse(await call(KrakenRequest(public: "AssetPairs", [("pair", pairs.map(KrakenNames.restPair).joined(separator: ","))])))
    }

    public func ohlc(_ pair: Pair, intervalMinutes: Int = 1, since: Int64? = nil) async throws(KrakenError) -> KrakenOHLC {
        var p = [("pair", KrakenNames.restPair(pair)), ("interval", String(intervalMinutes))]
        if let since { p.append(("since", String(since))) }
        return try KrakenOHLC.parse(await call(KrakenRequest(public: "OHLC", p)))
    }

    public func serverTimeMs() async throws(KrakenError) -> Int64 {
        let r = try await call(KrakenRequest(public: "Time"))
        guard let t = r["unixtime"] as? Int else { throw KrakenError(kind: .transport, message: "Time has no unixtime") }
        return Int64(t) * 1000
    }

    public func webSocketsToken() async throws(KrakenError) -> String {
        let r = try await call(KrakenRequest(private: "GetWebSocketsToken"))
        guard let token = r["token"] as? String else { throw KrakenError(kind: .transport, message: "GetWebSocketsToken has no token") }
        return token
    }

    public func balance() async throws(KrakenError) -> [String: Double] {
        KrakenBalance.parse(try await call(KrakenRequest(private: "Balance")))
    }

    /// Open orders, or the one with `clientOrderID` (Kraken keeps `cl_ord_id` unique among open orders).
    public func openOrders(clientOrderID: String? = nil) async throws(KrakenError) -> [KrakenOrderInfo] {
        KrakenOrderInfo.parseMap(try await call(KrakenRequest(private: "OpenOrders", clientOrderID.map { [("cl_ord_id", $0)] } ?? [])))
    }

    /// Orders closed since `startSeconds` (filled, cancelled, expired), every page of 50, or
    /// only those with `clientOrderID`.
    public func closedOrders(startSeconds: Int64, clientOrderID: String? = nil) async throws(KrakenError) -> [KrakenOrderInfo] {
        var out: [KrakenOrderInfo] = []
        while true {
            var p = [("start", String(startSeconds)), ("ofs", String(out.count))]
            if let clientOrderID { p.append(("cl_ord_id", clientOrderID)) }
            let r = try await call(KrakenRequest(private: "ClosedOrders", p))
            let page = KrakenOrderInfo.parseMap(r)
            out += page
            let count = (r["count"] as? Int) ?? out.count
            if page.isEmpty || out.count >= count || out.count >= 5_000 { return out }
        }
    }

    /// The cumulative state of orders by txid, 50 to a call (§1.4 QueryOrders).
    public func queryOrders(_ txids: [String]) async throws(KrakenError) -> [KrakenOrderInfo] {
        var out: [KrakenOrderInfo] = []
        for start in stride(from: 0, to: txids.count, by: 50) {
            let chunk = txids[start..<min(txids.count, start + 50)]
            out += KrakenOrderInfo.parseMap(try await call(KrakenRequest(private: "QueryOrders", [("txid", chunk.joined(separator: ","))])))
        }
        return out
    }

    /// Fills since `startSeconds`, every page of 50 (§1.4 TradesHistory).
    public func tradesHistory(startSeconds: Int64) async throws(KrakenError) -> [KrakenTrade] {
        var out: [KrakenTrade] = []
        while true {
            let r = try await call(KrakenRequest(private: "TradesHistory", [("start", String(startSeconds)), ("ofs", String(out.count))]))
            let page = KrakenTrade.parseHistory(r)
            out += page
            let count = (r["count"] as? Int) ?? out.count
            if page.isEmpty || out.count >= count || out.count >= 5_000 { return out.sorted { ($0.timeMs, $0.tradeID) < ($1.timeMs, $1.tradeID) } }
        }
    }

    /// Sends an order; returns its txid. A transport failure here is an unknown outcome (the
    /// caller reconciles by `cl_ord_id`), never a rejection.
    public func addOrder(_ parameters: [(String, String)]) async throws(KrakenError) -> String {
        let r = try await call(KrakenRequest(private: "AddOrder", parameters))
        guard let txid = (r["txid"] as? [String])?.first else { throw KrakenError(kind: .transport, message: "AddOrder reply has no txid") }
        return txid
    }

    /// Cancels by txid or cl_ord_id; returns how many orders were cancelled (0: it had already ended).
    public func cancelOrder(_ id: String) async throws(KrakenError) -> Int {
        let r = try await call(KrakenRequest(private: "CancelOrder", [("txid", id)]))
        return r["count"] as? Int ?? 0
    }
}
