import Foundation
import Testing
import NovaCore
import NovaTestSupport
@testable import NovaMarketData

@Suite struct OHLCVImporterTests {
    func importer(_ tf: Timeframe? = nil, repair: Bool = false, fillGaps: Bool = false) -> OHLCVImporter {
        OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken, timeframe: tf, repair: repair, fillGaps: fillGaps))
    }

    @Test func binanceMillisecondsWithKnownExtraColumns() throws {
        let r = try importer().importFile(Fixtures.path("btcusdt-1m-2024-06-01.csv"))
        #expect(r.bars.count == 1440)
        #expect(r.info.timeframe == .oneMinute)
        #expect(r.bars.timestampMs.first == 1_717_200_000_000)
        #expect(r.bars.open[0] == 67540.01 && r.bars.high[0] == 67585.89 && r.bars.low[0] == 67540.0 && r.bars.close[0] == 67573.41)
        #expect(r.bars.volume[0] == 11.67408)
        #expect(r.bars.trades?[0] == 1236)
        #expect(r.bars.takerBuyVolume?[0] == 8.85408)
        #expect(r.bars.close[1439] == 67766.85)
        #expect(r.info.gapCount == 0)
        #expect(r.info.fingerprint == "c74d5643bb39562569929e33e4757d783743f4a4084d7f7051d9b9ffe6b358b7")
        #expect(r.notes == ["timeframe inferred from the data: 1m"])
    }

    /// A file saved by a spreadsheet program starts with a UTF-8 byte-order mark: it imports
    /// like the same file without one (it was refused: "the header lacks timestamp").
    @Test func aByteOrderMarkIsNotPartOfTheHeader() throws {
        let text = try String(contentsOfFile: Fixtures.path("btcusdt-1m-2024-06-01.csv"), encoding: .utf8)
        let path = Fixtures.file("\u{FEFF}" + text, name: "bom.csv")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        let r = try importer().importFile(path)
        let plain = try importer().importFile(Fixtures.path("btcusdt-1m-2024-06-01.csv"))
        #expect(r.bars.count == 1440 && r.bars.close == plain.bars.close && r.bars.timestampMs == plain.bars.timestampMs)
    }

    @Test func zstdGivesTheSameBarsAsPlain() throws {
        let z = try importer().importFile(Fixtures.path("btcusdt-1m-200.csv.zst"))
        let plain = try importer().importFile(Fixtures.path("btcusdt-1m-2024-06-01.csv"))
        #expect(z.bars == plain.bars.slice(0..<200))
        #expect(z.info.fingerprint == "be975a14b93d5a04521548e1239baab62a74bd8a028e42c098602a324a75e343")
        #expect(z.contentBytes > z.info.sourceBytes)
    }

    @Test func truncatedZstdIsAClearError() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("btcusdt-1m-200.csv.zst")))
        let path = (Fixtures.scratch() as NSString).appendingPathComponent("cut.csv.zst")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        #expect { try importer().importFile(path) } throws: { error in
            "\(error)".contains("truncated") || "\(error)".contains("zstd")
        }
    }

    @Test func krakenHeaderlessOHLCVT() throws {
        let r = try importer().importFile(Fixtures.path("kraken-xbtusd-5m-300.csv"))
        #expect(r.bars.count == 300)
        #expect(r.info.timeframe == Timeframe(seconds: 300))
        #expect(r.bars.timestampMs[0] == 1_672_531_200_000)
        #expect(r.bars.open[0] == 16528.7 && r.bars.close[0] == 16520.4 && r.bars.trades?[0] == 78)
        #expect(r.bars.takerBuyVolume == nil)
    }

    @Test func krakenQuarterGapsAreCountedNotRejected() throws {
        let r = try importer().importFile(Fixtures.shared("kraken-xbtusd-ohlcvt-2023q1/XBTUSD_5.csv"))
        #expect(r.bars.count == 25_901)
        #expect(r.info.gapCount == 5)
        #expect(r.info.missingBars == 19)
        #expect(r.info.largestGapBars == 15)
        #expect(r.info.largestGapStartMs == (try UTCTime.parse("2023-02-22T00:15:00Z")))
    }

    @Test func fillGapsOnlyWhenAsked() throws {
        let path = Fixtures.file("timestamp,open,high,low,close,volume\n0,10,11,9,10.5,1\n60,10.5,12,10,11,2\n240,11,11,10,10,3\n")
        let kept = try importer(.oneMinute).importFile(path)
        #expect(kept.bars.count == 3 && kept.info.missingBars == 2)
        let filled = try importer(.oneMinute, fillGaps: true).importFile(path)
        #expect(filled.bars.timestampMs == [0, 60_000, 120_000, 180_000, 240_000])
        #expect(filled.bars.close == [10.5, 11, 11, 11, 10])
        #expect(filled.bars.volume == [1, 2, 0, 0, 3])
        #expect(filled.info.repairs.filledBars == 2)
    }

    /// One wrong timestamp is a gap of centuries: `--fill-gaps` refuses to fill it (the fuzzer's
    /// 12-row file asked for 257 million bars), and says so; without it the gap is counted.
    @Test func fillGapsRefusesAGapOfCenturies() throws {
        let path = Fixtures.file("timestamp,open,high,low,close,volume\n1717200000,10,11,9,10.5,1\n1717200060,10.5,12,10,11,2\n17172006000,11,11,10,10,3\n")
        #expect { try importer(.oneMinute, fillGaps: true).importFile(path) } throws: {
            "\($0)".contains("--fill-gaps would add") && "\($0)".contains("at most 100000 are filled. Is a timestamp wrong?")
        }
        let kept = try importer(.oneMinute).importFile(path)
        #expect(kept.bars.count == 3 && kept.info.missingBars > 200_000_000)
    }

    @Test func isoTimestampsWithSpaceAndFractionAndAUnknownColumn() throws {
        let csv = """
        Date,Open,High,Low,Close,Volume,Symbol
        2024-06-01 00:00:00.000,1,2,0.5,1.5,10,BTC
        2024-06-01T00:01:00Z,1.5,2,1,1.8,11,BTC
        2024-06-01 00:02:00,1.8,1.9,1.7,1.75,12,BTC
        """
        let r = try importer().importFile(Fixtures.file(csv))
        #expect(r.bars.timestampMs == [1_717_200_000_000, 1_717_200_060_000, 1_717_200_120_000])
        #expect(r.notes.contains("ignored unknown column: Symbol"))
    }

    @Test func unixSecondsWithQuotedFieldsAndCRLF() throws {
        let r = try importer().importFile(Fixtures.file("timestamp,open,high,low,close,volume\r\n\"1677628800\",\"23144.78\",23152.48,23133.11,23143.72,3.912156\r\n1677628860,23146.32,23152.49,23139.02,23143.67,2.685574\r\n"))
        #expect(r.bars.timestampMs == [1_677_628_800_000, 1_677_628_860_000])
        #expect(r.bars.open == [23144.78, 23146.32])
    }

    /// Each kind of bad row: the import fails, naming the file, the line and the problem.
    @Test(arguments: [
        ("60,abc,2,0.5,1.5,10", DataIssue.Kind.unparsable, "open 'abc'"),
        ("x,1,2,0.5,1.5,10", .unparsable, "timestamp 'x'"),
        ("60,1,2,0.5", .wrongFieldCount, "4 fields, expected 6"),
        ("60,nan,2,0.5,1.5,10", .notANumber, "open is NaN"),
        ("60,1,inf,0.5,1.5,10", .notFinite, "high is inf"),
        ("60,1,2,0.5,1.5,inf", .notFinite, "volume is inf"),
        ("60,0,2,0.5,1.5,10", .nonPositivePrice, "open 0.0"),
        ("60,-1,2,0.5,1.5,10", .nonPositivePrice, "open -1.0"),
        ("60,1,2,0.5,1.5,-10", .negativeVolume, "volume -10.0"),
        ("60,1,1.2,0.5,1.5,10", .highBelowOpenClose, "high 1.2 < max(open 1.0, close 1.5)"),
        ("60,1,2,1.2,1.5,10", .lowAboveOpenClose, "low 1.2 > min(open 1.0, close 1.5)"),
    ] as [(String, DataIssue.Kind, String)])
    func badRowIsRejectedWithItsLine(row: String, kind: DataIssue.Kind, detail: String) throws {
        let path = Fixtures.file("timestamp,open,high,low,close,volume\n0,1,2,0.5,1.5,10\n\(row)\n120,1,2,0.5,1.5,10\n")
        do {
            _ = try importer().importFile(path)
            Issue.record("expected the import to fail")
        } catch let MarketDataError.validationFailed(p, summary) {
            #expect(p == path)
            #expect(summary.contains("\(path):3: \(kind.rawValue): \(detail)"), "\(summary)")
            #expect(summary.contains("totals: 1 \(kind.rawValue)"))
        }
        // --repair cannot fix these.
        #expect(throws: MarketDataError.self) { try importer(repair: true).importFile(path) }
    }

    @Test func manyBadRowsShowTheFirstFewThenACount() throws {
        var csv = "timestamp,open,high,low,close,volume\n"
        for i in 0..<25 { csv += "\(i * 60),1,0.5,0.4,1,1\n" }
        do { _ = try importer().importFile(Fixtures.file(csv)); Issue.record("expected failure") } catch let MarketDataError.validationFailed(_, summary) {
            #expect(summary.components(separatedBy: "\n").filter { $0.contains("high below") && !$0.contains("totals") }.count == 10)
            #expect(summary.contains("... and 15 more"))
            #expect(summary.contains("totals: 25 high below max(open, close)"))
        }
    }

    @Test func outOfOrderAndDuplicatesFailWithoutRepair() throws {
        let csv = "timestamp,open,high,low,close,volume\n0,1,2,0.5,1.5,10\n120,1,2,0.5,1.5,10\n60,1,2,0.5,1.5,10\n120,1,2,0.5,1.5,10\n"
        let path = Fixtures.file(csv)
        do { _ = try importer(.oneMinute).importFile(path); Issue.record("expected failure") } catch let MarketDataError.validationFailed(_, summary) {
            #expect(summary.contains(":4: timestamp earlier than the previous row"))
            #expect(summary.contains("totals: 1 timestamp earlier than the previous row"))
        }
        let repaired = try importer(.oneMinute, repair: true).importFile(path)
        #expect(repaired.bars.timestampMs == [0, 60_000, 120_000])
        #expect(repaired.info.repairs.rowsOutOfOrder == 1)
        #expect(repaired.info.repairs.exactDuplicatesDropped == 1)
        #expect(repaired.notes.contains("repaired: sorted 1 rows that were out of order"))
        #expect(repaired.notes.contains("repaired: dropped 1 exact duplicate rows"))
    }

    @Test func conflictingDuplicateIsNeverGuessed() throws {
        let path = Fixtures.file("timestamp,open,high,low,close,volume\n0,1,2,0.5,1.5,10\n0,1,2,0.5,1.6,10\n")
        #expect { try importer(.oneMinute, repair: true).importFile(path) } throws: { error in
            "\(error)".contains("duplicate timestamp with different values")
        }
    }

    @Test func offGridTimestampsAreRejected() throws {
        let path = Fixtures.file("timestamp,open,high,low,close,volume\n0,1,2,0.5,1.5,10\n90,1,2,0.5,1.5,10\n")
        #expect { try importer(.oneMinute).importFile(path) } throws: { "\($0)".contains("not on the timeframe grid") }
    }

    @Test func layoutErrors() throws {
        #expect { try importer().importFile(Fixtures.file("time,open,close\n1,2,3\n")) } throws: {
            "\($0)".contains("the header lacks high, low, volume")
        }
        #expect { try importer().importFile(Fixtures.file("1,2,3\n")) } throws: { "\($0)".contains("6 or 7") }
        #expect { try importer().importFile("/nonexistent/file.csv") } throws: { "\($0)" == "/nonexistent/file.csv: no such file" }
        #expect { try importer().importFile(Fixtures.file("timestamp,open,high,low,close,volume\n")) } throws: { "\($0)".contains("no data rows") }
    }
}
