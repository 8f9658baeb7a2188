/// Bollinger bands as TA-Lib's BBANDS with an SMA middle: middle = SMA(`period`), bands =
/// middle ± `deviations` x the population standard deviation of the same window (divided by
/// `period`, not `period - 1`). Running sums of x and x²: O(1), no allocation after init.
public struct BollingerBands: Sendable, Codable {
    public let period: Int
    public let deviations: Double
    private var window: RingWindow
    private var sum = 0.0, sumSq = 0.0

    public init(period: Int = 20, deviations: Double = 2) {
        precondition(period >= 2, "Bollinger period must be at least 2")
        self.period = period
        self.deviations = deviations
        window = RingWindow(capacity: period)
    }

    public private(set) var middle: Double?
    public private(set) var upper: Double?
    public private(set) var lower: Double?

    @inline(__always)
    public mutating func update(_ x: Double) {
        if let old = window.push(x) {
            sum -= old
            sumSq -= old * old
        }
        sum += x
        sumSq += x * x
        guard window.isFull else { return }
        let n = Double(period)
        let mean = sum / n
        let sd = max(0, sumSq / n - mean * mean).squareRoot()
        middle = mean
        upper = mean + deviations * sd
        lower = mean - deviations * sd
    }
}
