import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import NovaCoinbase
import NovaCore
import WebSocketKit

/// A fake Coinbase Advanced Trade on 127.0.0.1 for the live tests, beside the fake Kraken:
/// REST (`/api/v3/brokerage/time`, `market/products`, `market/products/{id}/candles`, the signed
/// `accounts`, its JWT verified for real) and the market-data WebSocket (`subscriptions` acks,
/// `heartbeats`, `l2_data` snapshots and updates, `market_trades`), in the documented shapes,
/// with the connection-wide `sequence_num`, and scripted faults. The market is a list of
/// 1-minute bars: `history` is served by REST candles, `stream` is played on the WebSocket as
/// four trades a bar (open, high, low, close, at seconds 1, 15, 30 and 59 of its minute), one bar
/// every `barIntervalMs` of wall time.
public final class FakeCoinbase: @unchecked Sendable {
    public struct Script: Sendable {
        public var history: [Bar] = []
        public var stream: [Bar] = []
        public var barIntervalMs: Int64 = 20
        /// Close the connection after this many streamed bars (once).
        public var disconnectAfterBars: Int?
        /// On the first connection, skip one `sequence_num` after this many bars (a lost message).
        public var skipSequenceAfterBars: Int?
        /// Levels per side in the level2 snapshot (several MiB with tens of thousands).
        public var snapshotLevels = 10
        /// A connection with no subscribe this long after it opened is closed (Coinbase: 5 s).
        public var subscribeDeadlineMs: Int64 = 5_000
        public var serverTimeOffsetMs: Int64 = 0
        /// Answer the next N REST calls with HTTP 429.
        public var rateLimitFirst = 0
        /// The API key the signed endpoints accept (its public half), and its name.
        public var keyName = "organizations/test-org/apiKeys/test-key"
        public var publicKey: P256.Signing.PublicKey?
        public var balances: [String: Double] = ["USD": 10_000, "BTC": 0]
        /// The Nth `POST /orders` calls (1-based) place the order but answer an HTML 502.
        public var loseCreateReplies: Set<Int> = []
        /// Send every user-channel update twice (a replay after a hiccup).
        public var duplicateUserUpdates = false
        public var makerFee = 0.006
        public var takerFee = 0.012
        public init() {}
    }

    public let script: Script
    private let group: MultiThreadedEventLoopGroup
    private var channel: (any Channel)?
    let lock = NSLock()
    /// The account behind the private API (FakeCoinbase+Account.swift); touched only under `lock`.
    var account: FakeCoinbaseAccount
    var userSubscribers: [Int: (WebSocket, Connection)] = [:]
    private var _connections = 0
    private var _subscribes: [String] = []
    private var _requests: [String] = []
    private var _authFailures: [String] = []
    private var rateLimited = 0
    private var streamed = 0
    public private(set) var port = 0

    public init(script: Script) {
        self.script = script
        account = FakeCoinbaseAccount(balances: script.balances, price: script.history.last?.close ?? script.stream.first?.open ?? 100,
                                      loseCreateReplies: script.loseCreateReplies, makerFee: script.makerFee, takerFee: script.takerFee)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    public var connections: Int { lock.withLock { _connections } }
    /// `connection:channel` (or `connection:-channel` for an unsubscribe), in order.
    public var subscribes: [String] { lock.withLock { _subscribes } }
    public var requests: [String] { lock.withLock { _requests } }
    public var authFailures: [String] { lock.withLock { _authFailures } }
    public var restURL: String { "http://127.0.0.1:\(port)" }
    public var wsURL: String { "ws://127.0.0.1:\(port)/ws" }

    public func start() throws {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20,
            shouldUpgrade: { ch, _ in ch.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { [self] ch, _ in WebSocket.server(on: ch) { ws in self.session(ws) } })
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] ch in
                let rest = RESTHandler(fake: self)
                return ch.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { ctx in
                    ctx.pipeline.removeHandler(rest, promise: nil)
                })).flatMap { ch.pipeline.addHandler(rest) }
            }
        let ch = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        channel = ch
        port = ch.localAddress?.port ?? 0
    }

    public func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    // MARK: REST

    func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) + script.serverTimeOffsetMs }

    func rest(method: String, path: String, query: String, headers: [String: String], body: String = "") -> (Int, String) {
        lock.withLock { _requests.append(path) }
        let limited = lock.withLock { () -> Bool in
            guard rateLimited < script.rateLimitFirst else { return false }
            rateLimited += 1
            return true
        }
        if limited { return (429, #"{"error":"RESOURCE_EXHAUSTED","code":8,"message":"Too many requests","details":[]}"#) }
        let params = Self.query(query)
        let prefix = "/api/v3/brokerage"
        guard path.hasPrefix(prefix) else { return (404, #"{"error":"NOT_FOUND","message":"no such path"}"#) }
        let sub = String(path.dropFirst(prefix.count))
        switch sub {
        case "/time":
            let t = nowMs()
            return (200, #"{"iso":"\#(UTCTime.iso(t))","epochSeconds":"\#(t / 1000)","epochMillis":"\#(t)"}"#)
        case "/market/products":
            let known = ["BTC-USD": ("0.01", "0.00000001", "0.00000001", "1"), "ETH-USD": ("0.01", "0.00000001", "0.00001", "1")]
            let rows = (params["product_ids"] ?? []).compactMap { id -> String? in
                guard let k = known[id] else { return nil }
                return #"{"product_id":"\#(id)","price":"1","base_increment":"\#(k.1)","quote_increment":"\#(k.0)","quote_min_size":"\#(k.3)","quote_max_size":"150000000","base_min_size":"\#(k.2)","base_max_size":"3400","is_disabled":false,"status":"online","cancel_only":false,"limit_only":false,"post_only":false,"trading_disabled":false,"auction_mode":false,"product_type":"SPOT","quote_currency_id":"USD","base_currency_id":"\#(id.prefix(3))","price_increment":"\#(k.0)","product_venue":"CBE"}"#
            }
            return (200, #"{"products":[\#(rows.joined(separator: ","))],"num_products":\#(rows.count)}"#)
        case "/accounts":
            if let failure = verify(method: method, path: path, headers: headers) { return (401, failure) }
            let rows = lock.withLock { account.balances }.sorted { $0.key < $1.key }.map { c, v in
                #"{"uuid":"\#(c)","name":"\#(c) Wallet","currency":"\#(c)","available_balance":{"value":"\#(v)","currency":"\#(c)"},"default":true,"active":true,"type":"ACCOUNT_TYPE_CRYPTO","ready":true,"hold":{"value":"0","currency":"\#(c)"}}"#
            }
            return (200, #"{"accounts":[\#(rows.joined(separator: ","))],"has_next":false,"cursor":"","size":\#(rows.count)}"#)
        default:
            if sub.hasPrefix("/market/products/") && sub.hasSuffix("/candles") {
                return candles(params)
            }
            if sub.hasPrefix("/orders") {
                if let failure = verify(method: method, path: path, headers: headers) { return (401, failure) }
                return lock.withLock { orderCall(method: method, sub: sub, params: params, body: body) }
            }
            return (404, #"{"error":"NOT_FOUND","message":"no such path"}"#)
        }
    }

    /// Newest first, at most 350 a call, the minute still forming included (as Coinbase does).
    func candles(_ params: [String: [String]]) -> (Int, String) {
        guard let start = params["start"]?.first.flatMap({ Int64($0) }), let end = params["end"]?.first.flatMap({ Int64($0) }),
              params["granularity"]?.first == "ONE_MINUTE" else {
            return (400, #"{"error":"INVALID_ARGUMENT","code":3,"message":"start, end and granularity are required","details":[]}"#)
        }
        guard end - start <= 350 * 60 else {
            return (400, #"{"error":"INVALID_ARGUMENT","code":3,"message":"number of candles requested should be less than 350","details":[]}"#)
        }
        var bars = script.history.filter { $0.timestampMs >= start * 1000 && $0.timestampMs < end * 1000 }
        let forming = nowMs() / 60_000 * 60_000
        if forming >= start * 1000 && forming < end * 1000 + 60_000, bars.last.map({ $0.timestampMs < forming }) ?? true {
            bars.append(Bar(timestampMs: forming, open: 1, high: 1, low: 1, close: 1, volume: 1))
        }
        let rows = bars.reversed().map { b in
            #"{"start":"\#(b.timestampMs / 1000)","low":"\#(b.low)","high":"\#(b.high)","open":"\#(b.open)","close":"\#(b.close)","volume":"\#(b.volume)"}"#
        }
        return (200, #"{"candles":[\#(rows.joined(separator: ","))]}"#)
    }

    /// The JWT of a signed call, checked as Coinbase checks it; the failure's text, or nil.
    func verify(method: String, path: String, headers: [String: String]) -> String? {
        let fail = { (why: String) -> String in self.lock.withLock { self._authFailures.append(why) }; return "Unauthorized" }
        guard let key = script.publicKey else { return fail("no key registered") }
        guard let auth = headers["authorization"], auth.hasPrefix("Bearer ") else { return fail("no bearer token") }
        do {
            let claims = try CoinbaseJWT.verify(String(auth.dropFirst(7)), publicKey: key,
                                                expectedURI: CoinbaseJWT.uri(method: method, host: "127.0.0.1:\(port)", path: path),
                                                nowMs: nowMs())
            guard claims.sub == script.keyName else { return fail("unknown key \(claims.sub)") }
            return nil
        } catch {
            return fail("\(error)")
        }
    }

    static func query(_ q: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for part in q.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            out[kv[0], default: []].append(kv.count > 1 ? kv[1] : "")
        }
        return out
    }

    final class RESTHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let fake: FakeCoinbase
        var head: HTTPRequestHead?
        var requestBody = ""
        init(fake: FakeCoinbase) { self.fake = fake }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h; requestBody = ""
            case .body(var b): requestBody += b.readString(length: b.readableBytes) ?? ""
            case .end:
                guard let h = head else { return }
                let parts = h.uri.split(separator: "?", maxSplits: 1).map(String.init)
                let sent = Dictionary(h.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
                let (status, body) = fake.rest(method: h.method.rawValue, path: parts[0], query: parts.count > 1 ? parts[1] : "", headers: sent,
                                               body: requestBody)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: body.hasPrefix("{") ? "application/json" : "text/plain")
                headers.add(name: "Content-Length", value: String(body.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    // MARK: WebSocket

    /// One connection's counters: `sequence_num` over every message, the heartbeat counter.
    final class Connection: @unchecked Sendable {
        let n: Int
        let lock = NSLock()
        var sequence: Int64 = 0
        var heartbeat: Int64 = 100
        var channels = Set<String>()
        var streaming = false
        init(n: Int) { self.n = n }
        func nextSequence(skip: Bool = false) -> Int64 {
            lock.withLock {
                if skip { sequence += 1 }
                defer { sequence += 1 }
                return sequence
            }
        }
    }

    private func session(_ ws: WebSocket) {
        let n = lock.withLock { _connections += 1; return _connections }
        let c = Connection(n: n)
        let loop = ws.eventLoop
        // Coinbase closes a connection that has not subscribed within 5 s.
        loop.scheduleTask(in: .milliseconds(script.subscribeDeadlineMs)) {
            if c.lock.withLock({ c.channels.isEmpty }) { _ = ws.close(code: .policyViolation) }
        }
        ws.onText { [self] ws, text in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let type = obj["type"] as? String, let channel = obj["channel"] as? String else {
                ws.send(#"{"type":"error","message":"failure to subscribe"}"#)
                return
            }
            let products = obj["product_ids"] as? [String] ?? []
            lock.withLock { _subscribes.append("\(n):\(type == "unsubscribe" ? "-" : "")\(channel)") }
            if channel == "user" {
                userSubscribe(ws, c, jwt: obj["jwt"] as? String)
                return
            }
            let start = c.lock.withLock { () -> Bool in
                if type == "subscribe" { c.channels.insert(channel) } else { c.channels.remove(channel) }
                guard !c.streaming, c.channels.isSuperset(of: ["level2", "market_trades"]) else { return false }
                c.streaming = true
                return true
            }
            let subs = c.lock.withLock { c.channels.sorted().map { ch in #""\#(ch)":[\#(ch == "heartbeats" ? #""heartbeats""# : products.map { "\"\($0)\"" }.joined(separator: ","))]"# } }
            ws.send(envelope("subscriptions", c.nextSequence(), #"[{"subscriptions":{\#(subs.joined(separator: ","))}}]"#))
            if type == "subscribe" && channel == "heartbeats" { beat(ws, c, loop: loop) }
            if type == "subscribe" && channel == "level2" {
                for p in products { ws.send(envelope("l2_data", c.nextSequence(), #"[{"type":"snapshot","product_id":"\#(p)","updates":[\#(snapshotLevels())]}]"#)) }
            }
            if start { stream(ws, c, loop: loop) }
        }
    }

    /// A heartbeat every second on a connection that streams no bars (the user connection):
    /// the streaming one sends one with each bar.
    func beat(_ ws: WebSocket, _ c: Connection, loop: any EventLoop) {
        loop.scheduleTask(in: .milliseconds(1_000)) { [self] in
            guard !ws.isClosed else { return }
            if !c.lock.withLock({ c.streaming }) {
                let hb = c.lock.withLock { () -> Int64 in c.heartbeat += 1; return c.heartbeat }
                ws.send(envelope("heartbeats", c.nextSequence(), #"[{"current_time":"\#(UTCTime.iso(nowMs()))","heartbeat_counter":\#(hb)}]"#))
            }
            beat(ws, c, loop: loop)
        }
    }

    func envelope(_ channel: String, _ seq: Int64, _ events: String) -> String {
        #"{"channel":"\#(channel)","client_id":"","timestamp":"\#(UTCTime.iso(nowMs()))","sequence_num":\#(seq),"events":\#(events)}"#
    }

    func mid() -> Double { script.stream.first?.close ?? script.history.last?.close ?? 100 }

    /// Bids of 0.5 and asks of 0.25, 0.5 apart, 1.0 apart at the top (as the fake Kraken's).
    func snapshotLevels() -> String {
        let m = mid()
        let t = "2024-06-01T00:00:00Z"
        let bids = (1...script.snapshotLevels).map { #"{"side":"bid","event_time":"\#(t)","price_level":"\#(String(format: "%.2f", m - Double($0) * 0.5))","new_quantity":"0.5"}"# }
        let asks = (1...script.snapshotLevels).map { #"{"side":"offer","event_time":"\#(t)","price_level":"\#(String(format: "%.2f", m + Double($0) * 0.5))","new_quantity":"0.25"}"# }
        return (bids + asks).joined(separator: ",")
    }

    private func stream(_ ws: WebSocket, _ c: Connection, loop: any EventLoop) {
        var skipped = false
        func next() {
            let i = lock.withLock { () -> Int? in
                guard streamed < script.stream.count else { return nil }
                streamed += 1
                return streamed - 1
            }
            guard let i, !ws.isClosed else { return }
            let b = script.stream[i]
            // Resting orders meet the bar's prices before its trades are told.
            lock.withLock {
                account.play(b)
                flushUser()
            }
            let skip = c.n == 1 && !skipped && script.skipSequenceAfterBars == i
            if skip { skipped = true }
            // A book update below the snapshot's deepest bid: the top levels stay as they were.
            let far = String(format: "%.2f", mid() - Double(script.snapshotLevels + 5) * 0.5)
            ws.send(envelope("l2_data", c.nextSequence(skip: skip),
                             #"[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"\#(UTCTime.iso(b.timestampMs))","price_level":"\#(far)","new_quantity":"0.\#(5 + i % 4)"}]}]"#))
            let q = b.volume / 4
            let trades = [(1, b.open), (15, b.high), (30, b.low), (59, b.close)].enumerated().map { k, t in
                #"{"trade_id":"\#(i * 4 + k)","product_id":"BTC-USD","price":"\#(t.1)","size":"\#(q)","side":"BUY","time":"\#(UTCTime.iso(b.timestampMs + Int64(t.0) * 1000))"}"#
            }
            ws.send(envelope("market_trades", c.nextSequence(), #"[{"type":"update","trades":[\#(trades.joined(separator: ","))]}]"#))
            let hb = c.lock.withLock { () -> Int64 in c.heartbeat += 1; return c.heartbeat }
            ws.send(envelope("heartbeats", c.nextSequence(), #"[{"current_time":"\#(UTCTime.iso(nowMs()))","heartbeat_counter":\#(hb)}]"#))
            let sent = i + 1
            if c.n == 1, let k = script.disconnectAfterBars, sent == k { _ = ws.close(code: .unexpectedServerError); return }
            loop.scheduleTask(in: .milliseconds(script.barIntervalMs)) { next() }
        }
        loop.scheduleTask(in: .milliseconds(script.barIntervalMs)) { next() }
    }
}
