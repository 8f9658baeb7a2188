/// Market regime per bar, as the seed's confluence detector uses it: trend or range by ADX,
/// and high, mid or low volatility by where the current Garman-Klass volatility ranks among its
/// own recent values.
///
/// - trend when ADX(`adxPeriod`) >= `trendADX`, else range;
/// - `volLevel`: the share of the last `volLookback` Garman-Klass(`volPeriod`) values at or below
///   the current one (0-1, a trailing percentile: no lookahead); high_vol at or above
///   `highVolLevel`, low_vol at or below `lowVolLevel`, mid_vol between;
/// - `volExpanding`: the volatility is above its value `expansionBars` bars ago.
/// Streaming; the percentile keeps a sorted window: O(log n) search plus one memmove of at most
/// `volLookback` values per bar, no allocation after init.
public struct RegimeDetector: Sendable {
    public struct Config: Codable, Sendable, Equatable {
        public var adxPeriod = 14
        public var trendADX = 25.0
        public var volPeriod = 20
        public var volLookback = 500
        public var highVolLevel = 0.67
        public var lowVolLevel = 0.33
        public var expansionBars = 5
        public init() {}
        enum CodingKeys: String, CodingKey {
            case adxPeriod = "adx_period", trendADX = "trend_adx", volPeriod = "vol_period", volLookback = "vol_lookback"
            case highVolLevel = "high_vol_level", lowVolLevel = "low_vol_level", expansionBars = "expansion_bars"
        }
    }

    public struct Regime: Sendable, Equatable {
        /// "trend" or "range".
        public var trend: String
        /// "high_vol", "mid_vol" or "low_vol".
        public var volatility: String
        public var volLevel: Double
        public var volExpanding: Bool
        public var label: String { "\(trend)/\(volatility)" }
    }

    public let config: Config
    private var adx: ADX
    private var gk: GarmanKlassVolatility
    private var history: [Double]        // ring of the last volLookback values, arrival order
    private var sorted: [Double]         // the same values, sorted
    private var head = 0
    private var recent: [Double]         // ring of the last expansionBars + 1 values
    private var recentCount = 0

    public init(config: Config = Config()) {
        self.config = config
        adx = ADX(period: config.adxPeriod)
        gk = GarmanKlassVolatility(period: config.volPeriod)
        history = []
        history.reserveCapacity(config.volLookback)
        sorted = []
        sorted.reserveCapacity(config.volLookback)
        recent = Array(repeating: 0, count: config.expansionBars + 1)
    }

    /// nil until ADX and the volatility are warm.
    public private(set) var regime: Regime?

    public mutating func update(open: Double, high: Double, low: Double, close: Double) {
        adx.update(high: high, low: low, close: close)
        gk.update(open: open, high: high, low: low, close: close)
        guard let v = gk.value else { return }
        if history.count == config.volLookback {
            let old = history[head]
            sorted.remove(at: Self.lowerBound(sorted, old))
            history[head] = v
            head = (head + 1) % config.volLookback
        } else {
            history.append(v)
        }
        sorted.insert(v, at: Self.upperBound(sorted, v))
        recent[recentCount % recent.count] = v
        recentCount += 1
        guard let a = adx.value else { return }
        let level = Double(Self.upperBound(sorted, v)) / Double(sorted.count)
        let expanding = recentCount > config.expansionBars && v > recent[(recentCount - 1 - config.expansionBars) % recent.count]
        regime = Regime(trend: a >= config.trendADX ? "trend" : "range",
                        volatility: level >= config.highVolLevel ? "high_vol" : (level <= config.lowVolLevel ? "low_vol" : "mid_vol"),
                        volLevel: level, volExpanding: expanding)
    }

    static func lowerBound(_ a: [Double], _ x: Double) -> Int {
        var lo = 0, hi = a.count
        while lo < hi { let m = (lo + hi) / 2; if a[m] < x { lo = m + 1 } else { hi = m } }
        return lo
    }

    static func upperBound(_ a: [Double], _ x: Double) -> Int {
        var lo = 0, hi = a.count
        while lo < hi { let m = (lo + hi) / 2; if a[m] <= x { lo = m + 1 } else { hi = m } }
        return lo
    }
}
