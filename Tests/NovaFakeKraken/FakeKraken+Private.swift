import Foundation
import NIOCore
import NovaCore
import WebSocketKit

/// One private WebSocket connection and the channels it subscribed with a valid token.
struct PrivateSubscriber {
    let ws: WebSocket
    var channels: Set<String> = []
    /// Channel messages sent (for `dropPrivateAfterMessages`) and each channel's sequence.
    var sent = 0
    var sequence: [String: Int] = [:]
}

/// The authenticated WebSocket v2 (exchange-crib.md §2.5): a token from GetWebSocketsToken in
/// every private request, the `executions` and `balances` channels with their snapshots, and
/// the account's changes pushed as they happen. A token serves one connection: once that
/// closes, the client must fetch a new one (what Kraken asks of clients anyway).
extension FakeKraken {
    /// Every order placed, in order, as the exchange holds it.
    public var orders: [FakeOrder] { lock.withLock { account.orders } }
    public var trades: [FakeTrade] { lock.withLock { account.trades } }
    public var balances: [String: Decimal] { lock.withLock { account.balances } }
    public var addOrderCalls: Int { lock.withLock { account.addOrders } }
    public var cancelOrderCalls: Int { lock.withLock { account.cancels } }
    /// Orders whose cancel found them filled just before (`fillOnCancel`), by txid.
    public var racedCancels: [String] { lock.withLock { account.raced } }
    /// When each AddOrder arrived, by `cl_ord_id` (monotonic ns).
    public var addOrderArrivals: [String: UInt64] { lock.withLock { account.arrivals } }
    public var privateConnectionCount: Int { lock.withLock { privateConnections } }

    /// A bar's prints meet the resting orders (the stream does this before each bar's frame).
    public func play(_ b: Bar) {
        lock.withLock {
            account.play(b, now: Date().timeIntervalSince1970)
            flushPrivate()
        }
    }

    /// One print at `price`.
    public func trade(at price: Decimal) {
        lock.withLock {
            account.trade(at: price, now: Date().timeIntervalSince1970)
            flushPrivate()
        }
    }

    /// Places an order as another program with the same key would (one the client does not know).
    @discardableResult
    public func placeForeignOrder(_ form: [String: String]) -> String? {
        lock.withLock {
            let r = try? account.add(form, now: Date().timeIntervalSince1970).get()
            flushPrivate()
            return r?.txid
        }
    }

    func privateSession(_ ws: WebSocket) {
        let n = lock.withLock { privateConnections += 1; return privateConnections }
        ws.send(#"{"channel":"status","type":"update","data":[{"system":"online","api_version":"v2","connection_id":\#(n),"version":"2.0.0"}]}"#)
        let heartbeat = ws.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak ws] _ in
            guard let ws, !ws.isClosed else { return }
            ws.send(#"{"channel":"heartbeat"}"#)
        }
        ws.onClose.whenComplete { [self] _ in
            heartbeat.cancel()
            lock.withLock {
                privateSubscribers[n] = nil
                for (t, v) in account.tokens where v.connection == n { account.tokens[t] = nil }
            }
        }
        ws.onText { [self] ws, text in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let method = obj["method"] as? String else { return }
            let params = obj["params"] as? [String: Any] ?? [:]
            let reqID = (obj["req_id"] as? Int).map { ",\"req_id\":\($0)" } ?? ""
            let stamp = #","time_in":"\#(FakeAccount.time(Date().timeIntervalSince1970))","time_out":"\#(FakeAccount.time(Date().timeIntervalSince1970))""#
            switch method {
            case "ping":
                ws.send(#"{"method":"pong"\#(reqID)\#(stamp)}"#)
            case "subscribe", "unsubscribe":
                let channel = params["channel"] as? String ?? ""
                guard ["executions", "balances"].contains(channel) else {
                    ws.send(#"{"method":"\#(method)","success":false,"error":"Channel not supported","req_id":0\#(stamp)}"#)
                    return
                }
                lock.withLock {
                    guard useToken(params["token"] as? String, connection: n) else {
                        ws.send(#"{"method":"\#(method)","success":false,"error":"ESession:Invalid session"\#(reqID)\#(stamp)}"#)
                        return
                    }
                    if method == "unsubscribe" {
                        privateSubscribers[n]?.channels.remove(channel)
                        ws.send(#"{"method":"unsubscribe","result":{"channel":"\#(channel)"},"success":true\#(reqID)\#(stamp)}"#)
                        return
                    }
                    ws.send(#"{"method":"subscribe","result":{"channel":"\#(channel)","snapshot":true},"success":true\#(reqID)\#(stamp)}"#)
                    var sub = privateSubscribers[n] ?? PrivateSubscriber(ws: ws)
                    sub.channels.insert(channel)
                    privateSubscribers[n] = sub
                    let now = Date().timeIntervalSince1970
                    let data = channel == "executions"
                        ? account.executionSnapshot(trades: params["snap_trades"] as? Bool ?? false, now: now)
                        : account.balanceSnapshot()
                    send(channel, type: "snapshot", data, to: n)
                }
            default:
                ws.send(#"{"method":"\#(method)","success":false,"error":"EGeneral:Invalid arguments"\#(reqID)\#(stamp)}"#)
            }
        }
    }

    /// A token is good if issued within 15 minutes and not used by another connection.
    private func useToken(_ token: String?, connection n: Int) -> Bool {
        guard let token, let t = account.tokens[token] else { return false }
        if let c = t.connection { return c == n }
        guard Date().timeIntervalSince1970 - t.issued < 900 else { return false }
        account.tokens[token] = (t.issued, n)
        return true
    }

    /// Sends what the account changed to each connection subscribed to its channel. Called
    /// under `lock`, so messages leave in the order the account made them.
    func flushPrivate() {
        let pending = account.outbox
        account.outbox.removeAll()
        guard !pending.isEmpty, !privateSubscribers.isEmpty else { return }
        for channel in ["executions", "balances"] {
            let data = pending.filter { $0.channel == channel }.map(\.data)
            guard !data.isEmpty else { continue }
            for n in privateSubscribers.keys.sorted() where privateSubscribers[n]?.channels.contains(channel) == true {
                send(channel, type: "update", data, to: n)
            }
        }
    }

    private func send(_ channel: String, type: String, _ data: [FakeJSON], to n: Int) {
        guard var sub = privateSubscribers[n] else { return }
        sub.sent += 1
        sub.sequence[channel, default: 0] += 1
        privateSubscribers[n] = sub
        let frame = FakeJSON.object([("channel", .string(channel)), ("type", .string(type)), ("data", .array(data)),
                                     ("sequence", .int(sub.sequence[channel] ?? 0))])
        sub.ws.send(frame.text)
        if n == 1, let k = script.account.dropPrivateAfterMessages, sub.sent == k {
            _ = sub.ws.close(code: .unexpectedServerError)
        }
    }
}
