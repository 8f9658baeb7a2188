import Foundation
import NovaCore
import NovaTestSupport
import Testing
@testable import NovaMarketData

/// Issue 32 #8: a trades CSV saved by a spreadsheet program (UTF-8 byte-order mark before the
/// header) imports as the same file without it, as OHLCV and book CSVs already do.
@Suite struct TradeTapeImportTests {
    @Test func aByteOrderMarkBeforeTheHeaderIsNotPartOfIt() throws {
        let rows = "timestamp,price,size,side\n1723161255342,61837.63,0.02,sell\n1723161255617,61837.64,0.048,buy\n"
        let plain = Fixtures.file(rows, name: "trades.csv")
        let bom = Fixtures.file("\u{FEFF}" + rows, name: "trades-bom.csv")
        #expect(try Data(contentsOf: URL(fileURLWithPath: bom)).prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        let importer = TradeTapeImporter(pair: Pair(base: "BTC", quote: "USDT"), exchange: .kraken)
        let (a, _) = try importer.importFile(plain)
        let (b, _) = try importer.importFile(bom)
        #expect(b.count == 2 && b.timestampMs == a.timestampMs && b.price == a.price && b.size == a.size && b.takerBuys == a.takerBuys)
    }
}
