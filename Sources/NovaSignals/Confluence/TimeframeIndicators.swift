import NovaCore

/// Every indicator the nine strategies read, for one timeframe, updated once per closed bar of
/// that timeframe. Computing them once and sharing them is what keeps nine strategies on three
/// timeframes cheap: each strategy only compares numbers. O(1) per bar, no allocation.
public struct TimeframeIndicators: Sendable {
    public private(set) var bar = Bar(timestampMs: 0, open: 0, high: 0, low: 0, close: 0, volume: 0)
    public private(set) var previousBar: Bar?
    public private(set) var count = 0

    public var ema20 = EMA(period: 20), ema50 = EMA(period: 50), sma20 = SMA(period: 20)
    public var atr = ATR(period: 14), adx = ADX(period: 14), rsi = RSI(period: 14)
    public var bands = BollingerBands(period: 20, deviations: 2)
    public var keltner = KeltnerChannel(emaPeriod: 20, atrPeriod: 14, multiplier: 2)
    public var squeezeKeltner = KeltnerChannel(emaPeriod: 20, atrPeriod: 20, multiplier: 1.5)
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

    // Swing history for the divergence rule: close and slow %K of the previous 20 bars that had a %K.
    private var swingCloses = [Double](repeating: 0, count: 20)
    private var swingKs = [Double](repeating: 0, count: 20)
    private var swingHead = 0, swingFilled = 0

    // Squeeze state for the squeeze rule.
    public private(set) var squeezeKnown = false
    public private(set) var squeezeOn = false
    /// Consecutive squeeze bars ending at the previous bar.
    public private(set) var squeezeRunBefore = 0
    private var squeezeRun = 0

    /// The latest order-book analysis (primary timeframe only; nil without book data).
    public var book: OrderBookAnalysis?

    public init() {}

    /// Lowest close of the previous 20 bars with its %K, and the highest with its %K; nil until
    /// 20 bars with a %K have passed. O(20).
    public var swingExtremes: (lowClose: Double, lowK: Double, highClose: Double, highK: Double)? {
        guard swingFilled == swingCloses.count else { return nil }
        var lo = 0, hi = 0
        for i in 1..<swingCloses.count {
            if swingCloses[i] < swingCloses[lo] { lo = i }
            if swingCloses[i] > swingCloses[hi] { hi = i }
        }
        return (swingCloses[lo], swingKs[lo], swingCloses[hi], swingKs[hi])
    }

    public mutating func update(_ b: Bar) {
        previousRSI = rsi.value
        previousSupertrendDirection = supertrend.direction
        previousClose = count > 0 ? bar.close : nil
        previousKeltnerLower = keltner.lower
        previousKeltnerUpper = keltner.upper
        previousBar = count > 0 ? bar : nil
        if count > 0, let k = stochastic.k {
            swingCloses[swingHead] = bar.close
            swingKs[swingHead] = k
            swingHead = swingHead + 1 == swingCloses.count ? 0 : swingHead + 1
            swingFilled = min(swingFilled + 1, swingCloses.count)
        }
        bar = b
        count += 1
        ema20.update(b.close); ema50.update(b.close); sma20.update(b.close)
        atr.update(high: b.high, low: b.low, close: b.close)
        adx.update(high: b.high, low: b.low, close: b.close)
        rsi.update(b.close)
        bands.update(b.close)
        keltner.update(high: b.high, low: b.low, close: b.close)
        squeezeKeltner.update(high: b.high, low: b.low, close: b.close)
        stochastic.update(high: b.high, low: b.low, close: b.close)
        ichimoku.update(high: b.high, low: b.low)
        supertrend.update(high: b.high, low: b.low, close: b.close)
        regime.update(open: b.open, high: b.high, low: b.low, close: b.close)
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
        let oldA = senkouA[cloudHead], oldB = senkouB[cloudHead]
        senkouA[cloudHead] = ichimoku.senkouA ?? .nan
        senkouB[cloudHead] = ichimoku.senkouB ?? .nan
        cloudHead = (cloudHead + 1) % 26
        if !oldA.isNaN && !oldB.isNaN { cloudTop = max(oldA, oldB); cloudBottom = min(oldA, oldB) }
    }

    /// Order-flow balance, -1..+1, or nil during warm-up or without volume.
    public var flowBalance: Double? {
        guard let f = flow.value, let v = flowVolume.value, v > 0 else { return nil }
        return f / v
    }
}
