import Foundation

/// Talks to a running `novapulse live` through its status endpoint on 127.0.0.1: what
/// `novapulse live status|pause|resume|close-all` use.
public struct ControlClient: Sendable {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case notRunning(port: Int, String)
        case refused(status: Int, String)
        case badReply(String)
        public var description: String {
            switch self {
            case .notRunning(let port, let why):
                return "no novapulse live answers on 127.0.0.1:\(port) (\(why)); is it running, and is live.status_port \(port)?"
            case .refused(401, _):
                return "the running novapulse live refused the key (401): set the key it was started with"
            case .refused(let status, let message): return "the running novapulse live answered \(status): \(message)"
            case .badReply(let m): return "the running novapulse live sent a reply that is not JSON: \(m)"
            }
        }
    }

    let transport: any RESTTransport
    public let port: Int

    public init(transport: any RESTTransport, port: Int) { self.transport = transport; self.port = port }

    /// `GET /api/v1/NAME` with the key; the decoded JSON object.
    public func get(_ name: String, key: String?) async throws -> [String: Any] {
        try await call("GET", "/api/v1/\(name)", key: key)
    }

    /// `POST /api/v1/control/NAME` with the admin key.
    public func control(_ name: String, key: String?) async throws -> [String: Any] {
        try await call("POST", "/api/v1/control/\(name)", key: key)
    }

    private func call(_ method: String, _ path: String, key: String?) async throws -> [String: Any] {
        let reply: (status: Int, body: Data)
        do {
            reply = try await transport.send(method: method, url: "http://127.0.0.1:\(port)\(path)",
                                             headers: key.map { [("X-API-Key", $0)] } ?? [], body: nil)
        } catch {
            throw Failure.notRunning(port: port, "\(error)")
        }
        let obj = (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any]
        guard reply.status == 200 else {
            throw Failure.refused(status: reply.status, obj?["error"] as? String ?? String(decoding: reply.body.prefix(200), as: UTF8.self))
        }
        guard let obj else { throw Failure.badReply(String(decoding: reply.body.prefix(200), as: UTF8.self)) }
        return obj
    }
}
