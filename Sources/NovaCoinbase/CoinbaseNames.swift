import NovaCore

/// Coinbase's names for things: `BTC-USD` for the pair BTC/USD.
public enum CoinbaseNames {
    public static func productID(_ pair: Pair) -> String { "\(pair.base)-\(pair.quote)" }

    /// The pair of a product id, nil for anything that is not `BASE-QUOTE`.
    public static func pair(_ productID: String) -> Pair? {
        let parts = productID.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return Pair(base: String(parts[0]), quote: String(parts[1]))
    }
}
