import Foundation
import Testing
import NovaCore
import NovaTestSupport
@testable import NovaMarketData

@Suite struct CatalogAndBookTests {
    @Test func cacheRoundTripsExactlyAndListsHeaders() throws {
        let catalog = DatasetCatalog(dataDirectory: Fixtures.scratch())
        let r = try OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .coinbase)).importFile(Fixtures.path("btcusdt-1m-2024-06-01.csv"))
        try catalog.saveBars(r.bars, info: r.info)
        let (bars, info) = try catalog.loadBars(pair: Fixtures.btcusd, exchange: .coinbase, timeframe: .oneMinute)
        #expect(bars == r.bars)
        #expect(info == r.info)
        #expect(catalog.list().map(\.rows) == [1440])
        #expect { try catalog.loadBars(pair: Fixtures.btcusd, exchange: .kraken, timeframe: .oneMinute) } throws: {
            "\($0)".contains("no 1m data for BTC/USD on kraken: available: coinbase 1m")
        }
    }

    /// A temporary file left by a killed import (its process gone) is removed by the next save;
    /// one of a live process is left alone.
    @Test func temporariesOfDeadImportsAreRemoved() throws {
        let dir = Fixtures.scratch()
        let catalog = DatasetCatalog(dataDirectory: dir)
        let r = try OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken)).importFile(Fixtures.path("btcusdt-1m-200.csv.zst"))
        try catalog.saveBars(r.bars, info: r.info)
        let path = catalog.barsPath(pair: Fixtures.btcusd, exchange: .kraken, timeframe: .oneMinute)
        // A pid far above any this machine hands out is not alive; pid 1 always is.
        let dead = path + ".tmp-2147483000", live = path + ".tmp-1"
        for p in [dead, live] { try Data(repeating: 7, count: 1_000).write(to: URL(fileURLWithPath: p)) }
        try catalog.saveBars(r.bars, info: r.info)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(try catalog.loadBars(pair: Fixtures.btcusd, exchange: .kraken, timeframe: .oneMinute).0 == r.bars)
        // Issue 32 #10: opening the catalog (any command: list, backtest) removes them too,
        // without waiting for the next import to finish.
        let book = catalog.bookPath(pair: Fixtures.btcusd, exchange: .kraken) + ".tmp-2147483001"
        try Data(repeating: 7, count: 1_000).write(to: URL(fileURLWithPath: dead))
        try Data(repeating: 7, count: 1_000).write(to: URL(fileURLWithPath: book))
        _ = DatasetCatalog(dataDirectory: dir)
        #expect(!FileManager.default.fileExists(atPath: dead) && !FileManager.default.fileExists(atPath: book))
        #expect(FileManager.default.fileExists(atPath: live))
    }

    @Test func damagedCacheIsReported() throws {
        let dir = Fixtures.scratch()
        let catalog = DatasetCatalog(dataDirectory: dir)
        let r = try OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken)).importFile(Fixtures.path("btcusdt-1m-200.csv.zst"))
        try catalog.saveBars(r.bars, info: r.info)
        let path = catalog.barsPath(pair: Fixtures.btcusd, exchange: .kraken, timeframe: .oneMinute)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: path))
        #expect { try catalog.loadBars(pair: Fixtures.btcusd, exchange: .kraken, timeframe: .oneMinute) } throws: {
            "\($0)".contains("damaged cache file")
        }
    }

    @Test func bitstampWideCSVBook() throws {
        let (book, info, _) = try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.path("bitstamp-l2-20.csv"))
        #expect(book.count == 20 && book.depth == 20 && info.depth == 20)
        #expect(book.timestampMs[0] == 1_777_689_381_000)
        #expect(book.bestBid(0) == 78318 && book.bidSize[0] == 1.76789211)
        #expect(book.bidPrice[1] == 78317)
        #expect(book.bestAsk(0) > book.bestBid(0))
        #expect(info.timeframe.seconds == 1)
    }

    @Test func jsonLinesBookAndArrayForm() throws {
        let lines = """
        {"timestamp": 1717200000000, "bids": [[100.5, 2], [100, 1]], "asks": [[101, 1.5]]}
        {"timestamp": "2024-06-01T00:00:01Z", "bids": [["100.6", "1"]], "asks": [[101.1, 3], [102, 4]]}
        """
        let (book, _, _) = try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.file(lines, name: "b.jsonl"))
        #expect(book.depth == 2 && book.count == 2)
        #expect(book.timestampMs == [1_717_200_000_000, 1_717_200_001_000])
        #expect(book.bidPrice[0] == 100.5 && book.bidPrice[1] == 100 && book.askPrice[1].isNaN && book.askSize[1] == 0)
        #expect(book.bidPrice[2] == 100.6 && book.askPrice[3] == 102)
        let array = "[{\"timestamp\": 1, \"bids\": [[1, 1]], \"asks\": [[2, 1]]}]"
        let (b2, _, _) = try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.file(array, name: "b.json"))
        #expect(b2.count == 1)
    }

    @Test func crossedOrUnsortedBooksAreRejected() throws {
        let crossed = "timestamp,bid_price_1,bid_size_1,ask_price_1,ask_size_1\n1000,101,1,100,1\n"
        #expect { try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.file(crossed)) } throws: {
            "\($0)".contains(":2: crossed book (best bid >= best ask): best bid 101.0 >= best ask 100.0")
        }
        let unsorted = "{\"timestamp\": 1, \"bids\": [[1, 1], [2, 1]], \"asks\": [[3, 1]]}\n"
        #expect { try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.file(unsorted, name: "u.jsonl")) } throws: {
            "\($0)".contains("bid levels not sorted best first at level 2")
        }
    }

    /// Issue 32 #5: a NaN price, an infinite size, half a level, a hole before deeper levels,
    /// or no ask columns at all are refused with the file and line, not imported.
    @Test func badLevelsAreRefusedWithTheirLine() throws {
        let head = "timestamp,bid_price_1,bid_size_1,bid_price_2,bid_size_2,ask_price_1,ask_size_1,ask_price_2,ask_size_2\n"
        let good = "1000,100,1,99,2,101,1,102,2\n"
        for (row, message) in [
            ("2000,NaN,1,99,2,101,1,102,2\n", ":3: NaN value: 'NaN' in column bid_price_1"),
            ("2000,100,1,99,2,101,inf,102,2\n", ":3: infinite value: 'inf' in column ask_size_1"),
            ("2000,100,,99,2,101,1,102,2\n", ":3: unparsable value: bid level 1 has a price but no size"),
            ("2000,100,1,99,2,,,102,2\n", ":3: unparsable value: ask level 1 is empty but level 2 is not"),
        ] {
            let path = Fixtures.file(head + good + row, name: "book.csv")
            #expect { try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(path) } throws: { error in
                let text = "\(error)"
                if !text.contains(path) || !text.contains(message) { Issue.record("\(row): \(text)") }
                return true
            }
        }
        let bidsOnly = Fixtures.file("timestamp,bid_price_1,bid_size_1\n1000,100,1\n", name: "bids.csv")
        #expect { try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(bidsOnly) } throws: {
            "\($0)".contains("ask_price_N")
        }
        // A thin book (its deeper levels empty) is a book.
        let thin = try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.file(head + good + "2000,100,1,,,101,1,,\n", name: "thin.csv"))
        #expect(thin.0.count == 2)
    }

    /// A header naming a book level past 1,000 is refused by name (each row holds every level
    /// up to the deepest named: level 99999999 asked for 1.6 GB a row; found by the fuzzer).
    @Test func aBookLevelTooDeepIsRefusedNotAllocated() throws {
        let csv = "timestamp,bid_price_1,bid_size_1,ask_price_1,ask_size_1,bid_price_99999999\n1717200000000,100,1,101,1,99\n"
        #expect { try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.file(csv, name: "deep.csv")) } throws: {
            "\($0)".contains("column bid_price_99999999 names book level 99999999; at most 1000 levels are read")
        }
        let ok = "timestamp,bid_price_1,bid_size_1,ask_price_1,ask_size_1\n1717200000000,100,1,101,1\n"
        #expect(try OrderBookImporter(pair: Fixtures.btcusd, exchange: .kraken).importFile(Fixtures.file(ok, name: "ok.csv")).0.count == 1)
    }
}
