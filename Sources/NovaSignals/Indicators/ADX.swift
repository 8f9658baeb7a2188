/// Average directional index with +DI and -DI, as TA-Lib defines them (Wilder).
///
/// Directional movement per bar: up = high - previous high, down = previous low - low;
/// +DM = up when up > 0 and up > down, -DM = down when down > 0 and up < down. +DM, -DM and
/// the true range are summed over the first `period - 1` bars after the first, then smoothed
/// with `s = s - s / period + x`. +DI = 100 * +DM_s / TR_s (from update `period + 1` on);
/// DX = 100 * |+DI - -DI| / (+DI + -DI); the first ADX is the mean of the first `period` DX
/// values (update `2 * period`), then `adx = (adx * (period - 1) + dx) / period`.
/// Streaming, O(1), no allocation.
public struct ADX: Sendable, Codable {
    public let period: Int
    private var prevHigh = 0.0, prevLow = 0.0, prevClose = 0.0
    private var plusDM = 0.0, minusDM = 0.0, tr = 0.0
    private var updates = 0
    private var dxSum = 0.0, dxCount = 0

    public init(period: Int = 14) {
        precondition(period >= 2, "ADX period must be at least 2")
        self.period = period
    }

    public private(set) var plusDI: Double?
    public private(set) var minusDI: Double?
    public private(set) var value: Double?

    @inline(__always) private static func isZero(_ x: Double) -> Bool { x > -1e-8 && x < 1e-8 }

    @inline(__always)
    public mutating func update(high: Double, low: Double, close: Double) {
        updates += 1
        defer { prevHigh = high; prevLow = low; prevClose = close }
        guard updates > 1 else { return }
        let up = high - prevHigh, down = prevLow - low
        let pdm = up > 0 && up > down ? up : 0
        let mdm = down > 0 && up < down ? down : 0
        let trueRange = max(high - low, abs(high - prevClose), abs(low - prevClose))
        let n = Double(period)
        if updates <= period {
            // The first period - 1 movements are summed.
            plusDM += pdm; minusDM += mdm; tr += trueRange
            return
        }
        plusDM = plusDM - plusDM / n + pdm
        minusDM = minusDM - minusDM / n + mdm
        tr = tr - tr / n + trueRange
        guard !Self.isZero(tr) else { plusDI = 0; minusDI = 0; return }
        let p = 100 * plusDM / tr, m = 100 * minusDM / tr
        plusDI = p
        minusDI = m
        let sum = p + m
        guard !Self.isZero(sum) else { return }
        let dx = 100 * abs(p - m) / sum
        if let adx = value {
            value = (adx * (n - 1) + dx) / n
        } else {
            dxSum += dx
            dxCount += 1
            if dxCount == period { value = dxSum / n }
        }
    }
}
