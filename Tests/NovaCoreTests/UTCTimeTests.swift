import Testing
@testable import NovaCore

@Suite struct UTCTimeTests {
    @Test func formatsISO() {
        #expect(UTCTime.iso(0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.iso(1_717_200_000_000) == "2024-06-01T00:00:00Z")
        #expect(UTCTime.iso(1_709_251_199_123) == "2024-02-29T23:59:59.123Z")
        #expect(UTCTime.iso(-1000) == "1969-12-31T23:59:59Z")
    }

    @Test(arguments: [
        ("1717200000", 1_717_200_000_000),            // unix seconds
        ("1717200000000", 1_717_200_000_000),         // unix milliseconds
        ("1717200000000000", 1_717_200_000_000),      // microseconds
        ("1717200000.5", 1_717_200_000_500),          // fractional seconds
        ("2024-06-01", 1_717_200_000_000),
        ("2024-06-01T00:00:00Z", 1_717_200_000_000),
        ("2024-06-01 00:00:00", 1_717_200_000_000),
        ("2024-06-01T00:01", 1_717_200_060_000),
        ("2024-06-01T00:00:00.250Z", 1_717_200_000_250),
        ("2024-06-01 00:00:00.123456", 1_717_200_000_123),
        ("2024-06-01T02:00:00+02:00", 1_717_200_000_000),
        ("2024-05-31T19:00:00-0500", 1_717_200_000_000),
        ("2024-06-01T14:00:00+14:00", 1_717_200_000_000),
    ] as [(String, Int64)])
    func parsesTimestamps(text: String, expected: Int64) throws {
        #expect(try UTCTime.parse(text) == expected)
    }

    @Test(arguments: ["", "yesterday", "2024-13-01", "2024-06-01T25:00:00", "2024-06-01T00:00:00Q", "12ab",
                      "2024-06-01T00:00:00+99:99", "2024-06-01T00:00:00+25:00", "2024-06-01T00:00:00-00:60"])
    func rejectsBadTimes(text: String) {
        #expect(throws: CoreError.invalidTime(text)) { try UTCTime.parse(text) }
    }

    @Test func civilRoundTrip() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let (y, m, d) = UTCTime.civilFromDays(days)
            #expect(UTCTime.daysFromCivil(year: y, month: m, day: d) == days)
        }
    }
}

@Suite struct UTCTimeBytesTests {
    @Test func byteFormattingEqualsStringFormatting() {
        for ms: Int64 in [0, -1000, 1_717_200_000_000, 1_709_251_199_123, 253_402_300_799_000, 86_399_999] {
            var bytes: [UInt8] = []
            UTCTime.appendISO(ms, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == UTCTime.iso(ms))
        }
    }
}

@Suite struct CalendarDateTests {
    /// A day past the end of its month is refused, not rolled into the next month; leap years
    /// have their 29 February.
    @Test func daysPastTheMonthAreRefused() throws {
        #expect(throws: CoreError.self) { try UTCTime.parse("2024-02-30") }
        #expect(throws: CoreError.self) { try UTCTime.parse("2023-02-29") }
        #expect(throws: CoreError.self) { try UTCTime.parse("2024-04-31T00:00:00Z") }
        #expect(try UTCTime.parse("2024-02-29") == UTCTime.daysFromCivil(year: 2024, month: 2, day: 29) * 86_400_000)
        #expect(try UTCTime.parse("2000-02-29") > 0)
        #expect(throws: CoreError.self) { try UTCTime.parse("1900-02-29") }
    }
}
