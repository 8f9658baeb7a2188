import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The status endpoint on 127.0.0.1 (`live.status_port`): `GET /api/v1/health` answers anyone;
/// every other path needs the read key (`DASHBOARD_READ_KEY`) in an `X-API-Key` header or
/// `Authorization: Bearer`. No read key configured: only health answers (403 for the rest);
/// a missing or wrong key: 401 and nothing else.
public final class StatusServer: @unchecked Sendable {
    public typealias Responder = @Sendable (_ path: String) async -> (status: Int, json: String)

    private let group: any EventLoopGroup
    private var channel: (any Channel)?
    public private(set) var port = 0

    public init(group: any EventLoopGroup) { self.group = group }

    public func start(port: Int, readKey: String?, respond: @escaping Responder) throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.pipeline.configureHTTPServerPipeline().flatMap { ch.pipeline.addHandler(Handler(readKey: readKey, respond: respond)) }
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
        let readKey: String?
        let respond: Responder
        var head: HTTPRequestHead?
        init(readKey: String?, respond: @escaping Responder) { self.readKey = readKey; self.respond = respond }

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
                if h.method != .GET { return write(ctx.value, version, 405, #"{"error":"method not allowed"}"#) }
                if path != "/api/v1/health" {
                    guard let readKey, !readKey.isEmpty else { return write(ctx.value, version, 403, #"{"error":"no DASHBOARD_READ_KEY configured"}"#) }
                    guard let given, StatusServer.sameKey(given, readKey) else { return write(ctx.value, version, 401, #"{"error":"unauthorized"}"#) }
                }
                let respond = respond
                let future = context.eventLoop.makeFutureWithTask { await respond(path) }
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
