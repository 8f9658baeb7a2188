import Foundation
import NovaCore

/// `--record`: the transport and the connector, wrapped. Every REST reply and WebSocket event
/// goes to the tape as it arrives, then on to the adapter code unchanged.
public struct RecordingTransport: RESTTransport {
    let inner: any RESTTransport
    let tape: TapeWriter

    public init(_ inner: any RESTTransport, tape: TapeWriter) { self.inner = inner; self.tape = tape }

    public func send(method: String, url: String, headers: [(String, String)], body: Data?) async throws -> (status: Int, body: Data) {
        let path = TapeRecording.path(of: url)
        do {
            let reply = try await inner.send(method: method, url: url, headers: headers, body: body)
            tape.record(TapeEvent(atMs: TapeRecording.now(), kind: .rest, method: method, path: path, status: reply.status,
                                  text: String(decoding: reply.body, as: UTF8.self)))
            return reply
        } catch {
            // A transport failure is part of what happened: replayed, it fails the same way.
            tape.record(TapeEvent(atMs: TapeRecording.now(), kind: .rest, method: method, path: path, status: -1, text: "\(error)"))
            throw error
        }
    }
}

public final class RecordingConnector: WebSocketConnector, @unchecked Sendable {
    let inner: any WebSocketConnector
    let tape: TapeWriter
    private let lock = NSLock()
    private var connections = 0

    public init(_ inner: any WebSocketConnector, tape: TapeWriter) { self.inner = inner; self.tape = tape }

    public func connect(url: String, events: AsyncStream<WSEvent>.Continuation) async throws -> any WebSocketHandle {
        let n = lock.withLock { connections += 1; return connections }
        let (relay, relayIn) = AsyncStream<WSEvent>.makeStream()
        let handle: any WebSocketHandle
        do { handle = try await inner.connect(url: url, events: relayIn) } catch {
            tape.record(TapeEvent(atMs: TapeRecording.now(), kind: .connectFailed, connection: n, text: "\(error)"))
            throw error
        }
        tape.record(TapeEvent(atMs: TapeRecording.now(), kind: .connect, connection: n, path: url))
        let tape = tape
        Task {
            for await e in relay {
                switch e {
                case .text(let text, _, _): tape.record(TapeEvent(atMs: TapeRecording.now(), kind: .frame, connection: n, text: text))
                case .closed(let why): tape.record(TapeEvent(atMs: TapeRecording.now(), kind: .close, connection: n, text: why))
                case .ended: break
                }
                events.yield(e)
                if case .closed = e { break }
            }
        }
        return handle
    }
}

enum TapeRecording {
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
    /// `https://api.kraken.com/0/public/OHLC?pair=XBTUSD` -> `/0/public/OHLC?pair=XBTUSD`.
    static func path(of url: String) -> String {
        guard let r = url.range(of: "://") else { return url }
        let rest = url[r.upperBound...]
        return rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
    }
}

/// Tape time: the receive time of the event being replayed (it never goes back).
public final class TapeClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var ms: Int64
    public init(startMs: Int64) { ms = startMs }
    public func nowMs() -> Int64 { lock.withLock { ms } }
    public func set(_ t: Int64) { lock.withLock { if t > ms { ms = t } } }
}

/// `--replay`: REST replies from the tape, in the order they were recorded for each request.
public final class ReplayTransport: RESTTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [String: [TapeEvent]]
    let clock: TapeClock

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public init(tape: Tape, clock: TapeClock) {
        var r: [String: [TapeEvent]] = [:]
        for e in tape.events where e.kind == .rest { r[e.method + " " + e.path, default: []].append(e) }
        replies = r
        self.clock = clock
    }

    public func send(method: String, url: String, headers: [(String, String)], body: Data?) async throws -> (status: Int, body: Data) {
        let key = method + " " + TapeRecording.path(of: url)
        let e: TapeEvent? = lock.withLock {
            guard var list = replies[key], !list.isEmpty else { return nil }
            let first = list.removeFirst()
            replies[key] = list
            return first
        }
        guard let e else { throw Missing(description: "the tape has no (more) reply for \(key)") }
        clock.set(e.atMs)
        if e.status == -1 { throw Missing(description: "recorded transport failure: \(e.text)") }
        return (e.status, Data(e.text.utf8))
    }
}

/// `--replay`: WebSocket connection n plays the tape's connection n, frame by frame, each
/// stamped with its recorded time (the runtime's clock follows it). A connection the tape
/// does not have ends the replay.
public final class ReplayConnector: WebSocketConnector, @unchecked Sendable {
    private let lock = NSLock()
    private var connections = 0
    private let byConnection: [Int: [TapeEvent]]

    struct Silent: WebSocketHandle {
        func send(_ text: String) async {}
        func close() async {}
    }

    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    public init(tape: Tape) {
        var m: [Int: [TapeEvent]] = [:]
        for e in tape.events where e.kind != .rest { m[e.connection, default: []].append(e) }
        byConnection = m
        last = m.keys.max() ?? 0
    }

    /// The tape's last connection: the recording stopped on it, so its close (the session's
    /// own, at its stop) ends the replay instead of asking for a connection the tape lacks.
    private let last: Int

    public func connect(url: String, events: AsyncStream<WSEvent>.Continuation) async throws -> any WebSocketHandle {
        let n = lock.withLock { connections += 1; return connections }
        let recorded = byConnection[n] ?? []
        if let f = recorded.first(where: { $0.kind == .connectFailed }) { throw Failed(description: "recorded connect failure: \(f.text)") }
        guard !recorded.isEmpty else {
            events.yield(.ended)
            return Silent()
        }
        Task {
            var count = 0
            for e in recorded {
                switch e.kind {
                case .frame: events.yield(.text(e.text, receivedNs: DispatchTime.now().uptimeNanoseconds, atMs: e.atMs))
                case .close where n != last:
                    events.yield(.closed(e.text))
                    return
                default: break
                }
                count += 1
                if count % 256 == 0 { await Task.yield() }
            }
            // The recording stopped on this connection: so does the replay.
            events.yield(.ended)
        }
        return Silent()
    }
}
