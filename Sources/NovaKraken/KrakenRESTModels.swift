import Foundation
import NovaCore
import NovaVenue

/// One pair from `AssetPairs`: the instrument provider for the grid and minimums, and the
/// precisions the book checksum is computed at (exchange-crib.md §1.3, §2.4).
public struct KrakenInstrument: Sendable, Equatable {
    public var key: String
    public var altname: String
    public var wsname: String
    public var pairDecimals: Int
    public var lotDecimals: Int
    public var tickSize: Double
    public var orderMin: Double
    public var costMin: Double
    public var status: String

    public var spec: InstrumentSpec { InstrumentSpec(tickSize: tickSize, lotDecimals: lotDecimals, minSize: orderMin, minCost: costMin) }

    /// `result` of AssetPairs, keyed by our pair (wsname `XBT/USD` is read as `BTC/USD`).
    public static func parse(_ result: [String: Any]) throws(KrakenError) -> [Pair: KrakenInstrument] {
        var out: [Pair: KrakenInstrument] = [:]
        for (key, value) in result {
            guard let v = value as? [String: Any] else { continue }
            guard let ws = v["wsname"] as? String, let pair = try? Pair(parsing: ws),
                  let pd = JSONValue.int64(v["pair_decimals"]), let ld = JSONValue.int64(v["lot_decimals"]) else {
                throw KrakenError(kind: .transport, message: "AssetPairs entry \(key) lacks wsname, pair_decimals or lot_decimals")
            }
            let tick = JSONValue.double(v["tick_size"]) ?? pow(10, -Double(pd))
            out[pair] = KrakenInstrument(key: key, altname: v["altname"] as? String ?? key, wsname: ws, pairDecimals: Int(pd),
                                         lotDecimals: Int(ld), tickSize: tick, orderMin: JSONValue.double(v["ordermin"]) ?? 0,
                                         costMin: JSONValue.double(v["costmin"]) ?? 0, status: v["status"] as? String ?? "online")
        }
        return out
    }
}

/// `OHLC` rows, committed candles only: the last row is the candle still forming and is
/// dropped whatever `since` was (§1.3); `last` is the cursor for the next poll.
public struct KrakenOHLC: Sendable, Equatable {
    public var bars: [Bar]
    public var last: Int64

    public static func parse(_ result: [String: Any]) throws(KrakenError) -> KrakenOHLC {
        guard let (_, rowsAny) = result.first(where: { $0.key != "last" }), let rows = rowsAny as? [[Any]] else {
            throw KrakenError(kind: .transport, message: "OHLC reply has no rows")
        }
        var bars: [Bar] = []
        bars.reserveCapacity(rows.count)
        for (i, r) in rows.enumerated() {
            guard r.count >= 7, let t = JSONValue.int64(r[0]), let o = JSONValue.double(r[1]), let h = JSONValue.double(r[2]),
                  let l = JSONValue.double(r[3]), let c = JSONValue.double(r[4]), let v = JSONValue.double(r[6]),
                  o.isFinite, h.isFinite, l.isFinite, c.isFinite, v.isFinite, o > 0, h >= l else {
                throw KrakenError(kind: .transport, message: "OHLC row \(i + 1) is malformed")
            }
            guard let ms = Int64.milliseconds(fromSeconds: t) else {
                throw KrakenError(kind: .transport, message: "OHLC row \(i + 1) has a time out of range (\(t))")
            }
            bars.append(Bar(timestampMs: ms, open: o, high: h, low: l, close: c, volume: v))
        }
        if !bars.isEmpty { bars.removeLast() }
        // Rows are ascending; a repeated `since` may repeat one: keep the first of each time.
        var seen = Set<Int64>()
        bars = bars.filter { seen.insert($0.timestampMs).inserted }
        return KrakenOHLC(bars: bars, last: JSONValue.int64(result["last"]) ?? 0)
    }
}

/// One order as OpenOrders, ClosedOrders and QueryOrders report it (§1.4 OrderInfo).
public struct KrakenOrderInfo: Sendable, Equatable {
    public var txid: String
    public var clientOrderID: String
    public var status: String
    public var reason: String
    public var pair: String
    public var side: String
    public var orderType: String
    public var volume: Double
    public var executedVolume: Double
    public var cost: Double
    public var fee: Double
    public var averagePrice: Double
    public var openedAtMs: Int64
    public var closedAtMs: Int64?

    /// The engine's cumulative view (`orderStatus`): `closed` on Kraken means fully filled; a
    /// cancelled order may have filled in part (`vol_exec > 0`).
    public func report(orderID: OrderID, nowMs: Int64) -> OrderStatusReport {
        let state: OrderStatusReport.State
        switch status {
        case "pending", "open": state = .working
        case "closed": state = .filled
        case "canceled": state = .cancelled
        case "expired": state = .expired
        default: state = .unknown
        }
        return OrderStatusReport(orderID: orderID, state: state, filledQuantity: executedVolume, averagePrice: averagePrice,
                                 totalFee: fee, atMs: closedAtMs ?? nowMs)
    }

    /// `{TXID: OrderInfo}` (QueryOrders), or that map under `open`/`closed`.
    public static func parseMap(_ result: [String: Any]) -> [KrakenOrderInfo] {
        let map = (result["open"] as? [String: Any]) ?? (result["closed"] as? [String: Any]) ?? result
        return map.compactMap { txid, v in
            guard let o = v as? [String: Any] else { return nil }
            let d = o["descr"] as? [String: Any] ?? [:]
            let ms: (Any?) -> Int64? = { JSONValue.double($0).flatMap { Int64(checked: ($0 * 1000).rounded()) } }
            return KrakenOrderInfo(txid: txid, clientOrderID: o["cl_ord_id"] as? String ?? "", status: o["status"] as? String ?? "",
                                   reason: o["reason"] as? String ?? "", pair: d["pair"] as? String ?? "", side: d["type"] as? String ?? "",
                                   orderType: d["ordertype"] as? String ?? "", volume: JSONValue.double(o["vol"]) ?? 0,
                                   executedVolume: JSONValue.double(o["vol_exec"]) ?? 0, cost: JSONValue.double(o["cost"]) ?? 0,
                                   fee: JSONValue.double(o["fee"]) ?? 0, averagePrice: JSONValue.double(o["price"]) ?? 0,
                                   openedAtMs: ms(o["opentm"]) ?? 0, closedAtMs: ms(o["closetm"]))
        }.sorted { $0.openedAtMs < $1.openedAtMs }
    }
}

/// One fill from TradesHistory (§1.4): how fills missed while disconnected are recovered.
public struct KrakenTrade: Sendable, Equatable {
    public var tradeID: String
    public var orderTxid: String
    public var pair: String
    public var side: String
    public var price: Double
    public var volume: Double
    public var fee: Double
    public var isMaker: Bool
    public var timeMs: Int64

    public static func parseHistory(_ result: [String: Any]) -> [KrakenTrade] {
        let map = result["trades"] as? [String: Any] ?? [:]
        return map.compactMap { id, v in
            guard let t = v as? [String: Any], let price = JSONValue.double(t["price"]), let vol = JSONValue.double(t["vol"]) else { return nil }
            return KrakenTrade(tradeID: id, orderTxid: t["ordertxid"] as? String ?? "", pair: t["pair"] as? String ?? "",
                               side: t["type"] as? String ?? "", price: price, volume: vol, fee: JSONValue.double(t["fee"]) ?? 0,
                               isMaker: t["maker"] as? Bool ?? false, timeMs: Int64(checked: ((JSONValue.double(t["time"]) ?? 0) * 1000).rounded()) ?? 0)
        }.sorted { ($0.timeMs, $0.tradeID) < ($1.timeMs, $1.tradeID) }
    }
}

public enum KrakenBalance {
    /// `Balance`: asset -> amount, our asset codes; staking variants dropped. Kraken's balance
    /// includes funds held by open orders: the caller subtracts what its open orders reserve.
    public static func parse(_ result: [String: Any]) -> [String: Double] {
        var out: [String: Double] = [:]
        for (k, v) in result {
            guard let asset = KrakenNames.asset(k), let amount = JSONValue.double(v) else { continue }
            out[asset, default: 0] += amount
        }
        return out
    }
}
