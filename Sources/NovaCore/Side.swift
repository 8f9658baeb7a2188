/// The side of an order or fill, in the exchanges' words.
public enum Side: String, Sendable, Codable, Hashable, CaseIterable {
    case buy
    case sell

    public var opposite: Side { self == .buy ? .sell : .buy }
    /// +1 for buy, -1 for sell: multiply a size by it to get the signed position change.
    public var sign: Double { self == .buy ? 1 : -1 }
}
