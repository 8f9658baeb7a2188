import Foundation

/// Market regime per bar, as the seed's confluence detector uses it: trend or range by ADX,
/// and high, mid or low volatility by where the current Garman-Klass volatility ranks among its
/// own recent values.
///
/// - trend when ADX(`adxPeriod`) >= `trendADX`, else range;
/// - `volLevel`: the mid-rank of the current Garman-Klass(`volPeriod`) value among the last
///   `volLookback` values (0-1, a trailing percentile: no lookahead; ties count half); high_vol at or above
///   `highVolLevel`, low_vol at or below `lowVolLevel`, mid_vol between;
/// - `volExpanding`: the volatility is above its value `expansionBars` bars ago.
/// Streaming, O(log B) per bar, no allocation after init: the window's values are counted in a
/// Fenwick tree over 4,096 buckets read straight from the bits of the value (binary exponent
/// from 2^-48 to 2^15 and the top 6 bits of the significand: 64 buckets per doubling, about
/// 1.1% apart, no logarithm), so the rank treats values within one bucket as ties.
public struct RegimeDetector: Sendable, Codable {
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

    public struct Regime: Sendable, Equatable, Codable {
        /// Stored as small enums (no reference counting when a regime is copied per bar).
        public enum Trend: String, Sendable, Codable { case trend, range }
        public enum Volatility: String, Sendable, Codable { case high = "high_vol", mid = "mid_vol", low = "low_vol" }
        public var trendKind: Trend
        public var volatilityKind: Volatility
        public var volLevel: Double
        public var volExpanding: Bool
        /// "trend" or "range".
        public var trend: String { trendKind.rawValue }
        /// "high_vol", "mid_vol" or "low_vol".
        public var volatility: String { volatilityKind.rawValue }
        public var label: String { "\(trend)/\(volatility)" }
    }

    public let config: Config
    private var adx: ADX
    private var gk: GarmanKlassVolatility
    private var history: [Int32]         // ring of the last volLookback buckets, arrival order
    private var tree: [Int32]            // Fenwick tree of bucket counts
    private var counts: [Int32]          // the same counts, plainly, for ties
    private var head = 0, filled = 0
    private var recent: [Double]         // ring of the last expansionBars + 1 values
    private var recentCount = 0
    private static let buckets = 4096

    public init(config: Config = Config()) {
        self.config = config
        adx = ADX(period: config.adxPeriod)
        gk = GarmanKlassVolatility(period: config.volPeriod)
        history = Array(repeating: 0, count: config.volLookback)
        tree = Array(repeating: 0, count: Self.buckets + 1)
        counts = Array(repeating: 0, count: Self.buckets)
        recent = Array(repeating: 0, count: config.expansionBars + 1)
    }

    /// Monotonic in `v`: larger values never land in a smaller bucket.
    @inline(__always)
    private static func bucket(_ v: Double) -> Int32 {
        guard v > 0, v.isFinite else { return v > 0 ? Int32(buckets - 1) : 0 }
        let bits = v.bitPattern
        let exponent = Int((bits >> 52) & 0x7FF) - 1023          // normal numbers: floor(log2 v)
        let top6 = Int((bits >> 46) & 0x3F)
        let b = (exponent + 48) * 64 + top6
        return Int32(min(buckets - 1, max(0, b)))
    }

    private mutating func add(_ b: Int32, _ delta: Int32) {
        counts[Int(b)] += delta
        tree.withUnsafeMutableBufferPointer { t in
            var i = Int(b) + 1
            while i <= Self.buckets { t[i] += delta; i += i & -i }
        }
    }

    /// How many values in the window fall in buckets 0...b.
    private func countUpTo(_ b: Int32) -> Int32 {
        tree.withUnsafeBufferPointer { t in
            var i = Int(b) + 1, sum: Int32 = 0
            while i > 0 { sum += t[i]; i -= i & -i }
            return sum
        }
    }

    /// nil until ADX and the volatility are warm.
    public private(set) var regime: Regime?

    public mutating func update(open: Double, high: Double, low: Double, close: Double) {
        adx.update(high: high, low: low, close: close)
        update(open: open, high: high, low: low, close: close, adx: adx.value)
    }

    /// The same with an ADX(`adxPeriod`) the caller already computes (the confluence detector
    /// shares one ADX between the trend rule and the regime).
    public mutating func update(open: Double, high: Double, low: Double, close: Double, adx adxValue: Double?) {
        gk.update(open: open, high: high, low: low, close: close)
        guard let v = gk.value else { return }
        let b = Self.bucket(v)
        if filled == config.volLookback { add(history[head], -1) } else { filled += 1 }
        history[head] = b
        head = head + 1 == config.volLookback ? 0 : head + 1
        add(b, 1)
        recent[recentCount % recent.count] = v
        recentCount += 1
        guard let a = adxValue else { return }
        // Mid-rank: values below count fully, values in the same bucket (ties) count half, so a
        // perfectly steady market sits at 0.5 (mid_vol), not at the top.
        let equal = counts[Int(b)]
        let below = countUpTo(b) - equal
        let level = (Double(below) + 0.5 * Double(equal)) / Double(filled)
        let expanding = recentCount > config.expansionBars && v > recent[(recentCount - 1 - config.expansionBars) % recent.count]
        regime = Regime(trendKind: a >= config.trendADX ? .trend : .range,
                        volatilityKind: level >= config.highVolLevel ? .high : (level <= config.lowVolLevel ? .low : .mid),
                        volLevel: level, volExpanding: expanding)
    }
}
