import NovaCore
import NovaVenue

/// One-minute bars from Coinbase's `market_trades` (exchange-crib.md §4.2): the WebSocket's
/// own candles are 5-minute buckets only, and the stack decides on closed 1-minute bars. Each
/// trade updates its minute's bar; a minute is closed by a later trade or once it and a grace
/// period have passed (`CandleAssembler`, which also writes flat zero-volume bars at the last
/// close for minutes without trades, as REST candles leave them out). Trades repeated after a
/// reconnect are dropped by `trade_id`; a message's trades are applied oldest first (a
/// snapshot lists them newest first); trades for a minute already closed are counted, not used.
public struct TradeBarBuilder: Sendable {
    public let productID: String
    private var assembler: CandleAssembler
    private var forming: Bar?
    private var seen: Set<String> = []
    private var seenOrder: [String] = []
    private let seenLimit: Int
    /// Trades that arrived after their minute closed.
    public private(set) var lateTrades = 0
    public private(set) var duplicateTrades = 0

    public init(productID: String, graceMs: Int64 = 2_000, after lastBarMs: Int64 = .min, lastClose: Double? = nil, seenLimit: Int = 20_000) {
        self.productID = productID
        assembler = CandleAssembler(intervalMs: 60_000, graceMs: graceMs, after: lastBarMs, lastClose: lastClose)
        self.seenLimit = seenLimit
    }

    /// The bars these trades closed, oldest first.
    public mutating func trades(_ ts: [CoinbaseWSMessage.Trade]) -> [Bar] {
        var out: [Bar] = []
        for t in ts.filter({ $0.productID == productID }).sorted(by: { ($0.timeMs, $0.tradeID) < ($1.timeMs, $1.tradeID) }) {
            guard remember(t.tradeID) else { duplicateTrades += 1; continue }
            let minute = t.timeMs - ((t.timeMs % 60_000) + 60_000) % 60_000
            if minute <= assembler.lastEmittedMs { lateTrades += 1; continue }
            if var f = forming, f.timestampMs == minute {
                f.high = max(f.high, t.price); f.low = min(f.low, t.price); f.close = t.price; f.volume += t.size
                forming = f
            } else if let f = forming, minute < f.timestampMs {
                lateTrades += 1
                continue
            } else {
                forming = Bar(timestampMs: minute, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.size)
            }
            out.append(contentsOf: assembler.candle(forming!))
        }
        return out
    }

    /// Time has moved on: minutes whose end and grace have passed are closed.
    public mutating func tick(nowMs: Int64) -> [Bar] { assembler.tick(nowMs: nowMs) }

    private mutating func remember(_ id: String) -> Bool {
        guard seen.insert(id).inserted else { return false }
        seenOrder.append(id)
        if seenOrder.count > seenLimit {
            let drop = seenOrder.count - seenLimit / 2
            for old in seenOrder.prefix(drop) { seen.remove(old) }
            seenOrder.removeFirst(drop)
        }
        return true
    }
}
