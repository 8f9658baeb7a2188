import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The status endpoint on 127.0.0.1 (`live.status_port`): `GET /api/v1/health` answers anyone;
/// every other `GET` needs the read key (`DASHBOARD_READ_KEY`) or the admin key, and
/// `POST /api/v1/control/...` the admin key (`DASHBOARD_ADMIN_KEY`), in an `X-API-Key` header
/// or `Authorization: Bearer`. A key that is not configured opens nothing (403); a missing or
/// wrong key: 401 and nothing else.
public final class StatusServer: @unchecked Sendable {
    public typealias Responder = @Sendable (_ method: String, _ path: String) async -> (status: Int, json: String)

    /// The keys that open the endpoint; nil or empty: that level of access is closed.
    public struct Keys: Sendable {
        public var read: String?
        public var admin: String?
        public init(read: String?, admin: String?) {
            self.read = read.flatMap { $0.isEmpty ? nil : $0 }
            self.admin = admin.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    private let group: any EventLoopGroup
    private var channel: (any Channel)?
    public private(set) var port = 0

    public init(group: any EventLoopGroup) { self.group = group }

    public func start(port: Int, keys: Keys, respond: @escaping Responder) throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.pipeline.configureHTTPServerPipeline().flatMap { ch.pipeline.addHandler(Handler(keys: keys, respond: respond)) }
            }
        let ch = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
        channel = ch
        self.port = ch.localAddress?.port ?? port
    }

    public func stop() { try? channel?.close().wait() }

    /// Constant-time comparison: the key is not leaked by timing.
    static func sameKey(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in x.indices { d |= x[i] ^ y[i] }
        return d == 0
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let keys: Keys
        let respond: Responder
        var head: HTTPRequestHead?
        init(keys: Keys, respond: @escaping Responder) { self.keys = keys; self.respond = respond }

        /// nil when the request may go on, else the refusal.
        func refusal(method: HTTPMethod, path: String, given: String?) -> (Int, String)? {
            let control = path.hasPrefix("/api/v1/control/")
            switch (method, control) {
            case (.POST, true):
                guard let admin = keys.admin else { return (403, #"{"error":"no DASHBOARD_ADMIN_KEY configured: control is off"}"#) }
                guard let given, StatusServer.sameKey(given, admin) else { return (401, #"{"error":"unauthorized"}"#) }
                return nil
            case (.GET, false):
                if path == "/api/v1/health" { return nil }
                let open = [keys.read, keys.admin].compactMap { $0 }
                guard !open.isEmpty else { return (403, #"{"error":"no DASHBOARD_READ_KEY configured"}"#) }
                guard let given, open.contains(where: { StatusServer.sameKey(given, $0) }) else { return (401, #"{"error":"unauthorized"}"#) }
                return nil
            default:
                return (405, #"{"error":"method not allowed"}"#)
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h
            case .body: break
            case .end:
                guard let h = head else { return }
                let path = String(h.uri.split(separator: "?").first ?? "")
                let given = h.headers.first(name: "X-API-Key")
                    ?? h.headers.first(name: "Authorization").flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
                let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
                let version = h.version
                if let (status, body) = refusal(method: h.method, path: path, given: given) { return write(ctx.value, version, status, body) }
                let respond = respond
                let method = h.method.rawValue
                let future = context.eventLoop.makeFutureWithTask { await respond(method, path) }
                future.whenSuccess { r in Handler.write(ctx.value, version, r.status, r.json) }
            }
        }

        private func write(_ context: ChannelHandlerContext, _ version: HTTPVersion, _ status: Int, _ body: String) {
            Handler.write(context, version, status, body)
        }

        static func write(_ context: ChannelHandlerContext, _ version: HTTPVersion, _ status: Int, _ body: String) {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in context.close(promise: nil) }
        }
    }
}
