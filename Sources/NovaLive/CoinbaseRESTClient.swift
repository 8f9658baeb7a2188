import Foundation
import NovaCoinbase
import NovaCore

/// Coinbase Advanced Trade REST over a transport (exchange-crib.md §3): public market GETs,
/// private calls each with a fresh ES256 JWT, and typed errors. An actor, as the Kraken client.
///
/// Reads are retried on transient errors and 429s with backoff (3 tries); a 401 gets one more
/// try with a fresh JWT first (Coinbase has answered throttling and clock skew with 401).
/// `POST /orders` is never retried: a lost reply leaves its outcome unknown, and
/// reconciliation by client order id finds it.
public actor CoinbaseRESTClient {
    let transport: any RESTTransport
    let baseURL: String
    /// `host[:port]` as the JWT's `uri` claim names it (`api.coinbase.com`).
    let jwtHost: String
    let credentials: CoinbaseCredentials?
    let clock: any Clock
    let sleep: @Sendable (Int64) async -> Void
    public private(set) var calls = 0
    static let prefix = "/api/v3/brokerage"

    public init(transport: any RESTTransport, baseURL: String, credentials: CoinbaseCredentials?, clock: any Clock,
                sleep: @escaping @Sendable (Int64) async -> Void = { ms in try? await Task.sleep(nanoseconds: UInt64(max(0, ms)) * 1_000_000) }) {
        self.transport = transport
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.baseURL = base
        let u = URL(string: base)
        jwtHost = (u?.host ?? base) + (u?.port.map { ":\($0)" } ?? "")
        self.credentials = credentials
        self.clock = clock
        self.sleep = sleep
    }

    /// One call: `path` below `/api/v3/brokerage`, `query` repeated keys allowed.
    public func call(_ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
                     signed: Bool, isOrderEntry: Bool = false) async throws(CoinbaseError) -> Data {
        var attempt = 0
        var freshJWT = false
        while true {
            attempt += 1
            do {
                return try await once(method, path, query: query, body: body, signed: signed)
            } catch {
                if error.kind == .authentication, signed, !freshJWT, !isOrderEntry {
                    freshJWT = true
                    continue
                }
                guard !isOrderEntry, error.isRetryableRead, attempt < 3 else { throw error }
                await sleep(Int64(500 * (1 << (attempt - 1))))
            }
        }
    }

    private func once(_ method: String, _ path: String, query: [(String, String)], body: Data?, signed: Bool) async throws(CoinbaseError) -> Data {
        calls += 1
        let full = Self.prefix + path
        var url = baseURL + full
        if !query.isEmpty {
            let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))
            url += "?" + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
        }
        var headers = [("User-Agent", "novapulse/0.1"), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        if signed {
            guard let credentials else {
                throw CoinbaseError(kind: .authentication, message: "\(method) \(full) needs COINBASE_API_KEY (the key name) and COINBASE_API_SECRET (its EC private key)")
            }
            let token: String
            do {
                token = try CoinbaseJWT.token(credentials, uri: CoinbaseJWT.uri(method: method, host: jwtHost, path: full), nowMs: clock.nowMs())
            } catch { throw CoinbaseError(kind: .authentication, message: "cannot sign the JWT: \(error)") }
            headers.append(("Authorization", "Bearer \(token)"))
        }
        let reply: (status: Int, body: Data)
        do {
            reply = try await transport.send(method: method, url: url, headers: headers, body: body)
        } catch {
            throw CoinbaseError(kind: .transport, message: "\(method) \(full): \(plainTransportError(error, url: baseURL, setting: "venues.coinbase.rest_url"))")
        }
        guard reply.status == 200 else { throw CoinbaseError.classifyHTTP(status: reply.status, body: reply.body) }
        return reply.body
    }

    func decode<T: Decodable>(_ t: T.Type, _ data: Data, _ what: String) throws(CoinbaseError) -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw CoinbaseError(kind: .transport, message: "\(what): the reply is not the documented shape (\(Self.where(error)))")
        }
    }

    /// A decoding error as the field it is about.
    static func `where`(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        switch e {
        case .keyNotFound(let k, let c): return "missing \((c.codingPath + [k]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }

    // MARK: The calls the runtime uses

    /// The products of `pairs` (public `market/products`); pairs Coinbase does not list are absent.
    public func products(_ pairs: [Pair]) async throws(CoinbaseError) -> [Pair: CoinbaseProduct] {
        let data = try await call("GET", "/market/products", query: pairs.map { ("product_ids", CoinbaseNames.productID($0)) }, signed: false)
        let list = try decode(CoinbaseProducts.self, data, "products")
        var out: [Pair: CoinbaseProduct] = [:]
        for p in list.products { if let pair = CoinbaseNames.pair(p.productID), pairs.contains(pair) { out[pair] = p } }
        return out
    }

    /// Closed 1-minute bars of the last `minutes` before `nowMs`, oldest first: pages of at
    /// most 350 candles (Coinbase's limit), minutes without trades absent as Coinbase sends them.
    public func recentMinuteBars(_ pair: Pair, minutes: Int, nowMs: Int64) async throws(CoinbaseError) -> [Bar] {
        let endS = nowMs / 60_000 * 60
        var startS = endS - Int64(minutes) * 60
        var bars: [Bar] = []
        while startS < endS {
            let pageEnd = min(endS, startS + 350 * 60)
            let data = try await call("GET", "/market/products/\(CoinbaseNames.productID(pair))/candles",
                                      query: [("start", String(startS)), ("end", String(pageEnd)), ("granularity", "ONE_MINUTE")], signed: false)
            bars += try decode(CoinbaseCandles.self, data, "candles").closedBars(nowMs: nowMs)
            startS = pageEnd
        }
        var seen = Set<Int64>()
        return bars.sorted { $0.timestampMs < $1.timestampMs }.filter { seen.insert($0.timestampMs).inserted }
    }

    /// Coinbase's clock (`GET /time`: `epochMillis`, a string or a number).
    public func serverTimeMs() async throws(CoinbaseError) -> Int64 {
        let data = try await call("GET", "/time", signed: false)
        let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        if let s = obj?["epochMillis"] as? String, let v = Int64(s) { return v }
        if let v = obj?["epochMillis"] as? Int64 { return v }
        if let s = obj?["epochSeconds"] as? String, let v = Int64(s) { return v * 1000 }
        throw CoinbaseError(kind: .transport, message: "time: no epochMillis in the reply")
    }

    /// A JWT for a WebSocket subscribe (no `uri` claim), fresh for each one.
    public func webSocketJWT() throws(CoinbaseError) -> String {
        guard let credentials else { throw CoinbaseError(kind: .authentication, message: "the user channel needs COINBASE_API_KEY and COINBASE_API_SECRET") }
        do { return try CoinbaseJWT.token(credentials, uri: nil, nowMs: clock.nowMs()) } catch {
            throw CoinbaseError(kind: .authentication, message: "cannot sign the JWT: \(error)")
        }
    }

    /// Available balances by currency (signed; every page).
    public func accounts() async throws(CoinbaseError) -> [String: Double] {
        var out: [String: Double] = [:]
        var cursor = ""
        for _ in 0..<20 {
            var q = [("limit", "250")]
            if !cursor.isEmpty { q.append(("cursor", cursor)) }
            let page = try decode(CoinbaseAccounts.self, try await call("GET", "/accounts", query: q, signed: true), "accounts")
            for (k, v) in page.available { out[k, default: 0] += v }
            guard page.hasNext == true, let c = page.cursor, !c.isEmpty else { break }
            cursor = c
        }
        return out
    }
}

// MARK: Orders (signed)

extension CoinbaseRESTClient {
    /// `POST /orders`. An answer Coinbase gave (`success: false`, a 4xx with a code) is a
    /// definite refusal; a transport failure or a 5xx leaves the outcome unknown (the caller
    /// reconciles by client order id). Never retried.
    public func createOrder(_ body: Data) async throws(CoinbaseError) -> String {
        let data = try await call("POST", "/orders", body: body, signed: true, isOrderEntry: true)
        return try decode(CoinbaseCreateOrderReply.self, data, "create order").outcome().get()
    }

    /// `POST /orders/batch_cancel`, 100 ids a call; the results of every chunk.
    public func cancelOrders(_ orderIDs: [String]) async throws(CoinbaseError) -> [CoinbaseCancelReply.Result] {
        var out: [CoinbaseCancelReply.Result] = []
        for body in CoinbaseOrderBody.batchCancel(orderIDs) {
            out += try decode(CoinbaseCancelReply.self, try await call("POST", "/orders/batch_cancel", body: body, signed: true), "batch cancel").results
        }
        return out
    }

    /// `GET /orders/historical/{id}`: nil when Coinbase does not know it (404).
    public func order(_ orderID: String) async throws(CoinbaseError) -> CoinbaseOrder? {
        do {
            return try decode(CoinbaseOrderReply.self, try await call("GET", "/orders/historical/\(orderID)", signed: true), "order").order
        } catch {
            if error.kind == .unknownOrder { return nil }
            throw error
        }
    }

    /// `GET /orders/historical/batch`: orders with these statuses (repeated parameter), or of
    /// these products, every page (at most 5,000 orders).
    public func orders(statuses: [String] = [], productIDs: [String] = [], startMs: Int64? = nil) async throws(CoinbaseError) -> [CoinbaseOrder] {
        var out: [CoinbaseOrder] = []
        var cursor = ""
        while out.count < 5_000 {
            var q = statuses.map { ("order_status", $0) } + productIDs.map { ("product_ids", $0) } + [("limit", "250")]
            if let startMs { q.append(("start_date", UTCTime.iso(startMs))) }
            if !cursor.isEmpty { q.append(("cursor", cursor)) }
            let page = try decode(CoinbaseOrderList.self, try await call("GET", "/orders/historical/batch", query: q, signed: true), "orders")
            out += page.orders
            guard page.hasNext == true, let c = page.cursor, !c.isEmpty else { break }
            cursor = c
        }
        return out
    }
}
