import Testing
@testable import NovaCore

/// Issue 32 #7: a 5,000-character pair name is refused, and not echoed whole.
@Suite struct LongPairNameTests {
    @Test func aHugePairIsRefusedAndQuotedShort() {
        let text = String(repeating: "A", count: 5_000) + "/USD"
        do {
            _ = try Pair(parsing: text)
            Issue.record("accepted")
        } catch {
            #expect(error.description.count < 300 && error.description.contains("(5004 characters)"))
        }
        #expect((try? Pair(parsing: "BTC/USD")) != nil)
    }
}
