/// MACD as TA-Lib computes it: MACD = EMA(fast) - EMA(slow), signal = EMA(signal) of MACD,
/// histogram = MACD - signal. TA-Lib starts both EMAs on the same bar: the slow EMA is seeded
/// with the SMA of the first `slow` closes and the fast EMA with the SMA of the `fast` closes
/// ending on that same bar (not the first `fast` closes), so the MACD line exists from update
/// `slow`, and all three lines are reported from update `slow + signal - 1` on, as TA-Lib does. O(1), no allocation after init.
public struct MACD: Sendable, Codable {
    public let fast: Int, slow: Int, signalPeriod: Int
    private var recent: [Double]
    private var head = 0
    private var count = 0
    private var slowSum = 0.0
    private var fastEMA = 0.0, slowEMA = 0.0
    private var signalEMA: EMA

    public init(fast: Int = 12, slow: Int = 26, signal: Int = 9) {
        precondition(fast >= 1 && slow > fast && signal >= 1, "MACD needs 1 <= fast < slow and signal >= 1")
        self.fast = fast
        self.slow = slow
        signalPeriod = signal
        recent = Array(repeating: 0, count: fast)
        signalEMA = EMA(period: signal)
    }

    public private(set) var macd: Double?
    public private(set) var signal: Double?
    public private(set) var histogram: Double?

    public mutating func update(_ x: Double) {
        count += 1
        recent[head] = x
        head = (head + 1) % fast
        if count < slow {
            slowSum += x
            return
        }
        if count == slow {
            slowSum += x
            slowEMA = slowSum / Double(slow)
            fastEMA = recent.reduce(0, +) / Double(fast)
        } else {
            fastEMA += 2 / Double(fast + 1) * (x - fastEMA)
            slowEMA += 2 / Double(slow + 1) * (x - slowEMA)
        }
        let m = fastEMA - slowEMA
        signalEMA.update(m)
        // All three lines appear together, once the signal is warm (TA-Lib's lookback).
        if let s = signalEMA.value {
            macd = m
            signal = s
            histogram = m - s
        }
    }
}
