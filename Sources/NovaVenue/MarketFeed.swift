import NovaCore

/// What an exchange's market-data feed asks of the live runtime after a frame, a connection
/// change or the passing of time. The feed itself does no I/O: the runtime sends, closes,
/// reconnects and hands bars and books to the engine.
public enum FeedAction: Sendable, Equatable {
    case send(String)
    /// Close the connection (it is considered dead); a `closed` follows.
    case disconnect(reason: String)
    case reconnect(afterMs: Int64)
    case bar(Pair, Bar)
    /// The pair's book changed and is valid.
    case book(Pair)
    /// The exchange's system status (`online`, `maintenance`, `cancel_only`, `post_only`).
    case systemStatus(String)
    case log(level: String, message: String)
}

/// A book's top levels, best first, as the strategies and the ledger read them.
public struct BookLevels: Sendable, Equatable {
    public var bidPrices: [Double], bidSizes: [Double], askPrices: [Double], askSizes: [Double]
    public init(bidPrices: [Double], bidSizes: [Double], askPrices: [Double], askSizes: [Double]) {
        self.bidPrices = bidPrices; self.bidSizes = bidSizes; self.askPrices = askPrices; self.askSizes = askSizes
    }
    public var isEmpty: Bool { bidPrices.isEmpty && askPrices.isEmpty }
}

/// Timings every feed honours (from `live.*`).
public struct FeedSettings: Sendable, Equatable {
    public var bookDepth = 10
    public var silentConnectionMs: Int64 = 10_000
    public var silentSubscriptionMs: Int64 = 120_000
    public var reconnectMinMs: Int64 = 500
    public var reconnectMaxMs: Int64 = 5_000
    public var candleGraceMs: Int64 = 2_000
    public var seed: UInt64 = 1
    public init() {}
}

/// One exchange's public WebSocket market data as a state machine (Kraken's is `KrakenFeed`):
/// frames, time (the local clock) and connection changes go in, actions come out. The runtime
/// holds `any MarketFeed`, so another exchange adds a feed, not a runtime.
public protocol MarketFeed: Sendable {
    /// The exchange's clock minus the local one (from its time endpoint), for closing bars
    /// before the feed's own times are known.
    var clockOffsetMs: Int64 { get set }
    var resubscriptions: Int { get }
    var checksumMismatches: Int { get }
    mutating func connected(nowMs: Int64) -> [FeedAction]
    mutating func closed(reason: String, nowMs: Int64) -> [FeedAction]
    mutating func frame(_ text: String, nowMs: Int64) -> [FeedAction]
    mutating func tick(nowMs: Int64) -> [FeedAction]
    /// The pair's current valid book, nil when there is none.
    func bookLevels(_ pair: Pair) -> BookLevels?
}

/// The REST side of an exchange's market data, and where its WebSocket is: what a live session
/// needs before its feed opens (Kraken's is `KrakenMarketData` in NovaLive).
public protocol MarketDataSource: Sendable {
    /// The exchange's name as messages give it ("Kraken").
    var exchangeName: String { get }
    var wsURL: String { get }
    /// Checks that every pair is listed and learns what the feed needs of them (price and
    /// size precision for book checksums); returns the feed maker. A pair the exchange does
    /// not list is refused with a message that names it.
    func prepare(_ pairs: [Pair]) async throws -> FeedMaker
    /// The pair's recent closed 1-minute bars, oldest first (the candle still forming left out).
    func recentBars(_ pair: Pair) async throws -> [Bar]
    /// The exchange's clock, ms since the epoch.
    func serverTimeMs() async throws -> Int64
}

/// Makes the feed once the stack is primed: `lastBars[i]` is pair i's newest bar (nothing at
/// or before it is emitted again).
public struct FeedMaker: Sendable {
    public let make: @Sendable (_ pairs: [Pair], _ lastBars: [Bar?], _ settings: FeedSettings) -> any MarketFeed
    public init(_ make: @escaping @Sendable (_ pairs: [Pair], _ lastBars: [Bar?], _ settings: FeedSettings) -> any MarketFeed) {
        self.make = make
    }
}
