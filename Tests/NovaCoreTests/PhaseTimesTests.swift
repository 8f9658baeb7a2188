import Testing
@testable import NovaCore

@Suite struct PhaseTimesTests {
    @Test func marksNamePhasesInOrderAndSumThem() {
        var on = PhaseTimes(enabled: true)
        on.mark("load")
        on.mark("replay")
        let lines = on.lines
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("phase load"))
        #expect(lines[1].hasPrefix("phase replay"))
        #expect(lines[2].hasPrefix("phase total"))
        #expect(lines.allSatisfy { $0.hasSuffix(" s") })
    }

    @Test func offRecordsNothing() {
        var off = PhaseTimes(enabled: false)
        off.mark("load")
        #expect(off.lines.count == 1)   // the total only, of nothing
    }
}

