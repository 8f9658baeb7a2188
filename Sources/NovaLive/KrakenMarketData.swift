import NovaCore
import NovaKraken
import NovaVenue

/// Kraken's market data for a session: `AssetPairs`, `OHLC` and `Time` over REST, and the
/// WebSocket v2 feed (`KrakenFeed`) they prepare.
public struct KrakenMarketData: MarketDataSource {
    public let rest: KrakenRESTClient
    public let wsURL: String
    public var exchangeName: String { "Kraken" }

    public init(rest: KrakenRESTClient, wsURL: String) {
        self.rest = rest
        self.wsURL = wsURL
    }

    public func prepare(_ pairs: [Pair]) async throws -> FeedMaker {
        let instruments: [Pair: KrakenInstrument]
        do {
            instruments = try await rest.assetPairs(pairs)
        } catch {
            // A pair Kraken does not list is the user's to fix, not a failure of the way there.
            if error.message.hasPrefix("EQuery:Unknown asset pair") {
                throw LiveError.refused("Kraken does not list \(pairs.map(\.description).joined(separator: ", ")) (\(error.message)): "
                                        + "check --pair (Kraken's names: BTC/USD, ETH/USD, ...)")
            }
            throw LiveError.warmup("\(error)")
        }
        for p in pairs where instruments[p] == nil {
            throw LiveError.refused("Kraken does not list \(p): check --pair (Kraken's names: BTC/USD, ETH/USD, ...)")
        }
        return FeedMaker { pairs, lastBars, settings in
            KrakenFeed(pairs: pairs, instruments: instruments, lastBars: lastBars, settings: settings)
        }
    }

    public func recentBars(_ pair: Pair) async throws -> [Bar] {
        do { return try await rest.ohlc(pair).bars } catch { throw LiveError.warmup("\(error)") }
    }

    public func serverTimeMs() async throws -> Int64 { try await rest.serverTimeMs() }
}
