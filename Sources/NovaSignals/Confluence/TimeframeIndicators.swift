import NovaCore

/// Every indicator the nine strategies read, for one timeframe, updated once per closed bar of
/// that timeframe. Computing them once and sharing them is what keeps nine strategies on three
/// timeframes cheap: each strategy only compares numbers. O(1) per bar, no allocation.
public struct TimeframeIndicators: Sendable, Codable {
    public private(set) var bar = Bar(timestampMs: 0, open: 0, high: 0, low: 0, close: 0, volume: 0)
    public private(set) var previousBar: Bar?
    public private(set) var count = 0

    // Each indicator once: the Keltner channels, the SMA 20 and the regime's ADX are derived
    // from these rather than computed again.
    public var ema20 = EMA(period: 20), ema50 = EMA(period: 50)
    public var atr = ATR(period: 14), atr20 = ATR(period: 20), adx = ADX(period: 14), rsi = RSI(period: 14)
    public var bands = BollingerBands(period: 20, deviations: 2)
    /// Keltner EMA 20 ± 2 x ATR 14 (the keltner rule's channel).
    public private(set) var keltner = ChannelValues()
    /// Keltner EMA 20 ± 1.5 x ATR 20 (the squeeze rule's channel).
    public private(set) var squeezeKeltner = ChannelValues()
    /// SMA(20) of close (the Bollinger middle).
    public var sma20Value: Double? { bands.middle }

    /// A channel's lines and the ATR it was built with.
    public struct ChannelValues: Sendable, Codable {
        public var middle: Double?, upper: Double?, lower: Double?, atrValue: Double?
    }
    public var stochastic = Stochastic(kPeriod: 14, slowK: 3, slowD: 3)
    public var ichimoku = Ichimoku()
    public var supertrend = Supertrend(period: 10, multiplier: 3)
    public var regime = RegimeDetector()
    /// Close-location value x volume, summed over 20 bars, over volume: the order-flow proxy
    /// when there is no book (-1 all selling at the lows .. +1 all buying at the highs).
    public var flow = SMA(period: 20)
    public var flowVolume = SMA(period: 20)

    public private(set) var previousRSI: Double?
    public private(set) var previousSupertrendDirection: Int?
    public private(set) var previousClose: Double?
    /// Previous bar's Keltner bands, for the re-entry rule.
    public private(set) var previousKeltnerLower: Double?
    public private(set) var previousKeltnerUpper: Double?

    // Cloud of 26 bars ago (Ichimoku plots the spans 26 bars ahead).
    private var senkouA: [Double] = Array(repeating: .nan, count: 26)
    private var senkouB: [Double] = Array(repeating: .nan, count: 26)
    private var cloudHead = 0
    public private(set) var cloudTop: Double?
    public private(set) var cloudBottom: Double?

    // Swing history for the divergence rule: the lowest and highest close (with their slow %K)
    // of the previous 20 bars that had a %K, kept by two monotonic deques.
    private var swingLow = SwingWindow(period: 20, lowest: true)
    private var swingHigh = SwingWindow(period: 20, lowest: false)

    // Squeeze state for the squeeze rule.
    public private(set) var squeezeKnown = false
    public private(set) var squeezeOn = false
    /// Consecutive squeeze bars ending at the previous bar.
    public private(set) var squeezeRunBefore = 0
    private var squeezeRun = 0

    /// The latest order-book analysis (primary timeframe only; nil without book data).
    public var book: OrderBookAnalysis?

    public init() {}

    /// Lowest close of the previous 20 bars with its %K, and the highest with its %K (the
    /// earliest on a tie); nil until 20 bars with a %K have passed. O(1).
    public var swingExtremes: (lowClose: Double, lowK: Double, highClose: Double, highK: Double)? {
        guard let lo = swingLow.extreme, let hi = swingHigh.extreme else { return nil }
        return (lo.close, lo.k, hi.close, hi.k)
    }

    public mutating func update(_ b: Bar) {
        previousRSI = rsi.value
        previousSupertrendDirection = supertrend.direction
        previousClose = count > 0 ? bar.close : nil
        previousKeltnerLower = keltner.lower
        previousKeltnerUpper = keltner.upper
        previousBar = count > 0 ? bar : nil
        if count > 0, let k = stochastic.k {
            swingLow.add(close: bar.close, k: k)
            swingHigh.add(close: bar.close, k: k)
        }
        bar = b
        count += 1
        ema20.update(b.close); ema50.update(b.close)
        // One true range for the three ATRs (14, 20, and Supertrend's 10).
        let trueRange: Double? = previousBar.map { p in max(b.high - b.low, abs(b.high - p.close), abs(b.low - p.close)) }
        if let tr = trueRange {
            atr.update(trueRange: tr)
            atr20.update(trueRange: tr)
        }
        adx.update(high: b.high, low: b.low, close: b.close)
        rsi.update(b.close)
        bands.update(b.close)
        if let m = ema20.value, let a = atr.value { keltner = ChannelValues(middle: m, upper: m + 2 * a, lower: m - 2 * a, atrValue: a) }
        if let m = ema20.value, let a = atr20.value { squeezeKeltner = ChannelValues(middle: m, upper: m + 1.5 * a, lower: m - 1.5 * a, atrValue: a) }
        stochastic.update(high: b.high, low: b.low, close: b.close)
        ichimoku.update(high: b.high, low: b.low)
        supertrend.update(high: b.high, low: b.low, close: b.close, trueRange: trueRange)
        regime.update(open: b.open, high: b.high, low: b.low, close: b.close, adx: adx.value)
        squeezeRunBefore = squeezeRun
        if let bu = bands.upper, let bl = bands.lower, let ku = squeezeKeltner.upper, let kl = squeezeKeltner.lower {
            squeezeKnown = true
            squeezeOn = bu < ku && bl > kl
        } else {
            squeezeKnown = false
            squeezeOn = false
        }
        squeezeRun = squeezeOn ? squeezeRun + 1 : 0
        let range = b.high - b.low
        let clv = range > 0 ? ((b.close - b.low) - (b.high - b.close)) / range : 0
        flow.update(clv * b.volume)
        flowVolume.update(b.volume)
        // The cloud "at" this bar was computed 26 bars ago.
        let h = cloudHead, newA = ichimoku.senkouA ?? .nan, newB = ichimoku.senkouB ?? .nan
        let oldA = senkouA.withUnsafeMutableBufferPointer { a -> Double in let o = a[h]; a[h] = newA; return o }
        let oldB = senkouB.withUnsafeMutableBufferPointer { a -> Double in let o = a[h]; a[h] = newB; return o }
        cloudHead = h + 1 == 26 ? 0 : h + 1
        if !oldA.isNaN && !oldB.isNaN { cloudTop = max(oldA, oldB); cloudBottom = min(oldA, oldB) }
    }

    /// Order-flow balance, -1..+1, or nil during warm-up or without volume.
    public var flowBalance: Double? {
        guard let f = flow.value, let v = flowVolume.value, v > 0 else { return nil }
        return f / v
    }
}

/// The lowest (or highest) close among the last `period` added, with the %K that came with it:
/// a monotonic deque, amortised O(1), no allocation after init. Ties keep the earliest.
struct SwingWindow: Sendable, Codable {
    let period: Int
    let lowest: Bool
    /// One deque entry (a struct rather than a tuple: it is Codable, for the live checkpoint).
    struct Slot: Sendable, Codable { var index: Int, close: Double, k: Double }
    private var ring: [Slot]
    private var head = 0, count = 0, n = 0

    init(period: Int, lowest: Bool) {
        self.period = period
        self.lowest = lowest
        ring = Array(repeating: Slot(index: 0, close: 0, k: 0), count: period)
    }

    /// nil until `period` values have been added.
    var extreme: (close: Double, k: Double)? {
        guard n >= period, count > 0 else { return nil }
        return (ring[head].close, ring[head].k)
    }

    @inline(__always)
    mutating func add(close: Double, k: Double) {
        let period = self.period, lowest = self.lowest, n = self.n
        var head = self.head, count = self.count
        ring.withUnsafeMutableBufferPointer { r in
            if count > 0 && r[head].index <= n - period { head = head + 1 == period ? 0 : head + 1; count -= 1 }
            while count > 0 {
                var back = head + count - 1
                if back >= period { back -= period }
                let v = r[back].close
                if lowest ? v <= close : v >= close { break }     // keep the earlier on a tie
                count -= 1
            }
            var slot = head + count
            if slot >= period { slot -= period }
            r[slot] = Slot(index: n, close: close, k: k)
            count += 1
        }
        self.head = head
        self.count = count
        self.n = n + 1
    }
}
