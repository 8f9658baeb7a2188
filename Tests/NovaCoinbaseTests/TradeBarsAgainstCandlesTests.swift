import Foundation
import NovaCore
import NovaMarketData
import NovaTestSupport
import Testing
@testable import NovaCoinbase

/// The 1-minute bars Coinbase's adapter builds from `market_trades` equal the candles an
/// independent builder (the trade-tape importer, `data import --kind trades`) makes of the
/// same real trades: 19,904 Binance BTCUSDT trades over 12 minutes, delivered as the
/// WebSocket would (messages of 50, newest first, some repeated after a "reconnect").
@Suite struct TradeBarsAgainstCandlesTests {
    @Test func barsFromTheStreamEqualCandlesOfTheSameTrades() throws {
        let (tape, _) = try TradeTapeImporter(pair: Pair(base: "BTC", quote: "USDT"), exchange: .coinbase)
            .importFile(Fixtures.shared("binance-btcusdt-trades.csv"))
        #expect(tape.count == 19_904)
        let candles = TradeTapeImporter.bars(tape, timeframe: Timeframe(seconds: 60))
        let trades = (0..<tape.count).map { i in
            CoinbaseWSMessage.Trade(tradeID: String(format: "%08d", i), productID: "BTC-USDT", price: tape.price[i], size: tape.size[i],
                                    side: tape.takerBuys[i] ? "BUY" : "SELL", timeMs: tape.timestampMs[i])
        }
        var builder = TradeBarBuilder(productID: "BTC-USDT", graceMs: 2_000)
        var bars: [Bar] = []
        var k = 0
        var message = 0
        while k < trades.count {
            let chunk = Array(trades[k..<min(k + 50, trades.count)])
            bars += builder.trades(chunk.reversed())
            message += 1
            if message % 10 == 0 { bars += builder.trades(chunk) }   // repeated after a reconnect: dropped by trade_id
            k += 50
        }
        bars += builder.tick(nowMs: tape.timestampMs.last! / 60_000 * 60_000 + 60_000 + 2_001)
        #expect(builder.duplicateTrades == (trades.count / 50 / 10) * 50)
        #expect(builder.lateTrades == 0)
        #expect(bars.count == candles.count && candles.count == 12)   // 23:54 to 00:05
        for (b, i) in zip(bars, 0..<candles.count) {
            #expect(b.timestampMs == candles.timestampMs[i])
            #expect(b.open == candles.open[i] && b.high == candles.high[i] && b.low == candles.low[i] && b.close == candles.close[i])
            #expect(abs(b.volume - candles.volume[i]) < 1e-9 * max(1, candles.volume[i]))
        }
    }
}
