/// Order flow (weight 0.15). With order-book snapshots: the book score (depth-weighted
/// imbalance, -1..+1) above +0.2 is long, below -0.2 short, strength 0.5 + excess, 1.0 when a
/// whale sits on that side. With candles only, buying and selling pressure is read from where
/// each bar closes in its range, weighted by volume, over 20 bars (-1 .. +1): long above
/// +0.25, short below -0.25, strength by the excess.
public struct OrderFlowRule: SignalRule {
    public static let kind = SignalStrategyKind.orderFlow
    public static let threshold = 0.25

    public static let bookThreshold = 0.2

    public static func evaluate(_ ind: TimeframeIndicators) -> StrategySignal {
        if let book = ind.book {
            let whaleSide = book.whale?.side
            if book.bookScore > bookThreshold {
                return StrategySignal(.long, strength: whaleSide == .bid ? 1 : 0.5 + book.bookScore - bookThreshold, reason: "bids outweigh asks in the book")
            }
            if book.bookScore < -bookThreshold {
                return StrategySignal(.short, strength: whaleSide == .ask ? 1 : 0.5 - book.bookScore - bookThreshold, reason: "asks outweigh bids in the book")
            }
            return .neutral
        }
        guard let f = ind.flowBalance else { return .neutral }
        if f > threshold { return StrategySignal(.long, strength: 0.5 + (f - threshold), reason: "volume closing near the highs (buy pressure)") }
        if f < -threshold { return StrategySignal(.short, strength: 0.5 + (-f - threshold), reason: "volume closing near the lows (sell pressure)") }
        return .neutral
    }
}
