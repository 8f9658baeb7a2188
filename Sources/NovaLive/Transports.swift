import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import WebSocketKit

/// An HTTP request/response, as the REST clients need it. A protocol so the wire tape can
/// record real replies and replay them through the same client code.
public protocol RESTTransport: Sendable {
    func send(method: String, url: String, headers: [(String, String)], body: Data?) async throws -> (status: Int, body: Data)
}

/// A transport failure as a person reads it: "connection refused at 127.0.0.1:9" rather
/// than NIO's `connection reset (error set): Connection refused (errno: 111)`; `setting` is
/// the config key that points there.
func plainTransportError(_ error: any Error, url: String, setting: String) -> String {
    let text = "\(error)"
    let host = URL(string: url).map { u in "\(u.host ?? url)\(u.port.map { ":\($0)" } ?? "")" } ?? url
    if text.contains("Connection refused") || text.contains("connectTimeout") {
        return "connection refused at \(host) (nothing listens there, or a firewall drops it: check \(setting))"
    }
    if text.contains("remoteConnectionClosed") { return "\(host) closed the connection without a reply" }
    if text.contains("deadlineExceeded") || text.contains("readTimeout") { return "no reply from \(host) in time" }
    return text
}

/// What a WebSocket connection says.
public enum WSEvent: Sendable, Equatable {
    /// A text frame and when websocket-kit handed it over (monotonic ns, for the latency
    /// figures); `atMs`, replaying a tape: when it was recorded (the runtime's clock follows).
    case text(String, receivedNs: UInt64, atMs: Int64? = nil)
    /// The connection ended (closed by either side, or failed).
    case closed(String)
    /// A replayed tape has nothing more: the session ends.
    case ended
}

/// An open WebSocket.
public protocol WebSocketHandle: Sendable {
    func send(_ text: String) async
    func close() async
}

/// Opens WebSocket connections; frames and the close arrive, in order, through `events`.
public protocol WebSocketConnector: Sendable {
    func connect(url: String, events: AsyncStream<WSEvent>.Continuation) async throws -> any WebSocketHandle
}

/// REST over async-http-client (HTTP/1.1 and TLS from SwiftNIO; URLSession's libcurl is not
/// used on Linux). One client for the process; a timeout per request.
public final class HTTPClientTransport: RESTTransport {
    private let client: HTTPClient
    private let timeout: TimeAmount

    public init(group: any EventLoopGroup, timeoutSeconds: Int64 = 10) {
        // A host that refuses connections is retried for 3 s, not the request's whole timeout:
        // the REST client's own retries then say so within seconds.
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(3)
        client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        timeout = .seconds(timeoutSeconds)
    }

    public func send(method: String, url: String, headers: [(String, String)], body: Data?) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: timeout)
        var buffer = try await response.body.collect(upTo: 32 << 20)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return (Int(response.status.code), Data(bytes))
    }

    public func shutdown() async { try? await client.shutdown() }
}

/// WebSocket client on websocket-kit (URLSessionWebSocketTask has no ws/wss with Debian's
/// libcurl). `maxFrameSize` is raised from its 16 KiB default: book snapshots are larger.
public struct WebSocketKitConnector: WebSocketConnector {
    let group: any EventLoopGroup
    let maxFrameSize: Int

    public init(group: any EventLoopGroup, maxFrameSize: Int = 8 << 20) {
        self.group = group; self.maxFrameSize = maxFrameSize
    }

    struct Handle: WebSocketHandle {
        let ws: WebSocket
        func send(_ text: String) async { try? await ws.send(text) }
        func close() async { try? await ws.close() }
    }

    public func connect(url: String, events: AsyncStream<WSEvent>.Continuation) async throws -> any WebSocketHandle {
        // websocket-kit calls `onUpgrade` after the connect future has completed: the socket is
        // handed over through a promise, and the connection counts as open once both are done.
        let upgraded = group.next().makePromise(of: WebSocket.self)
        let connecting = WebSocket.connect(to: url, configuration: .init(maxFrameSize: maxFrameSize), on: group) { ws in
            ws.onText { _, text in events.yield(.text(text, receivedNs: DispatchTime.now().uptimeNanoseconds)) }
            ws.onClose.whenComplete { _ in events.yield(.closed("closed by the server (code \(ws.closeCode.map { "\($0)" } ?? "none"))")) }
            upgraded.succeed(ws)
        }
        connecting.whenFailure { upgraded.fail($0) }
        try await connecting.get()
        return Handle(ws: try await upgraded.futureResult.get())
    }
}
