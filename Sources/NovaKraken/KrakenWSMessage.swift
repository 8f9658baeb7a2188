import Foundation
import NovaCore
import NovaVenue

/// One Kraken WebSocket v2 text frame, parsed (exchange-crib.md §2). Unknown or malformed
/// frames are `.other` with the reason: the feed logs them and goes on, it never stops on one.
public enum KrakenWSMessage: Sendable, Equatable {
    /// `status` channel: `online`, `maintenance`, `cancel_only`, `post_only`.
    case status(system: String)
    case heartbeat
    case pong(reqID: Int?)
    /// A reply to `subscribe`/`unsubscribe` (one per symbol).
    case subscription(method: String, channel: String, symbol: String?, success: Bool, error: String?, reqID: Int?)
    case ohlc(type: String, candles: [KrakenCandle])
    case book(type: String, books: [KrakenBookMessage])
    case ticker([KrakenTicker])
    case trade([KrakenWSTrade])
    case executions(type: String, [KrakenExecution])
    case balances(type: String, [String: Double])
    /// A reply to `add_order`, `cancel_order` and the other trading methods.
    case orderReply(method: String, success: Bool, orderID: String?, clientOrderID: String?, error: String?, reqID: Int?)
    case other(String)

    public static func parse(_ text: String) -> KrakenWSMessage {
        let data = Data(text.utf8)
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return .other("not a JSON object") }
        if let method = obj["method"] as? String {
            let reqID = JSONValue.int64(obj["req_id"]).map(Int.init)
            let success = obj["success"] as? Bool ?? false
            let result = obj["result"] as? [String: Any]
            switch method {
            case "pong": return .pong(reqID: reqID)
            case "subscribe", "unsubscribe":
                return .subscription(method: method, channel: result?["channel"] as? String ?? "", symbol: result?["symbol"] as? String,
                                     success: success, error: obj["error"] as? String, reqID: reqID)
            default:
                return .orderReply(method: method, success: success, orderID: result?["order_id"] as? String,
                                   clientOrderID: result?["cl_ord_id"] as? String, error: obj["error"] as? String, reqID: reqID)
            }
        }
        guard let channel = obj["channel"] as? String else { return .other("no channel or method") }
        let type = obj["type"] as? String ?? ""
        let rows = obj["data"] as? [[String: Any]] ?? []
        switch channel {
        case "heartbeat": return .heartbeat
        case "status": return .status(system: rows.first?["system"] as? String ?? "unknown")
        case "ohlc": return .ohlc(type: type, candles: rows.compactMap(KrakenCandle.init))
        case "book":
            // Decoded again with Decimal: the checksum needs the wire's exact digits.
            struct Frame: Decodable { var data: [KrakenBookMessage] }
            guard let f = try? JSONDecoder().decode(Frame.self, from: data) else { return .other("malformed book frame") }
            return .book(type: type, books: f.data)
        case "ticker": return .ticker(rows.compactMap(KrakenTicker.init))
        case "trade": return .trade(rows.compactMap(KrakenWSTrade.init))
        case "executions": return .executions(type: type, rows.compactMap(KrakenExecution.init))
        case "balances":
            var out: [String: Double] = [:]
            for r in rows { if let a = r["asset"] as? String, let b = JSONValue.double(r["balance"]) { out[KrakenNames.asset(a) ?? a] = b } }
            return .balances(type: type, out)
        default: return .other("channel \(channel)")
        }
    }
}

/// One `ohlc` element. Updates resend the current candle with new values; a candle is final
/// only once a later `interval_begin` appears (or its interval has passed, see CandleAssembler).
public struct KrakenCandle: Sendable, Equatable {
    public var symbol: String
    public var open, high, low, close, volume: Double
    public var intervalBeginMs: Int64
    public var intervalMinutes: Int
    /// `timestamp`: the candle's last update, on Kraken's clock (its last trade); nil when absent.
    public var updateMs: Int64?

    public init(symbol: String, open: Double, high: Double, low: Double, close: Double, volume: Double, intervalBeginMs: Int64,
                intervalMinutes: Int, updateMs: Int64? = nil) {
        self.symbol = symbol; self.open = open; self.high = high; self.low = low; self.close = close; self.volume = volume
        self.intervalBeginMs = intervalBeginMs; self.intervalMinutes = intervalMinutes; self.updateMs = updateMs
    }

    init?(_ r: [String: Any]) {
        guard let s = r["symbol"] as? String, let o = JSONValue.double(r["open"]), let h = JSONValue.double(r["high"]),
              let l = JSONValue.double(r["low"]), let c = JSONValue.double(r["close"]), let v = JSONValue.double(r["volume"]),
              let b = r["interval_begin"] as? String, let begin = try? UTCTime.parse(b),
              [o, h, l, c, v].allSatisfy(\.isFinite), o > 0, h >= l else { return nil }
        self.init(symbol: s, open: o, high: h, low: l, close: c, volume: v, intervalBeginMs: begin,
                  intervalMinutes: Int(JSONValue.int64(r["interval"]) ?? 1),
                  updateMs: (r["timestamp"] as? String).flatMap { try? UTCTime.parse($0) })
    }

    public var bar: Bar { Bar(timestampMs: intervalBeginMs, open: open, high: high, low: low, close: close, volume: volume) }
}

/// One `book` element: levels as exact decimals and the checksum to verify against.
public struct KrakenBookMessage: Sendable, Equatable, Decodable {
    public var symbol: String
    public var bids: [KrakenBook.Level]
    public var asks: [KrakenBook.Level]
    public var checksum: UInt32?
    public var timestamp: String?

    public init(symbol: String, bids: [KrakenBook.Level], asks: [KrakenBook.Level], checksum: UInt32?, timestamp: String? = nil) {
        self.symbol = symbol; self.bids = bids; self.asks = asks; self.checksum = checksum; self.timestamp = timestamp
    }
}

public struct KrakenTicker: Sendable, Equatable {
    public var symbol: String
    public var bid, ask, last: Double
    init?(_ r: [String: Any]) {
        guard let s = r["symbol"] as? String, let b = JSONValue.double(r["bid"]), let a = JSONValue.double(r["ask"]) else { return nil }
        symbol = s; bid = b; ask = a; last = JSONValue.double(r["last"]) ?? (a + b) / 2
    }
}

public struct KrakenWSTrade: Sendable, Equatable {
    public var symbol: String
    public var side: String
    public var price, qty: Double
    public var tradeID: Int64
    public var timeMs: Int64
    init?(_ r: [String: Any]) {
        guard let s = r["symbol"] as? String, let p = JSONValue.double(r["price"]), let q = JSONValue.double(r["qty"]),
              let ts = r["timestamp"] as? String, let t = try? UTCTime.parse(ts) else { return nil }
        symbol = s; side = r["side"] as? String ?? ""; price = p; qty = q; tradeID = JSONValue.int64(r["trade_id"]) ?? 0; timeMs = t
    }
}

/// One `executions` element (§2.5). Every field is optional on the wire; the cumulative
/// quantity and cost are what fills are derived from, never `last_qty` alone.
public struct KrakenExecution: Sendable, Equatable {
    public var execType: String
    public var orderID: String
    public var clientOrderID: String?
    public var symbol: String?
    public var side: String?
    public var orderStatus: String?
    public var orderQty: Double?
    public var cumQty: Double?
    public var cumCost: Double?
    public var avgPrice: Double?
    public var execID: String?
    public var lastQty: Double?
    public var lastPrice: Double?
    public var feeQuote: Double?
    public var isMaker: Bool?
    public var reason: String?
    public var timeMs: Int64?

    public init(execType: String, orderID: String, clientOrderID: String? = nil, symbol: String? = nil, side: String? = nil,
                orderStatus: String? = nil, orderQty: Double? = nil, cumQty: Double? = nil, cumCost: Double? = nil, avgPrice: Double? = nil,
                execID: String? = nil, lastQty: Double? = nil, lastPrice: Double? = nil, feeQuote: Double? = nil, isMaker: Bool? = nil,
                reason: String? = nil, timeMs: Int64? = nil) {
        self.execType = execType; self.orderID = orderID; self.clientOrderID = clientOrderID; self.symbol = symbol; self.side = side
        self.orderStatus = orderStatus; self.orderQty = orderQty; self.cumQty = cumQty; self.cumCost = cumCost; self.avgPrice = avgPrice
        self.execID = execID; self.lastQty = lastQty; self.lastPrice = lastPrice; self.feeQuote = feeQuote; self.isMaker = isMaker
        self.reason = reason; self.timeMs = timeMs
    }

    init?(_ r: [String: Any]) {
        guard let id = r["order_id"] as? String else { return nil }
        let fees = (r["fees"] as? [[String: Any]])?.compactMap { JSONValue.double($0["qty"]) }
        self.init(execType: r["exec_type"] as? String ?? "", orderID: id, clientOrderID: r["cl_ord_id"] as? String,
                  symbol: r["symbol"] as? String, side: r["side"] as? String, orderStatus: r["order_status"] as? String,
                  orderQty: JSONValue.double(r["order_qty"]), cumQty: JSONValue.double(r["cum_qty"]), cumCost: JSONValue.double(r["cum_cost"]),
                  avgPrice: JSONValue.double(r["avg_price"]), execID: (r["exec_id"] as? String) ?? JSONValue.int64(r["trade_id"]).map { String($0) },
                  lastQty: JSONValue.double(r["last_qty"]), lastPrice: JSONValue.double(r["last_price"]),
                  feeQuote: fees?.reduce(0, +), isMaker: (r["liquidity_ind"] as? String).map { $0 == "m" },
                  reason: r["reason"] as? String, timeMs: (r["timestamp"] as? String).flatMap { try? UTCTime.parse($0) })
    }
}
