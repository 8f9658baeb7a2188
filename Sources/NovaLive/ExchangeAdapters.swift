import NovaCoinbase
import NovaConfig
import NovaCore
import NovaKraken
import NovaStorage
import NovaVenue

/// One exchange's adapters for a session: its market data (REST warm-up, clock, WebSocket
/// feed) and, in live mode, its order adapter. The runtime holds only these protocols, so an
/// exchange is one more factory here, not a change to the runtime.
public struct ExchangeAdapters {
    public var market: any MarketDataSource
    public var orders: (any OrderAdapter)?

    public init(market: any MarketDataSource, orders: (any OrderAdapter)?) {
        self.market = market
        self.orders = orders
    }

    /// Kraken's, from `venues.kraken` and `live.*`. Keys only where orders are real (paper
    /// and tape replays sign nothing); the REST nonce is persisted in the ledger.
    /// `keys`: whose credentials (`KRAKEN_API_KEY`, or an account's `MAIN_KRAKEN_API_KEY` as `main_kraken`).
    public static func kraken(config cfg: NovaPulseConfig, mode: LiveOptions.Mode, pairs: [Pair], ledger: LiveLedger, wiring: LiveWiring,
                              keys: String = "kraken") throws -> ExchangeAdapters {
        let venue = cfg.venues.kraken
        let nonce = UInt64(try ledger.state("kraken_nonce") ?? "0") ?? 0
        let credentials = mode.placesOrders ? try SecretStore.credentials(for: keys).map {
            KrakenRESTClient.Credentials(apiKey: $0.0.apiKey, apiSecret: $0.0.apiSecret)
        } : nil
        let rest = try KrakenRESTClient(transport: wiring.transport, baseURL: venue.restURL, credentials: credentials,
                                        tier: RateLimiter.Tier(rawValue: venue.rateTier) ?? .starter, persistedNonce: nonce,
                                        storeNonce: { try ledger.setState("kraken_nonce", String($0)) }, clock: wiring.clock)
        var orders: KrakenOrderAdapter?
        if mode.placesOrders {
            var s = KrakenOrderAdapter.Settings(wsAuthURL: venue.wsAuthURL, takerFee: cfg.venueProfile.takerFee)
            s.apply(cfg.live)
            orders = KrakenOrderAdapter(rest: rest, connector: wiring.connector, pairs: pairs, settings: s, clock: wiring.clock)
        }
        return ExchangeAdapters(market: KrakenMarketData(rest: rest, wsURL: venue.wsURL), orders: orders)
    }

    /// Coinbase's, from `venues.coinbase`: its public market data (products, candles, the
    /// level2 and market_trades WebSocket) and, in live mode, its order adapter (signed REST
    /// and the user channel). Keys only where orders are real: `COINBASE_API_KEY` is the CDP
    /// key's name, `COINBASE_API_SECRET` its EC private key (PEM, `\n` escapes accepted).
    public static func coinbase(config cfg: NovaPulseConfig, mode: LiveOptions.Mode, pairs: [Pair], wiring: LiveWiring,
                                keys: String = "coinbase") throws -> ExchangeAdapters {
        let venue = cfg.venues.coinbase
        var credentials: CoinbaseCredentials?
        if mode.placesOrders {
            guard let (c, source) = try SecretStore.credentials(for: keys) else {
                throw LiveError.refused("--mode \(mode.rawValue) on Coinbase needs \(keys.uppercased())_API_KEY (the key name) and \(keys.uppercased())_API_SECRET (its EC private key)")
            }
            do { credentials = try CoinbaseCredentials(keyName: c.apiKey, privateKeyPEM: c.apiSecret) } catch {
                throw LiveError.refused("the Coinbase key from \(source): \(error)")
            }
        }
        let rest = CoinbaseRESTClient(transport: wiring.transport, baseURL: venue.restURL, credentials: credentials, clock: wiring.clock)
        var orders: CoinbaseOrderAdapter?
        if mode.placesOrders {
            var s = CoinbaseOrderAdapter.Settings(wsUserURL: venue.wsAuthURL, takerFee: cfg.venueProfile.takerFee)
            s.apply(cfg.live)
            orders = CoinbaseOrderAdapter(rest: rest, connector: wiring.connector, pairs: pairs, settings: s, clock: wiring.clock)
        }
        return ExchangeAdapters(market: CoinbaseMarketData(rest: rest, wsURL: venue.wsURL), orders: orders)
    }
}
