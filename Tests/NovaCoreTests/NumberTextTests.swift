import Testing
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
}
