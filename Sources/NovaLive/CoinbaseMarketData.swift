import NovaCoinbase
import NovaCore
import NovaVenue

/// Coinbase's market data for a session: products, candles and time over REST, and the
/// WebSocket feed (`CoinbaseFeed`) they prepare.
public struct CoinbaseMarketData: MarketDataSource {
    public let rest: CoinbaseRESTClient
    public let wsURL: String
    /// Warm-up minutes fetched (Kraken's OHLC gives 720; Coinbase pages 350 at a time).
    public var warmupMinutes = 720
    public var exchangeName: String { "Coinbase" }

    public init(rest: CoinbaseRESTClient, wsURL: String) {
        self.rest = rest
        self.wsURL = wsURL
    }

    public func prepare(_ pairs: [Pair]) async throws -> FeedMaker {
        let products: [Pair: CoinbaseProduct]
        do { products = try await rest.products(pairs) } catch { throw LiveError.warmup("\(error)") }
        for p in pairs where products[p] == nil {
            throw LiveError.refused("Coinbase does not list \(CoinbaseNames.productID(p)): check --pair (Coinbase's names: BTC/USD, ETH/USD, ...)")
        }
        for p in pairs { if let why = products[p]?.restriction { throw LiveError.refused("Coinbase: \(why)") } }
        return FeedMaker { pairs, lastBars, settings in CoinbaseFeed(pairs: pairs, lastBars: lastBars, settings: settings) }
    }

    public func recentBars(_ pair: Pair) async throws -> [Bar] {
        do {
            let now = try await rest.serverTimeMs()
            return try await rest.recentMinuteBars(pair, minutes: warmupMinutes, nowMs: now)
        } catch { throw LiveError.warmup("\(error)") }
    }

    public func serverTimeMs() async throws -> Int64 {
        do { return try await rest.serverTimeMs() } catch { throw LiveError.warmup("\(error)") }
    }
}
