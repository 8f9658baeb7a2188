import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import NovaCore
import NovaKraken
import WebSocketKit

/// A fake Kraken on 127.0.0.1 for the live tests: REST (`/0/public/Time`, `AssetPairs`, `OHLC`)
/// and WebSocket v2 (`/v2`: status on connect, subscription acks, heartbeats, `ohlc` candles
/// and `book` snapshots with real CRC32 checksums) in the documented shapes, with scripted
/// faults. The market is a list of 1-minute bars: `history` is served by REST OHLC, `stream`
/// is played on the WebSocket, one bar every `barIntervalMs` of wall time, each bar's time
/// shifted so that it closes "now" on the runtime's clock (the bars' own timestamps are kept
/// in the frames: the runtime's candle logic sees exactly those).
public final class FakeKraken: @unchecked Sendable {
    public struct Script: Sendable {
        public var history: [Bar] = []
        public var stream: [Bar] = []
        public var barIntervalMs: Int64 = 20
        /// Close the connection after this many streamed bars (once).
        public var disconnectAfterBars: Int?
        /// Stop sending anything (heartbeats included) after this many streamed bars, on the
        /// first connection only: the client must call it dead and reconnect.
        public var goSilentAfterBars: Int?
        /// Send the book snapshot of these connections (1-based) with a wrong checksum.
        public var corruptBookOnConnections: Set<Int> = []
        /// Book updates (one level's size changed, true checksum) sent before each bar: the
        /// soak's frame volume.
        public var bookUpdatesPerBar = 0
        /// The exchange's clock against the machine's (`Time` answers now + this).
        public var serverTimeOffsetMs: Int64 = 0
        /// REST OHLC answers this late (a slow warm-up).
        public var ohlcDelayMs: Int64 = 0
        /// The private side: the account, its orders and their faults (FakeAccount.swift).
        public var account = FakeAccountScript()
        public init() {}
    }

    public let script: Script
    private let group: MultiThreadedEventLoopGroup
    private var channel: (any Channel)?
    let lock = NSLock()
    private var _connections = 0
    private var _subscribes: [String] = []
    private var _requests: [String] = []
    private var streamed = 0
    public private(set) var port = 0
    /// The account behind the private API; touched only under `lock`.
    let account: FakeAccount
    /// Subscribed private connections and what they get (FakeKraken+Private.swift).
    var privateSubscribers: [Int: PrivateSubscriber] = [:]
    var privateConnections = 0

    public init(script: Script) {
        self.script = script
        let price = script.history.last?.close ?? script.stream.first?.open ?? 100
        account = FakeAccount(script: script.account, price: Dec.from(price))
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    public var connections: Int { lock.withLock { _connections } }
    public var subscribes: [String] { lock.withLock { _subscribes } }
    public var requests: [String] { lock.withLock { _requests } }
    public var restURL: String { "http://127.0.0.1:\(port)" }
    public var wsURL: String { "ws://127.0.0.1:\(port)/v2" }
    /// The authenticated WebSocket (`ws-auth.kraken.com/v2` on the real exchange).
    public var wsAuthURL: String { "ws://127.0.0.1:\(port)/auth/v2" }

    public func start() throws {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20,
            shouldUpgrade: { ch, _ in ch.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { [self] ch, head in
                WebSocket.server(on: ch) { ws in head.uri.hasPrefix("/auth") ? self.privateSession(ws) : self.session(ws) }
            })
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

    func rest(path: String, query: String, headers: [String: String], body: String) -> FakeAccount.Reply {
        lock.withLock { _requests.append(path) }
        if path.hasPrefix("/0/private/") {
            return lock.withLock {
                let reply = account.privateCall(path: path, headers: headers, body: body, now: Date().timeIntervalSince1970)
                flushPrivate()
                return reply
            }
        }
        return .http(200, publicCall(path, query: query))
    }

    func publicCall(_ path: String, query: String = "") -> String {
        switch path {
        case "/0/public/Time":
            let t = (Int64(Date().timeIntervalSince1970 * 1000) + script.serverTimeOffsetMs) / 1000
            return #"{"error":[],"result":{"unixtime":\#(t),"rfc1123":"x"}}"#
        case "/0/public/AssetPairs":
            // Kraken answers an unknown pair in the list with an error for the whole call.
            let asked = query.split(separator: "&").first { $0.hasPrefix("pair=") }
                .map { (String($0.dropFirst(5)).removingPercentEncoding ?? "").split(separator: ",").map(String.init) } ?? []
            if asked.contains(where: { !FakePair.known($0) }) { return #"{"error":["EQuery:Unknown asset pair"]}"# }
            return #"{"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD","base":"XXBT","quote":"ZUSD","pair_decimals":1,"lot_decimals":8,"cost_decimals":5,"tick_size":"0.1","ordermin":"0.00005","costmin":"0.5","status":"online"}}}"#
        case "/0/public/OHLC":
            var rows = script.history.map { b in
                "[\(b.timestampMs / 1000),\"\(b.open)\",\"\(b.high)\",\"\(b.low)\",\"\(b.close)\",\"\(b.close)\",\"\(b.volume)\",1]"
            }
            // The last row is the candle still forming: the client must drop it.
            if let last = script.history.last {
                rows.append("[\(last.timestampMs / 1000 + 60),\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",1]")
            }
            return #"{"error":[],"result":{"XXBTZUSD":[\#(rows.joined(separator: ","))],"last":\#((script.history.last?.timestampMs ?? 0) / 1000)}}"#
        default: return #"{"error":["EGeneral:Unknown method"]}"#
        }
    }

    final class RESTHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let fake: FakeKraken
        var head: HTTPRequestHead?
        var requestBody = ""
        init(fake: FakeKraken) { self.fake = fake }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h; requestBody = ""
            case .body(var b): requestBody += b.readString(length: b.readableBytes) ?? ""
            case .end:
                guard let h = head else { return }
                let parts = h.uri.split(separator: "?", maxSplits: 1).map(String.init)
                let sent = Dictionary(h.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
                guard case .http(let status, let body) = fake.rest(path: parts[0], query: parts.count > 1 ? parts[1] : "",
                                                                   headers: sent, body: requestBody) else {
                    context.close(promise: nil)
                    return
                }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: status == 200 ? "application/json" : "text/html")
                headers.add(name: "Content-Length", value: String(body.utf8.count))
                let head = HTTPResponseHead(version: h.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
                let send = { [self] in
                    context.write(wrapOutboundOut(.head(head)), promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                }
                let delay = parts[0] == "/0/public/OHLC" ? fake.script.ohlcDelayMs : 0
                if delay > 0 { context.eventLoop.scheduleTask(in: .milliseconds(delay)) { send() } } else { send() }
            }
        }
    }

    // MARK: WebSocket

    private func session(_ ws: WebSocket) {
        let n = lock.withLock { _connections += 1; return _connections }
        ws.send(#"{"channel":"status","type":"update","data":[{"system":"online","api_version":"v2","connection_id":\#(n),"version":"2.0.0"}]}"#)
        let loop = ws.eventLoop
        // Bars start once both ohlc and book are subscribed, so the book is in before the
        // first bar (the order a real feed gives within a few milliseconds, made certain).
        final class Subscribed: @unchecked Sendable {
            let lock = NSLock()
            var channels = Set<String>()
            var streaming = false
            /// True once, when both channels are in.
            func add(_ c: String) -> Bool {
                lock.withLock {
                    channels.insert(c)
                    guard !streaming, channels.isSuperset(of: ["ohlc", "book"]) else { return false }
                    streaming = true
                    return true
                }
            }
        }
        let subscribed = Subscribed()
        ws.onText { [self] ws, text in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let method = obj["method"] as? String else { return }
            let params = obj["params"] as? [String: Any] ?? [:]
            let channel = params["channel"] as? String ?? ""
            let reqID = obj["req_id"] as? Int ?? 0
            if method == "subscribe" { lock.withLock { _subscribes.append("\(n):\(channel)") } }
            for s in params["symbol"] as? [String] ?? [] {
                ws.send(#"{"method":"\#(method)","result":{"channel":"\#(channel)","symbol":"\#(s)"},"success":true,"req_id":\#(reqID),"time_in":"2026-01-01T00:00:00Z","time_out":"2026-01-01T00:00:00Z"}"#)
                if method == "subscribe" && channel == "book" { ws.send(bookSnapshot(s, corrupt: script.corruptBookOnConnections.contains(n))) }
                if method == "subscribe" && channel == "ohlc", let snapshot = ohlcSnapshot() { ws.send(snapshot) }
            }
            if method == "subscribe" && subscribed.add(channel) { stream(ws, connection: n, loop: loop) }
        }
    }

    private func stream(_ ws: WebSocket, connection n: Int, loop: any EventLoop) {
        // The book as the client holds it after the snapshot, moved by the updates sent.
        var book = KrakenBook(depth: 10, pricePrecision: 1, qtyPrecision: 8)
        let (bids, asks) = snapshotLevels()
        book.applySnapshot(bids: bids, asks: asks)
        var updates = 0
        func sendBookUpdates() {
            for _ in 0..<script.bookUpdatesPerBar {
                updates += 1
                let side = updates % 2 == 0 ? bids : asks
                var level = side[updates / 2 % 10]
                level.qty = Decimal(string: String(format: "%.8f", 0.25 + Double(updates % 97) * 0.001))!
                if updates % 2 == 0 { book.applyUpdate(bids: [level], asks: []) } else { book.applyUpdate(bids: [], asks: [level]) }
                let js = "{\"price\":\(level.price),\"qty\":\(level.qty)}"
                ws.send(#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[\#(updates % 2 == 0 ? js : "")],"asks":[\#(updates % 2 == 0 ? "" : js)],"checksum":\#(book.checksum),"timestamp":"2026-01-01T00:00:00Z"}]}"#)
            }
        }
        func next() {
            // A connection the client has closed takes no bar: the bar goes to the next one.
            guard !ws.isClosed else { return }
            let i = lock.withLock { () -> Int? in
                guard streamed < script.stream.count else { return nil }
                streamed += 1
                return streamed - 1
            }
            guard let i, !ws.isClosed else { return }
            let b = script.stream[i]
            // Resting orders meet the bar's prints before its close is told.
            play(b)
            sendBookUpdates()
            ws.send(#"{"channel":"heartbeat"}"#)
            ws.send(Self.ohlcFrame(b))
            let sent = i + 1
            if n == 1, let k = script.disconnectAfterBars, sent == k { _ = ws.close(code: .unexpectedServerError); return }
            if n == 1, let k = script.goSilentAfterBars, sent == k { return }
            loop.scheduleTask(in: .milliseconds(script.barIntervalMs)) { next() }
        }
        loop.scheduleTask(in: .milliseconds(script.barIntervalMs)) { next() }
    }

    /// As Kraken answers an `ohlc` subscription with `snapshot: true`: the latest candles
    /// (here the last five streamed), so a bar sent on a connection that was dying when it
    /// went out reaches the client on the next one. Nothing on the first connection.
    func ohlcSnapshot() -> String? {
        let sent = lock.withLock { streamed }
        guard sent > 0 else { return nil }
        let rows = script.stream[max(0, sent - 5)..<sent].map(Self.ohlcRow).joined(separator: ",")
        return #"{"channel":"ohlc","type":"snapshot","data":[\#(rows)]}"#
    }

    static func ohlcRow(_ b: Bar) -> String {
        let begin = UTCTime.iso(b.timestampMs)
        return #"{"symbol":"BTC/USD","open":\#(b.open),"high":\#(b.high),"low":\#(b.low),"close":\#(b.close),"trades":1,"volume":\#(b.volume),"vwap":\#(b.close),"interval_begin":"\#(begin)","interval":1,"timestamp":"\#(begin)"}"#
    }

    /// One `ohlc` update: the bar's final values at its own `interval_begin`.
    static func ohlcFrame(_ b: Bar) -> String {
        #"{"channel":"ohlc","type":"update","data":[\#(ohlcRow(b))]}"#
    }

    /// A small book with its true checksum (or a wrong one).
    func snapshotLevels() -> (bids: [KrakenBook.Level], asks: [KrakenBook.Level]) {
        let mid = script.stream.first?.close ?? script.history.last?.close ?? 100
        let bids = (1...10).map { KrakenBook.Level(price: Decimal(string: String(format: "%.1f", mid - Double($0) * 0.5))!, qty: Decimal(string: "0.5")!) }
        let asks = (1...10).map { KrakenBook.Level(price: Decimal(string: String(format: "%.1f", mid + Double($0) * 0.5))!, qty: Decimal(string: "0.25")!) }
        return (bids, asks)
    }

    func bookSnapshot(_ symbol: String, corrupt: Bool) -> String {
        let (bids, asks) = snapshotLevels()
        var book = KrakenBook(depth: 10, pricePrecision: 1, qtyPrecision: 8)
        book.applySnapshot(bids: bids, asks: asks)
        let crc = corrupt ? book.checksum &+ 1 : book.checksum
        func js(_ l: [KrakenBook.Level]) -> String { l.map { "{\"price\":\($0.price),\"qty\":\($0.qty)}" }.joined(separator: ",") }
        return #"{"channel":"book","type":"snapshot","data":[{"symbol":"\#(symbol)","bids":[\#(js(bids))],"asks":[\#(js(asks))],"checksum":\#(crc)}]}"#
    }
}
