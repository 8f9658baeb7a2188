import NovaCore

/// What the confluence detector concluded on a bar: the seed's `ConfluenceSignal` fields.
/// `obi`, `bookScore` and `obiAgrees` are filled when order-book snapshots of the pair cover the
/// bar (`obiAgrees`: the imbalance leans the signal's way); empty otherwise.
public struct ConfluenceSignal: Sendable, Equatable, Codable {
    public struct Vote: Sendable, Equatable, Codable {
        public var strategy: String
        public var direction: SignalDirection
        public var strength: Double
        /// The strategy's confluence weight (absent from compact JSON).
        public var weight: Double?
        /// The rule's sentence (absent from compact JSON).
        public var reason: String?

        public init(strategy: String, direction: SignalDirection, strength: Double, weight: Double?, reason: String?) {
            self.strategy = strategy; self.direction = direction; self.strength = strength; self.weight = weight; self.reason = reason
        }
    }

    public var timestampMs: Int64
    public var direction: SignalDirection
    public var strength: Double
    public var confidence: Double
    public var confluenceCount: Int
    public var signals: [Vote]
    public var obi: Double?
    public var bookScore: Double?
    public var obiAgrees: Bool
    public var isSureFire: Bool
    public var entryPrice: Double
    public var stopLoss: Double
    public var takeProfit: Double
    public var regime: String
    public var volatilityRegime: String
    public var volLevel: Double
    public var volExpanding: Bool
    public var timeframeAgreement: Int
    public var timeframes: [String: String]
    /// Why it was not traded (a filter), or nil when it passed every filter.
    public var rejection: String?

    public init(timestampMs: Int64, direction: SignalDirection, strength: Double, confidence: Double, confluenceCount: Int,
                signals: [Vote], obi: Double?, bookScore: Double?, obiAgrees: Bool, isSureFire: Bool, entryPrice: Double,
                stopLoss: Double, takeProfit: Double, regime: String, volatilityRegime: String, volLevel: Double, volExpanding: Bool,
                timeframeAgreement: Int, timeframes: [String: String], rejection: String?) {
        self.timestampMs = timestampMs; self.direction = direction; self.strength = strength; self.confidence = confidence
        self.confluenceCount = confluenceCount; self.signals = signals; self.obi = obi; self.bookScore = bookScore
        self.obiAgrees = obiAgrees; self.isSureFire = isSureFire; self.entryPrice = entryPrice; self.stopLoss = stopLoss
        self.takeProfit = takeProfit; self.regime = regime; self.volatilityRegime = volatilityRegime; self.volLevel = volLevel
        self.volExpanding = volExpanding; self.timeframeAgreement = timeframeAgreement; self.timeframes = timeframes
        self.rejection = rejection
    }

    enum CodingKeys: String, CodingKey {
        case timestampMs = "timestamp_ms", direction, strength, confidence, confluenceCount = "confluence_count", signals, obi
        case bookScore = "book_score", obiAgrees = "obi_agrees", isSureFire = "is_sure_fire", entryPrice = "entry_price"
        case stopLoss = "stop_loss", takeProfit = "take_profit", regime, volatilityRegime = "volatility_regime", volLevel = "vol_level"
        case volExpanding = "vol_expanding", timeframeAgreement = "timeframe_agreement", timeframes, rejection
    }
}
