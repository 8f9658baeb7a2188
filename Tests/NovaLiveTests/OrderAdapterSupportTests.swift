import Testing
@testable import NovaLive

/// The pieces both order adapters share.
@Suite struct OrderAdapterSupportTests {
    @Test func clientIDsNameTheirPositionAndWhatARestartMayHaveSent() {
        #expect(ClientOrderIDs.position("np3-1-17-e")! == (slot: 1, position: 17))
        #expect(ClientOrderIDs.position("manual-order") == nil)
        var resumed: [Int: Int] = [:]
        ClientOrderIDs.noteResumed("np3-1-17-s", in: &resumed)
        ClientOrderIDs.noteResumed("np3-1-12-e", in: &resumed)
        #expect(resumed == [1: 17])
        #expect(ClientOrderIDs.mayExistAlready("np3-1-17-t", resumedPositions: resumed))
        #expect(!ClientOrderIDs.mayExistAlready("np3-1-18-e", resumedPositions: resumed))   // a new position
        #expect(!ClientOrderIDs.mayExistAlready("np3-0-2-e", resumedPositions: resumed))    // a slot with nothing resumed
    }

    @Test func reconciliationsRunOneAtATimeAndTimersDoNotPileUp() {
        var q = ReconcileQueue()
        let first = q.begin("start", balances: true)
        let timer = q.begin("timer", balances: true)         // waits for the running one
        let second = q.begin("timer", balances: false)       // a timer while one waits: dropped
        let reconnect = q.begin("reconnect", balances: false) // replaces the waiting timer, keeping its balances
        #expect(first && !timer && !second && !reconnect)
        let next = q.next()
        #expect(next?.reason == "reconnect" && next?.balances == true)
        let none = q.next()
        #expect(none == nil && !q.running)
        let again = q.begin("timer", balances: false)         // idle again: runs at once
        #expect(again)
    }
}
