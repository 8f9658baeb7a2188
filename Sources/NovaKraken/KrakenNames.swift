import NovaCore

/// Kraken's names for pairs and assets (exchange-crib.md §1.1): REST takes the altname
/// (`XBTUSD`) and answers under the canonical key (`XXBTZUSD`, but `XBTUSDT`); WebSocket v2
/// uses `BTC/USD`; assets carry X/Z prefixes on legacy codes only (`XXBT`, `ZUSD`, `USDT`).
public enum KrakenNames {
    /// Our asset code for Kraken's (`XXBT` -> BTC, `ZUSD` -> USD, `XDG` -> DOGE, `USDT` -> USDT).
    /// Staking and earn variants (`XBT.F`, `ETH.S`) map to nil: they are not tradable balance.
    public static func asset(_ code: String) -> String? {
        if code.contains(".") { return nil }
        var c = code.uppercased()
        if c.count == 4, let f = c.first, f == "X" || f == "Z", !["USDT", "USDC", "XTZM"].contains(c), c != "ZEUS" {
            c.removeFirst()
        }
        switch c {
        case "XBT": return "BTC"
        case "XDG": return "DOGE"
        default: return c
        }
    }

    /// The REST altname: `BTC/USD` -> `XBTUSD`.
    public static func restPair(_ pair: Pair) -> String {
        func k(_ a: String) -> String { a == "BTC" ? "XBT" : a == "DOGE" ? "XDG" : a }
        return k(pair.base) + k(pair.quote)
    }

    /// The WebSocket v2 symbol: `BTC/USD`.
    public static func wsSymbol(_ pair: Pair) -> String { pair.description }
}
