import Testing
import Foundation
@testable import NovaCore

/// Issue 33 #8: prices, indicator values and durations without float noise.
@Suite struct NumberTextTests {
    @Test func noiseIsDroppedAndCleanValuesStayAsTheyAre() {
        #expect(NumberText.clean(26078.899400000002) == "26078.8994")
        #expect(NumberText.clean(25888.131500000003) == "25888.1315")
        #expect(NumberText.clean(67557.33250000002) == "67557.3325")
        #expect(NumberText.clean(0.1 + 0.2) == "0.3")
        #expect(NumberText.clean(26078.9) == "26078.9" && NumberText.clean(30000) == "30000.0" && NumberText.clean(0) == "0.0")
        #expect(NumberText.clean(1.23456789012345e-9) == "1.23456789012e-09")
        #expect(NumberText.clean(-1.0000000000000002) == "-1")
        #expect(NumberText.clean(.nan) == "nan")
    }

    @Test func compactAndDurations() {
        #expect(NumberText.compact(1_796_700) == "1796700" && NumberText.compact(1.23456789) == "1.23457" && NumberText.compact(-0.5) == "-0.5")
        #expect(NumberText.duration(seconds: 1_796_700) == "20d 19h")
        #expect(NumberText.duration(seconds: 7_260) == "2h 1m" && NumberText.duration(seconds: 3_600) == "1h")
        #expect(NumberText.duration(seconds: 725) == "12m 5s" && NumberText.duration(seconds: 40) == "40s" && NumberText.duration(seconds: .nan) == "n/a")
    }

    /// `fixed` is `String(format: "%.Nf")` character for character: exact ties (0.125, 2.5),
    /// values whose binary form sits just below a tie (1.005), negatives rounding to zero,
    /// large values, and 200,000 values spread over the ranges the refusal texts print.
    @Test func significantDigitsLeaveOutLeadingZerosAndTheExponent() {
        #expect(NumberText.significantDigits("0.000123") == 3 && NumberText.significantDigits("30000.0") == 6)
        #expect(NumberText.significantDigits("1.23456789012e-09") == 12 && NumberText.significantDigits("-26078.899400000002") == 17)
        #expect(NumberText.significantDigits("0.0") == 0 && NumberText.significantDigits("5e+20") == 1)
    }

    @Test func fixedIsPrintfsFixedFormat() {
        do {
            let cases: [Double] = [0, -0.0, 0.125, 0.375, 2.5, 3.5, -2.5, 1.005, 1.015, 2.675, -0.001, -0.004, 0.5, 0.05, 0.045,
                                   99.995, 1e14, 123456789.125, 0.999999, -1.23456, 26078.899400000002, .nan, .infinity, -.infinity, 1e300]
            for x in cases {
                for d in 0...4 { #expect(NumberText.fixed(x, digits: d) == String(format: "%.\(d)f", x), "\(x) at \(d)") }
            }
        }
        var g = SystemRandomNumberGenerator()
        var wrong = 0
        for k in 0..<200_000 {
            let x = Double.random(in: -3...3, using: &g) * [1, 10, 1000, 0.01][k % 4]
            let d = [1, 2, 3, 4][k % 4]
            if NumberText.fixed(x, digits: d) != String(format: "%.\(d)f", x) { wrong += 1 }
            // Decimal values as typed (many sit on or next to a tie).
            let typed = Double(k % 20_000) / 1000 - 10
            if NumberText.fixed(typed, digits: 2) != String(format: "%.2f", typed) { wrong += 1 }
        }
        #expect(wrong == 0)
    }
}
