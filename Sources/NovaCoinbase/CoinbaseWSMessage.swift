import Foundation
import NovaCore

/// One message of Coinbase Advanced Trade's WebSocket (exchange-crib.md §4.2): every push has
/// the envelope `{channel, client_id, timestamp, sequence_num, events[]}`; errors come as
/// `{type: "error", message}`. Parsed into what the adapter acts on; numbers stay exact
/// (`CoinbaseNumber`). A frame that is not JSON, or a known channel whose events do not have
/// their shape, is an error naming the channel; an unknown channel is `.other`.
public enum CoinbaseWSMessage: Sendable, Equatable {
    case subscriptions([String: [String]], sequence: Int64?)
    case heartbeat(counter: Int64, sequence: Int64?)
    /// `l2_data`: a snapshot replaces the product's book; an update sets absolute sizes.
    case level2([Level2Event], sequence: Int64?)
    case marketTrades([Trade], sequence: Int64?)
    case user([UserEvent], sequence: Int64?)
    case error(String)
    case other(channel: String, sequence: Int64?)

    public struct Level2Event: Sendable, Equatable {
        public var productID: String
        public var isSnapshot: Bool
        public var updates: [Level]
    }
    public struct Level: Sendable, Equatable {
        /// `bid`, or `offer` (an ask).
        public var isBid: Bool
        public var price: Double
        /// The new absolute size at the price; 0 removes the level.
        public var quantity: Double
    }
    public struct Trade: Sendable, Equatable {
        public var tradeID: String
        public var productID: String
        public var price: Double
        public var size: Double
        /// The taker's side (`BUY` / `SELL`).
        public var side: String
        public var timeMs: Int64
    }
    public struct UserEvent: Sendable, Equatable {
        public var isSnapshot: Bool
        public var orders: [UserOrder]
    }
    /// An order's cumulative state on the `user` channel.
    public struct UserOrder: Sendable, Equatable {
        public var orderID: String
        public var clientOrderID: String?
        public var productID: String
        public var status: String
        public var cumulativeQuantity: Double
        public var leavesQuantity: Double
        public var averagePrice: Double
        public var totalFees: Double
        public var side: String?
        public var cancelReason: String?
        public var rejectReason: String?
        public var timeMs: Int64?
    }

    /// The connection-wide sequence number, when the message has one.
    public var sequence: Int64? {
        switch self {
        case .subscriptions(_, let s), .heartbeat(_, let s), .level2(_, let s), .marketTrades(_, let s), .user(_, let s), .other(_, let s): return s
        case .error: return nil
        }
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { "Coinbase WebSocket: \(message)" }
    }

    public static func parse(_ data: Data) throws(ParseError) -> CoinbaseWSMessage {
        let env: Envelope
        do { env = try JSONDecoder().decode(Envelope.self, from: data) } catch {
            throw ParseError(message: "not a Coinbase message (\(String(decoding: data.prefix(80), as: UTF8.self)))")
        }
        if env.type == "error" { return .error(env.message ?? "error without a message") }
        guard let channel = env.channel else { throw ParseError(message: "a message without a channel") }
        let events = env.events ?? []
        let seq = env.sequenceNum
        func bad(_ why: String) -> ParseError { ParseError(message: "\(channel): \(why)") }
        switch channel {
        case "subscriptions":
            return .subscriptions(events.first?.subscriptions ?? [:], sequence: seq)
        case "heartbeats":
            guard let c = events.first?.heartbeatCounter else { throw bad("no heartbeat_counter") }
            return .heartbeat(counter: c, sequence: seq)
        case "l2_data":
            var out: [Level2Event] = []
            for e in events {
                guard let pid = e.productID, let type = e.type, type == "snapshot" || type == "update" else { throw bad("an event without product_id or type") }
                var levels: [Level] = []
                for u in e.updates ?? [] {
                    guard u.side == "bid" || u.side == "offer" else { throw bad("side '\(u.side)'") }
                    levels.append(Level(isBid: u.side == "bid", price: u.priceLevel.value, quantity: u.newQuantity.value))
                }
                out.append(Level2Event(productID: pid, isSnapshot: type == "snapshot", updates: levels))
            }
            return .level2(out, sequence: seq)
        case "market_trades":
            var out: [Trade] = []
            for e in events {
                for t in e.trades ?? [] {
                    guard let ms = CoinbaseTime.ms(t.time) else { throw bad("trade \(t.tradeID) has no time") }
                    out.append(Trade(tradeID: t.tradeID, productID: t.productID, price: t.price.value, size: t.size.value, side: t.side, timeMs: ms))
                }
            }
            return .marketTrades(out, sequence: seq)
        case "user":
            return .user(events.map { e in
                UserEvent(isSnapshot: e.type == "snapshot", orders: (e.orders ?? []).map {
                    UserOrder(orderID: $0.orderID, clientOrderID: $0.clientOrderID, productID: $0.productID, status: $0.status,
                              cumulativeQuantity: $0.cumulativeQuantity?.value ?? 0, leavesQuantity: $0.leavesQuantity?.value ?? 0,
                              averagePrice: $0.avgPrice?.value ?? 0, totalFees: $0.totalFees?.value ?? 0, side: $0.orderSide,
                              cancelReason: $0.cancelReason, rejectReason: $0.rejectReason, timeMs: CoinbaseTime.ms(env.timestamp))
                })
            }, sequence: seq)
        default:
            return .other(channel: channel, sequence: seq)
        }
    }

    /// A subscribe (or unsubscribe) message: one channel each (exchange-crib.md §4.1), with a
    /// fresh JWT when given.
    public static func subscribe(channel: String, productIDs: [String], jwt: String?, unsubscribe: Bool = false) -> Data {
        var m: [String: Any] = ["type": unsubscribe ? "unsubscribe" : "subscribe", "channel": channel]
        if !productIDs.isEmpty { m["product_ids"] = productIDs }
        if let jwt { m["jwt"] = jwt }
        return (try? JSONSerialization.data(withJSONObject: m, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    struct Envelope: Decodable {
        var channel: String?
        var type: String?
        var message: String?
        var timestamp: String?
        var sequenceNum: Int64?
        var events: [Event]?
        enum CodingKeys: String, CodingKey { case channel, type, message, timestamp, sequenceNum = "sequence_num", events }
    }
    struct Event: Decodable {
        var type: String?
        var productID: String?
        var updates: [L2Update]?
        var trades: [WireTrade]?
        var orders: [WireOrder]?
        var heartbeatCounter: Int64?
        var subscriptions: [String: [String]]?
        enum CodingKeys: String, CodingKey {
            case type, productID = "product_id", updates, trades, orders, heartbeatCounter = "heartbeat_counter", subscriptions
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decodeIfPresent(String.self, forKey: .type)
            productID = try c.decodeIfPresent(String.self, forKey: .productID)
            updates = try c.decodeIfPresent([L2Update].self, forKey: .updates)
            trades = try c.decodeIfPresent([WireTrade].self, forKey: .trades)
            orders = try c.decodeIfPresent([WireOrder].self, forKey: .orders)
            // Sent as a number or a string, depending on the documentation page.
            if let n = try? c.decodeIfPresent(Int64.self, forKey: .heartbeatCounter) { heartbeatCounter = n }
            else if let s = try? c.decodeIfPresent(String.self, forKey: .heartbeatCounter) { heartbeatCounter = Int64(s) }
            subscriptions = try? c.decodeIfPresent([String: [String]].self, forKey: .subscriptions)
        }
    }
    struct L2Update: Decodable {
        var side: String
        var priceLevel: CoinbaseNumber
        var newQuantity: CoinbaseNumber
        enum CodingKeys: String, CodingKey { case side, priceLevel = "price_level", newQuantity = "new_quantity" }
    }
    struct WireTrade: Decodable {
        var tradeID: String
        var productID: String
        var price: CoinbaseNumber
        var size: CoinbaseNumber
        var side: String
        var time: String?
        enum CodingKeys: String, CodingKey { case tradeID = "trade_id", productID = "product_id", price, size, side, time }
    }
    struct WireOrder: Decodable {
        var orderID: String
        var clientOrderID: String?
        var productID: String
        var status: String
        var cumulativeQuantity: CoinbaseNumber?
        var leavesQuantity: CoinbaseNumber?
        var avgPrice: CoinbaseNumber?
        var totalFees: CoinbaseNumber?
        var orderSide: String?
        var cancelReason: String?
        var rejectReason: String?
        enum CodingKeys: String, CodingKey {
            case orderID = "order_id", clientOrderID = "client_order_id", productID = "product_id", status
            case cumulativeQuantity = "cumulative_quantity", leavesQuantity = "leaves_quantity", avgPrice = "avg_price"
            case totalFees = "total_fees", orderSide = "order_side", cancelReason = "cancel_reason", rejectReason = "reject_reason"
        }
    }
}
