import Foundation
import Testing
import NovaCore
import NovaTestSupport
@testable import NovaResearch

/// A trade's metadata is written by hand (`TradeMetadata.json`, issue 31: the encoder per
/// trade was most of storing a trade-heavy run); it must hold what `JSONEncoder` wrote.
@Suite struct TradeMetadataTests {
    static func encoderText(_ m: TradeMetadata) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(m), as: UTF8.self)
    }

    /// The same keys and values as the encoder's text, and it decodes to the same metadata.
    static func expectSame(_ m: TradeMetadata, _ label: String) throws {
        let text = try #require(m.json, "\(label)")
        let back = try JSONDecoder().decode(TradeMetadata.self, from: Data(text.utf8))
        #expect(back == m, "\(label): \(text)")
        let ours = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: Data(try encoderText(m).utf8)) as! NSDictionary
        let encoded = try encoderText(m)
        #expect(ours == theirs, "\(label): \(text)\nencoder: \(encoded)")
        #expect(text == encoded, "\(label)")
    }

    @Test func everyTradeOfARealRunIsWrittenAsTheEncoderWroteIt() throws {
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: try BacktestRunnerTests.workspace())
        request.sizing = .fixedFractional
        let out = try BacktestRunner(request: request).run()
        #expect(out.trades.count >= 3)
        #expect(out.trades.contains { $0.sizing != nil && $0.stopState != nil })
        for t in out.trades { try Self.expectSame(TradeMetadata(trade: t), t.tradeID) }
    }

    @Test func everyFieldNestedRecordAndAwkwardTextRoundTrips() throws {
        var request = BacktestRequest(pairs: [Fixtures.btcusd], paths: try BacktestRunnerTests.workspace())
        request.sizing = .fixedFractional
        var t = try #require(try BacktestRunner(request: request).run().trades.first)
        t.partialExits = [PartialExit(tier: 1, quantity: 0.012, price: 67_001.5, fee: 0.21, timeMs: 1_717_200_000_000),
                          PartialExit(tier: 2, quantity: 1e-8, price: 1e-5, fee: 0, timeMs: 0)]
        t.attribution = ["keltner": 0.7, "rsi \"x\"": -1e-300, "é\u{1}\n\t": 5e20]
        var stop = StopLossState(initialSL: 66_000.123456789)
        stop.trailingActivated = true
        stop.trailingHigh = 67_500
        t.stopState = stop
        t.sizing = SizingTag(requestedNotional: 2_500, riskAmount: 25, kellyFraction: nil, drawdownFactor: 0.5,
                             volatilityFactor: 1, streakFactor: 0.75, cappedBy: "max \"position\"\\ 10%\r\n\u{7F}")
        t.leverage = 2
        t.marginFees = 0.3
        t.entryRegime = RegimeTag(trend: "trending", volatility: "high", volLevel: 2.5, volExpanding: true)
        t.entryChaseAttempts = 3
        t.entryOrderType = "limit"
        try Self.expectSame(TradeMetadata(trade: t), "every field")
        // JSON cannot hold a non-finite number: no text, as the encoder refuses it.
        t.attribution = ["x": .nan]
        #expect(TradeMetadata(trade: t).json == nil)
    }

    @Test func stringsAreEscapedAsJSONRequires() throws {
        for s in ["", "plain", "quote \" backslash \\ slash /", "\u{0}\u{1F}\n\r\t", "é 📈 \u{2028}"] {
            let text = JSONText.string(s)
            let back = try JSONSerialization.jsonObject(with: Data("[\(text)]".utf8)) as! [String]
            #expect(back == [s], "\(text)")
        }
        #expect(JSONText.string("a\u{1}b") == #""a\u0001b""#)
    }
}
