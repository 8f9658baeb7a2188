/// Conversions of numbers read from files and exchange replies, where a value out of range is
/// bad input to refuse, not a reason to stop the process: `Int64(d)` traps on NaN, infinity
/// or a magnitude past Int64's (the fuzzer found a trades CSV doing that on its first minute).
extension Int64 {
    /// `d` truncated toward zero, or nil when it is not finite or outside Int64's range.
    public init?(checked d: Double) {
        guard d.isFinite, d >= -9.223_372_036_854_775e18, d < 9.223_372_036_854_775e18 else { return nil }
        self.init(d)
    }

    /// Seconds as milliseconds, or nil when that overflows.
    public static func milliseconds(fromSeconds s: Int64) -> Int64? {
        let (ms, overflow) = s.multipliedReportingOverflow(by: 1_000)
        return overflow ? nil : ms
    }
}
