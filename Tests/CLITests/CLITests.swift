import Foundation
import Testing
import NovaTestSupport

/// Runs the built `novapulse` binary as a user would and checks exit codes, stdout and stderr.
@Suite struct CLITests {
    struct Result { var code: Int32; var stdout: String; var stderr: String }

    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("novapulse").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug/novapulse").path
    }

    /// Starts novapulse in workspace `ws` (its own data, database and reports folders) without
    /// waiting for it; `output` false sends its output to /dev/null.
    static func launch(_ args: [String], workspace ws: String, environment extra: [String: String] = [:], output: Bool = true) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = Fixtures.packageRoot
        var env = ProcessInfo.processInfo.environment
        env["NOVAPULSE_DATA_DIR"] = ws + "/data"
        env["DB_PATH"] = ws + "/data/novapulse.db"
        env["NOVAPULSE_REPORTS_DIR"] = ws + "/reports"
        env.merge(extra) { $1 }
        p.environment = env
        let out = Pipe(), err = Pipe()
        if output {
            p.standardOutput = out
            p.standardError = err
        } else {
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
        }
        try p.run()
        return (p, out, err)
    }

    /// Runs novapulse in a fresh workspace (its own data, database and reports folders).
    static func run(_ args: [String], workspace: String? = nil) throws -> Result {
        let (p, out, err) = try launch(args, workspace: workspace ?? Fixtures.scratch("cli"))
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(code: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Issue 33 #9: a run with no closed trade has no win rate, in the summary and the report.
    @Test func noClosedTradeMeansNoWinRate() throws {
        let ws = Fixtures.scratch("cli-winrate")
        let r = try Self.run(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold"], workspace: ws)
        #expect(r.code == 0, "\(r.stderr)")
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("win rate") }.map(String.init) ?? ""
        #expect(line.hasSuffix("n/a") && r.stdout.contains("(+1 open)"), "\(r.stdout)")
        let report = r.stdout.split(separator: "\n").first { $0.hasPrefix("Report: ") }.map { String($0.dropFirst(8)) } ?? ""
        let html = try String(contentsOfFile: report, encoding: .utf8)
        let cards = html.components(separatedBy: "Win rate").dropFirst().map { String($0.prefix(60)) }
        #expect(!cards.isEmpty && cards.allSatisfy { $0.contains("n/a") && !$0.contains("0.00%") }, "\(cards)")
    }

    /// Issue 33 #13: `runs list` says why a run failed, in its row.
    @Test func runsListShowsWhyARunFailed() throws {
        let ws = Fixtures.scratch("cli-failed")
        let bt = try Self.run(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold", "--json"], workspace: ws)
        #expect(bt.code == 0, "\(bt.stderr)")
        let sql = Process()
        sql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sql.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE backtest_runs SET status='failed', "
                         + "error='the book file x.csv has no ask columns at line 1\\nmore detail'\"); c.commit()", ws + "/data/novapulse.db"]
        try sql.run()
        sql.waitUntilExit()
        let list = try Self.run(["runs", "list"], workspace: ws)
        #expect(list.stdout.contains("failed: the book file x.csv has no ask columns") && !list.stdout.contains("more detail"), "\(list.stdout)")
    }

    /// Issue 33 #2: a mistyped command, key or strategy gets "did you mean".
    @Test func typosGetADidYouMean() throws {
        for (args, message) in [
            (["bakctest", "--pair", "BTC/USD"], "unknown command 'bakctest'; did you mean 'backtest'?"),
            (["resample"], "unknown command 'resample' (commands: backtest,"),
            (["backtest", "--pair", "BTC/USD", "--param", "risk.risk_per_trad=0.1"], "did you mean 'risk.risk_per_trade'?"),
            (["backtest", "--pair", "BTC/USD", "--strategy", "keltnr"], "did you mean 'keltner'?"),
        ] {
            let r = try Self.run(args)
            #expect(r.code == 2 && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    /// Issue 33 #10: a run of several pairs counts every pair's bars (it printed one pair's).
    @Test func aMultiPairRunCountsEveryPairsBars() throws {
        let ws = Fixtures.scratch("cli-multipair")
        for pair in ["BTC/USDT", "ETH/USDT"] {
            let imp = try Self.run(["data", "import", Fixtures.path("btcusdt-1m-2024-06-01.csv"), "--pair", pair], workspace: ws)
            #expect(imp.code == 0, "\(imp.stderr)")
        }
        let r = try Self.run(["backtest", "--pair", "BTC/USDT,ETH/USDT", "--strategy", "sma_cross"], workspace: ws)
        #expect(r.code == 0, "\(r.stderr)")
        let head = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let one = try #require(head.range(of: #"\((\d+) BTC/USDT, (\d+) ETH/USDT\)"#, options: .regularExpression).map { String(head[$0]) })
        let counts = one.dropFirst().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
        #expect(counts.count == 2 && counts[0] == counts[1] && counts[0] > 0)
        #expect(head.contains("\(counts[0] * 2) bars (\(counts[0]) BTC/USDT, \(counts[1]) ETH/USDT)"), "\(head)")
    }

    /// Issue 33 #10: pairs of two quote currencies: money per currency, never "quote".
    @Test func aRunOfTwoQuoteCurrenciesGivesMoneyPerCurrency() throws {
        let ws = Fixtures.scratch("cli-currencies")
        for pair in ["BTC/USDT", "BTC/USD"] {
            let imp = try Self.run(["data", "import", Fixtures.path("btcusdt-1m-2024-06-01.csv"), "--pair", pair], workspace: ws)
            #expect(imp.code == 0, "\(imp.stderr)")
        }
        let r = try Self.run(["backtest", "--pair", "BTC/USD,BTC/USDT", "--strategy", "sma_cross", "--param", "fast=5", "--param", "slow=20"], workspace: ws)
        #expect(r.code == 0, "\(r.stderr)")
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("net P&L") }.map(String.init) ?? ""
        #expect(line.range(of: #"\(realised: USD -?\d+\.\d\d, USDT -?\d+\.\d\d; counted 1:1\)"#, options: .regularExpression) != nil, "\(line)")
        let report = r.stdout.split(separator: "\n").first { $0.hasPrefix("Report: ") }.map { String($0.dropFirst(8)) } ?? ""
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("Realised P&amp;L per currency") && html.contains(" USD+USDT<") && !html.contains(" quote<"), "\(report)")
        #expect(html.contains(" USDT</td>") && html.contains(" USD</td>"))
    }

    @Test func helpListsTheCommands() throws {
        let r = try Self.run(["--help"])
        #expect(r.code == 0)
        for c in ["backtest", "data", "runs"] { #expect(r.stdout.contains(c)) }
        let b = try Self.run(["backtest", "--help"])
        #expect(b.code == 0 && b.stdout.contains("--close-at-end") && b.stdout.contains("--param"))
    }

    @Test(arguments: [
        (["backtest"], "Missing expected argument '--pair"),
        (["backtest", "--pair", "BTCUSD"], "invalid pair 'BTCUSD'"),
        (["backtest", "--pair", "BTC/USD", "--fee", "2"], "--fee 2.0 is not a fee rate"),
        (["backtest", "--pair", "BTC/USD", "--fee", "-0.001"], "--fee -0.001 is not a fee rate"),
        (["backtest", "--pair", "BTC/USD", "--cash", "-5"], "--cash must be a positive amount, got -5.0"),
        (["backtest", "--pair", "BTC/USD", "--from", "2024-02-30"], "2024-02-30"),
        (["backtest", "--pair", "BTC/USD", "--exchange", "binance"], "unknown exchange 'binance'"),
        (["backtest", "--pair", "BTC/USD", "--from", "2024-02-01", "--to", "2024-01-01"], "is not before --to"),
        (["backtest", "--pair", "BTC/USD", "--sizing", "martingale"], "martingale"),
        (["backtest", "--pair", "BTC/USD", "--strategy", "sma_cross", "--param", "fast=50"], "strategies.sma_cross.fast = 50 is not allowed: less than slow (30)"),
        (["backtest", "--pair", "BTC/USD", "--config", "/no/such.yaml"], "/no/such.yaml: cannot read the config: no such file"),
        (["data", "import", "x.csv", "--pair", "BTC/USD", "--timeframe", "7q"], "invalid timeframe '7q'"),
        (["runs", "show", "bt-nope"], "no run with id 'bt-nope'"),
        (["backtest", "--pair", "BTC/USD", "--fill-model", "tick"], "The value 'tick' is invalid for '--fill-model <fill-model>'. Please provide one of 'candle' and 'book'."),
        (["backtest", "--pair", "BTC/USD", "--faults", "chaos"], "The value 'chaos' is invalid for '--faults <faults>'. Please provide one of 'none', 'flaky' or 'hostile'."),
        (["backtest", "--pair", "BTC/USD", "--latency-ms=-5"], "--latency-ms -5: give 0 to 3600000 milliseconds"),
        (["backtest", "--pair", "BTC/USD", "--param", "simulator.participation=2"], "simulator.participation = 2"),
        (["data", "import", "x.csv", "--pair", "BTC/USD", "--kind", "trades", "--fill-gaps"], "--fill-gaps applies to OHLCV bars, not trades"),
    ])
    func usageAndConfigErrorsExitWith2(args: [String], message: String) throws {
        let r = try Self.run(args)
        #expect(r.code == 2, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
    }

    @Test func badDataExitsWith3NamingFileAndLine() throws {
        let path = Fixtures.file("timestamp,open,high,low,close,volume\n0,1,2,0.5,1.5,1\n60,1,0.9,0.5,1.5,1\n")
        let r = try Self.run(["data", "import", path, "--pair", "BTC/USD"])
        #expect(r.code == 3)
        #expect(r.stderr.contains("\(path):3: high below max(open, close)"))
        let missing = try Self.run(["backtest", "--pair", "ETH/USD"])
        #expect(missing.code == 3 && missing.stderr.contains("no 1m data for ETH/USD on kraken"))
    }

    @Test func importListBacktestAndRunsEndToEnd() throws {
        let ws = Fixtures.scratch("cli")
        let imp = try Self.run(["data", "import", Fixtures.path("btcusdt-1m-2024-06-01.csv"), "--pair", "BTC/USDT", "--exchange", "coinbase"], workspace: ws)
        #expect(imp.code == 0, "\(imp.stderr)")
        #expect(imp.stdout.contains("Imported 1440 1m bars of BTC/USDT (coinbase)"))
        #expect(imp.stdout.contains("sha256 c74d5643bb39562569929e33e4757d783743f4a4084d7f7051d9b9ffe6b358b7"))
        let list = try Self.run(["data", "list"], workspace: ws)
        #expect(list.stdout.contains("BTC/USDT") && list.stdout.contains("1440"))

        let bt = try Self.run(["backtest", "--pair", "BTC/USDT", "--exchange", "coinbase", "--strategy", "sma_cross",
                               "--fee", "0.001", "--sizing", "all-in", "--param", "simulator.participation=0", "--json"], workspace: ws)
        #expect(bt.code == 0, "\(bt.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(bt.stdout.utf8)) as! [String: Any]
        let runID = summary["run_id"] as! String
        #expect(String(format: "%.2f", summary["final_equity"] as! Double) == "9307.52")   // the independent reference
        #expect(summary["trades"] as? Int == 33)
        #expect(bt.stderr.isEmpty)   // no progress bar when stderr is not a terminal

        let table = try Self.run(["backtest", "--pair", "BTC/USDT", "--exchange", "coinbase"], workspace: ws)
        #expect(table.code == 0 && table.stdout.contains("win rate") && table.stdout.contains("Report: "))

        let runs = try Self.run(["runs", "list"], workspace: ws)
        #expect(runs.stdout.contains(runID) && runs.stdout.contains("completed"))
        let show = try Self.run(["runs", "show", String(runID.prefix(22))], workspace: ws)
        #expect(show.code == 0 || show.stderr.contains("matches"))
        let exact = try Self.run(["runs", "show", runID, "--json"], workspace: ws)
        let shown = try JSONSerialization.jsonObject(with: Data(exact.stdout.utf8)) as! [String: Any]
        #expect(shown["status"] as? String == "completed" && shown["trades"] as? Int == 34)
        #expect(FileManager.default.fileExists(atPath: ws + "/reports/\(runID)/report.html"))

        // The registry: compare, report, list --since, delete.
        let other = try JSONSerialization.jsonObject(with: Data(try Self.run(["backtest", "--pair", "BTC/USDT", "--exchange", "coinbase",
            "--strategy", "sma_cross", "--param", "fast=5", "--json"], workspace: ws).stdout.utf8)) as! [String: Any]
        let otherID = other["run_id"] as! String
        let compare = try Self.run(["runs", "compare", runID, otherID], workspace: ws)
        #expect(compare.code == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("strategies.sma_cross.fast") && compare.stdout.contains("total_return_pct"))
        let cj = try JSONSerialization.jsonObject(with: Data(try Self.run(["runs", "compare", runID, otherID, "--json"], workspace: ws).stdout.utf8)) as! [String: Any]
        #expect((cj["config_differences"] as! [String: [String]])["strategies.sma_cross.fast"] == ["10", "5"])
        #expect(try Self.run(["runs", "compare", runID], workspace: ws).code == 2)
        let rerender = try Self.run(["runs", "report", otherID, "--json"], workspace: ws)
        #expect(rerender.code == 0 && rerender.stdout.contains("report.html"))
        let since = try Self.run(["runs", "list", "--since", "2099-01-01", "--json"], workspace: ws)
        #expect(since.stdout == "[]\n")
        let deleted = try Self.run(["runs", "delete", otherID], workspace: ws)
        #expect(deleted.code == 0 && deleted.stdout == "Deleted run \(otherID).\n")
        #expect(try Self.run(["runs", "show", otherID], workspace: ws).code == 2)
    }
}

@Suite struct DirectionCLITests {
    /// `--direction both` on the bundled sample trades both ways (the summary and the JSON say
    /// how many of each; the trades file has the short rows with their margin fees); on Coinbase
    /// every short is refused, so only longs trade.
    @Test func bothWaysOnKrakenLongOnlyOnCoinbase() throws {
        let ws = Fixtures.scratch("cli-direction")
        let both = try CLITests.run(["backtest", "--pair", "BTC/USD", "--direction", "both", "--json"], workspace: ws)
        #expect(both.code == 0, "\(both.stderr)")
        let j = try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as! [String: Any]
        #expect((j["short_trades"] as? Int ?? 0) > 0 && (j["long_trades"] as? Int ?? 0) > 0)
        let csv = try String(contentsOfFile: ws + "/reports/\(j["run_id"] as! String)/trades.csv", encoding: .utf8)
        #expect(csv.contains(",sell,confluence,closed,"))
        let table = try CLITests.run(["backtest", "--pair", "BTC/USD", "--direction", "both"], workspace: ws)
        #expect(table.stdout.contains("long / short") && table.stdout.contains("exits"))
        #expect(try CLITests.run(["backtest", "--pair", "BTC/USD", "--direction", "sideways"], workspace: ws).code == 2)

        let imp = try CLITests.run(["data", "import", Fixtures.path("btcusdt-1m-2024-06-01.csv"), "--pair", "BTC/USDT", "--exchange", "coinbase"], workspace: ws)
        #expect(imp.code == 0, "\(imp.stderr)")
        let cb = try CLITests.run(["backtest", "--pair", "BTC/USDT", "--exchange", "coinbase", "--strategy", "keltner", "--direction", "both", "--json"],
                                  workspace: ws)
        let c = try JSONSerialization.jsonObject(with: Data(cb.stdout.utf8)) as! [String: Any]
        #expect(c["short_trades"] as? Int == 0)
    }
}

@Suite struct CrashSafetyTests {
    /// Killing `novapulse backtest` at any moment leaves an intact database: the run is either
    /// completed with all its rows, or shows as interrupted with none; never a partial success.
    @Test func killedMidRunLeavesTheDatabaseIntact() throws {
        let ws = Fixtures.scratch("kill")
        for delayMs in [150, 400, 700] {
            let (p, _, _) = try CLITests.launch(["backtest", "--pair", "BTC/USD", "--strategy", "sma_cross"], workspace: ws, output: false)
            usleep(useconds_t(delayMs * 1000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let list = try CLITests.run(["runs", "list", "--json"], workspace: ws)
        #expect(list.code == 0, "\(list.stderr)")
        let runs = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]
        for run in runs {
            let status = run["status"] as! String
            #expect(status == "completed" || status == "interrupted")
            let show = try CLITests.run(["runs", "show", run["run_id"] as! String, "--json"], workspace: ws)
            let detail = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as! [String: Any]
            if status == "interrupted" { #expect(detail["trades"] as? Int == 0) }
        }
        // The SQLite file itself is sound.
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", ws + "/data/novapulse.db"]
        let out = Pipe()
        check.standardOutput = out
        try check.run()
        check.waitUntilExit()
        let verdict = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(verdict.trimmingCharacters(in: .whitespacesAndNewlines) == "ok" || !FileManager.default.fileExists(atPath: ws + "/data/novapulse.db"))
        // And the next run works.
        let after = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold", "--json"], workspace: ws)
        #expect(after.code == 0, "\(after.stderr)")
    }
}

@Suite struct IndicatorsCommandTests {
    @Test func exportsEveryColumnKeepingTheInputTimestampForm() throws {
        let out = Fixtures.scratch("ind") + "/out.csv"
        let r = try CLITests.run(["indicators", "--data", Fixtures.path("kraken-xbtusd-5m-300.csv"), "--out", out])
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout == "Wrote 300 rows x 28 columns to \(out)\n")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines[0].hasPrefix("timestamp,sma_20,ema_20,rsi_14,atr_14,adx_14,plus_di_14,minus_di_14,bb_upper_20_2"))
        #expect(lines[0].hasSuffix("ichimoku_senkou_b_52,gk_vol_20,vwap,obv"))
        #expect(lines.count == 301)
        #expect(lines[1].hasPrefix("1672531200,,,"))        // unix seconds in, unix seconds out
        #expect(lines[20].split(separator: ",", omittingEmptySubsequences: false)[1] != "")   // sma_20 from row 19
        let bad = try CLITests.run(["indicators", "--data", "/no/file.csv", "--out", out])
        #expect(bad.code == 3 && bad.stderr.contains("/no/file.csv: no such file"))
    }
}

@Suite struct SignalsCommandTests {
    @Test func exportsOneRowPerBarWithConfluenceFields() throws {
        let ws = Fixtures.scratch("sig")
        let out = ws + "/signals.csv"
        let r = try CLITests.run(["signals", "--pair", "BTC/USD", "--from", "2023-03-01", "--to", "2023-03-01", "--out", out], workspace: ws)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("Wrote 1440 bars to \(out): "))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1441)
        let header = lines[0].split(separator: ",")
        #expect(header.prefix(4) == ["time", "direction", "confluence_count", "strength"])
        #expect(header.suffix(2) == ["supertrend", "reversal"])
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(cells.count == header.count || line.contains("\""))
        }
        #expect(lines.contains { $0.contains(",long,") && $0.contains(",trend,") || $0.contains(",range,") })
        let bad = try CLITests.run(["signals", "--pair", "ETH/USD", "--out", out], workspace: ws)
        #expect(bad.code == 3)
    }
}

@Suite struct BookFillModelCLITests {
    /// A book and its trades imported from the real Bitstamp capture, then a backtest on the
    /// book fill model: the trades give the bars, the notes say what the simulator did.
    @Test func bookFillModelFromTheCommandLine() throws {
        let ws = Fixtures.scratch("clibook")
        let book = try CLITests.run(["data", "import", Fixtures.shared("bitstamp-btcusd-l2-20levels-1s.csv"), "--kind", "book", "--pair", "BTC/USD"], workspace: ws)
        #expect(book.code == 0, "\(book.stderr)")
        let trades = try CLITests.run(["data", "import", Fixtures.shared("bitstamp-btcusd-trades.csv"), "--kind", "trades", "--pair", "BTC/USD"], workspace: ws)
        #expect(trades.code == 0 && trades.stdout.contains("Imported 284 trades of BTC/USD (kraken)"), "\(trades.stderr)")
        #expect(trades.stderr.contains("built 30 1m bars from the trades"))
        let bt = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold", "--fill-model", "book", "--latency-ms", "500",
                               "--close-at-end"], workspace: ws)
        #expect(bt.code == 0, "\(bt.stderr)")
        #expect(bt.stderr.contains("note: simulator: book fills, latency 500 ms"))
        #expect(bt.stderr.contains("30 bars matched on 1740 book snapshots"))
        #expect(bt.stdout.split(separator: "\n").contains { $0.hasPrefix("trades ") && $0.split(separator: " ").last == "1" })
        #expect(bt.stdout.contains("end_of_data 1"))
    }
}

@Suite struct FloatNoiseCLITests {
    /// Issue 33 #8: trades.csv prices carry no float noise (at most 12 significant digits), and
    /// `runs compare` gives durations in days and hours, not `1.7967e+06`.
    @Test func pricesAndDurationsReadAsAPersonWritesThem() throws {
        let ws = Fixtures.scratch("cli-noise")
        var ids: [String] = []
        for fast in ["10", "20"] {
            let r = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "sma_cross", "--param", "fast=\(fast)", "--json"], workspace: ws)
            #expect(r.code == 0, "\(r.stderr)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            ids.append(obj?["run_id"] as? String ?? "")
        }
        let csv = try String(contentsOfFile: ws + "/reports/\(ids[0])/trades.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = rows[0]
        #expect(rows.count > 10)
        for name in ["entry_price", "exit_price", "stop_loss", "take_profit", "entry_decision_price", "exit_decision_price", "size_usd"] {
            let k = header.firstIndex(of: name)!
            for row in rows.dropFirst() where k < row.count && !row[k].isEmpty {
                let digits = row[k].split(separator: "e").first!.filter(\.isNumber).drop { $0 == "0" }.count
                #expect(digits <= 12, "\(name) \(row[k])")
            }
        }
        let compare = try CLITests.run(["runs", "compare", ids[0], ids[1]], workspace: ws)
        let line = compare.stdout.split(separator: "\n").first { $0.hasPrefix("max_drawdown_duration_seconds") }.map(String.init) ?? ""
        #expect(line.contains("d ") || line.contains("h"), "\(line)")
        #expect(!compare.stdout.contains("e+"), "\(compare.stdout)")
    }
}

@Suite struct BaselineCLITests {
    static func percent(_ out: String, _ label: String) -> Double? {
        out.split(separator: "\n").first { $0.hasPrefix(label) }.flatMap { Double($0.split(separator: " ").last!.dropLast()) }
    }

    /// Issue 33 #6: the baselines run all-in and ungated by default, and say so: buy_and_hold
    /// returns what buy-and-hold returns less two fees, sma_cross is not halted by Kelly.
    /// Asked for (`--sizing`), they go through the risk manager.
    @Test func baselinesRunAllInUnlessSizingIsAskedFor() throws {
        let ws = Fixtures.scratch("cli-baselines")
        let bh = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold", "--close-at-end"], workspace: ws)
        #expect(bh.code == 0, "\(bh.stderr)")
        #expect(bh.stderr.contains("note: baseline buy_and_hold: all-in (all the cash, fee included), no risk manager or gates"), "\(bh.stderr)")
        let ret = try #require(Self.percent(bh.stdout, "return")), hold = try #require(Self.percent(bh.stdout, "buy and hold"))
        #expect(abs(ret - hold) < 1.5 && ret < hold, "return \(ret)% vs buy and hold \(hold)%")
        let sma = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "sma_cross"], workspace: ws)
        #expect(sma.code == 0 && !sma.stderr.contains("halted") && sma.stderr.contains("note: baseline sma_cross: all-in"), "\(sma.stderr)")
        let gated = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold", "--sizing", "fixed-fractional", "--close-at-end"],
                                     workspace: ws)
        #expect(gated.code == 0 && !gated.stderr.contains("note: baseline"), "\(gated.stderr)")
        #expect((Self.percent(gated.stdout, "return") ?? 100) < ret / 2, "\(gated.stdout)")
        let param = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold", "--param", "backtest.sizing=fixed-fractional"], workspace: ws)
        #expect(param.code == 0 && !param.stderr.contains("note: baseline"), "\(param.stderr)")
    }
}

@Suite struct BadPlacesCLITests {
    /// Issue 32 #7: a DB_PATH that is a folder or not a database, and a NOVAPULSE_REPORTS_DIR
    /// that is a file: one line naming it, exit 2, no stray lock file, no failed run.
    @Test func badPlacesAreNamedInOneLine() throws {
        let ws = Fixtures.scratch("cli-bad-places")
        try FileManager.default.createDirectory(atPath: ws + "/dbdir", withIntermediateDirectories: true)
        try "not a database, not even close".write(toFile: ws + "/notdb.db", atomically: true, encoding: .utf8)
        try "x".write(toFile: ws + "/repfile", atomically: true, encoding: .utf8)
        for (db, message) in [(ws + "/dbdir", "a directory, not a database file"), (ws + "/notdb.db", "file is not a database")] {
            let (p, _, err) = try CLITests.launch(["runs", "list"], workspace: ws, environment: ["DB_PATH": db])
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 2 && e.contains("cannot open the results database \(db): \(message)"), "\(e)")
            #expect(e.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: db + ".lock"), "stray \(db).lock")
        }
        let (p, _, err) = try CLITests.launch(["backtest", "--pair", "BTC/USD", "--strategy", "buy_and_hold"], workspace: ws,
                                              environment: ["NOVAPULSE_REPORTS_DIR": ws + "/repfile"])
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 2 && e.contains("the reports folder \(ws)/repfile (NOVAPULSE_REPORTS_DIR) is a file, not a folder"), "\(e)")
        let list = try CLITests.run(["runs", "list"], workspace: ws)
        #expect(!list.stdout.contains("failed"), "\(list.stdout)")
    }
}

@Suite struct UnboundedTextCLITests {
    /// Issue 32 #6: a 2 MB field is quoted in 100 characters, a 100 KB one-line YAML error in a
    /// few lines, and /dev/zero is refused after 16 MB, not read forever.
    @Test func errorsQuoteWhatTheyNameBriefly() throws {
        let ws = Fixtures.scratch("cli-unbounded")
        let big = String(repeating: "9x", count: 1 << 20)
        let csv = Fixtures.file("timestamp,open,high,low,close,volume\n1700000000,1,1,1,1,1\n1700000060,\(big),1,1,1,1\n", name: "big.csv")
        let r = try CLITests.run(["data", "import", csv, "--pair", "BTC/USD"], workspace: ws)
        #expect(r.code == 3 && r.stderr.contains("(2097152 bytes)") && r.stderr.utf8.count < 4_000, "\(r.stderr.utf8.count) bytes: \(r.stderr.prefix(400))")
        let yaml = Fixtures.file("backtest: {strategy: " + String(repeating: "a", count: 100_000) + "\n", name: "bad.yaml")
        let y = try CLITests.run(["backtest", "--pair", "BTC/USD", "--config", yaml], workspace: ws)
        #expect(y.code == 2 && y.stderr.utf8.count < 3_000, "\(y.stderr.utf8.count) bytes: \(y.stderr.prefix(400))")
        let start = Date()
        let zero = try CLITests.run(["data", "import", "/dev/zero", "--pair", "BTC/USD"], workspace: ws)
        #expect(zero.code == 3 && zero.stderr.contains("/dev/zero: cannot read: line 1 has a field over 16 MB with no end"), "\(zero.stderr)")
        #expect(Date().timeIntervalSince(start) < 30)
    }
}

@Suite struct PlotCLITests {
    /// Issue 17 (plot slice): price with indicators over it and in panels of their own, a run's
    /// trades marked; an unknown indicator gets a did-you-mean.
    @Test func aPlotDrawsThePriceTheIndicatorsAndTheTrades() throws {
        let ws = Fixtures.scratch("cli-plot")
        let bt = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "sma_cross", "--to", "2023-03-03", "--json"], workspace: ws)
        let runID = (try JSONSerialization.jsonObject(with: Data(bt.stdout.utf8)) as? [String: Any])?["run_id"] as? String ?? ""
        let out = ws + "/plot.html"
        let r = try CLITests.run(["plot", "--run", runID, "--indicators", "sma_20,bb_upper_20_2,bb_lower_20_2,rsi_14", "--out", out], workspace: ws)
        #expect(r.code == 0 && r.stdout.hasPrefix("Wrote \(out): 4320 bars, 4 indicators, "), "\(r.stdout) \(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        // The price panel (close + 3 price-scale lines) and one panel for the RSI.
        #expect(html.components(separatedBy: "<svg").count == 3)
        #expect(html.components(separatedBy: "<polyline").count == 6)
        #expect(html.contains("<h2>rsi_14</h2>") && html.contains("</span>sma_20"))
        let trades = (try JSONSerialization.jsonObject(with: Data(bt.stdout.utf8)) as? [String: Any])?["trades"] as? Int ?? -1
        #expect(trades > 0 && html.components(separatedBy: "<title>entry ").count - 1 >= trades, "\(trades) trades")
        let bad = try CLITests.run(["plot", "--pair", "BTC/USD", "--indicators", "sma20"], workspace: ws)
        #expect(bad.code == 2 && bad.stderr.contains("unknown indicator 'sma20'; did you mean 'sma_20'?"), "\(bad.stderr)")
        let plain = try CLITests.run(["plot", "--pair", "BTC/USD", "--from", "2023-03-01", "--to", "2023-03-01"], workspace: ws)
        #expect(plain.code == 0 && plain.stdout.contains("reports/plot-BTC-USD-2023-03-01-2023-03-01.html: 1440 bars, 0 indicators"), "\(plain.stdout)")
    }
}

@Suite struct RobustnessCLITests {
    /// Issue 16: `runs robustness` from the command line, deterministic for a seed, and stored
    /// with the run (`runs show --json`: results.robustness).
    @Test func robustnessIsPrintedAndStoredWithTheRun() throws {
        let ws = Fixtures.scratch("cli-robustness")
        let bt = try CLITests.run(["backtest", "--pair", "BTC/USD", "--strategy", "sma_cross", "--to", "2023-03-03", "--json"], workspace: ws)
        let runID = (try JSONSerialization.jsonObject(with: Data(bt.stdout.utf8)) as? [String: Any])?["run_id"] as? String ?? ""
        let args = ["runs", "robustness", runID, "--draws", "500", "--seed", "3", "--json"]
        let a = try CLITests.run(args, workspace: ws), b = try CLITests.run(args, workspace: ws)
        #expect(a.code == 0 && a.stdout == b.stdout, "\(a.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as? [String: Any]
        #expect((obj?["methods"] as? [[String: Any]])?.map { $0["method"] as? String ?? "" }.first == "shuffled trades")
        let show = try CLITests.run(["runs", "show", runID, "--json"], workspace: ws)
        let results = ((try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])?["results"] as? [String: Any])
        #expect(((results?["robustness"] as? [String: Any])?["methods"] as? [Any])?.count == 3, "\(show.stdout.prefix(300))")
        let text = try CLITests.run(["runs", "robustness", runID, "--draws", "200"], workspace: ws)
        #expect(text.code == 0 && text.stdout.contains("bootstrapped trades, 200 draws") && text.stdout.contains("P(ruin at 50% of cash)"), "\(text.stdout)")
        #expect(try CLITests.run(["runs", "robustness", runID, "--draws", "0"], workspace: ws).code == 2)
    }
}

@Suite struct TradesImportCLITests {
    /// Issue 33 #1: after the bundled sample is in, a trades import of BTC/USD builds no bars
    /// and says why, what it kept and the two ways to have both; --replace-bars builds them.
    @Test func aTradesImportSaysWhenItBuildsNoBars() throws {
        let ws = Fixtures.scratch("cli-trades-bars")
        let sample = try CLITests.run(["data", "import", Fixtures.packageRoot.appendingPathComponent("datasets/btcusd-1m-2023-03-01_2023-03-21.csv.zst").path, "--pair", "BTC/USD"], workspace: ws)
        #expect(sample.code == 0, "\(sample.stderr)")
        let file = Fixtures.shared("bitstamp-btcusd-trades.csv")
        let kept = try CLITests.run(["data", "import", file, "--kind", "trades", "--pair", "BTC/USD"], workspace: ws)
        #expect(kept.code == 0 && !kept.stderr.contains("built 30 1m bars"), "\(kept.stderr)")
        #expect(kept.stderr.contains("note: no 1m bars built from the trades: BTC/USD kraken 1m bars already exist (30240 bars, 2023-03-01T00:00:00Z"),
                "\(kept.stderr)")
        #expect(kept.stderr.contains("(--exchange coinbase), or replace those bars with --replace-bars"))
        let other = try CLITests.run(["data", "import", file, "--kind", "trades", "--pair", "BTC/USD", "--exchange", "coinbase"], workspace: ws)
        #expect(other.stderr.contains("built 30 1m bars from the trades"), "\(other.stderr)")
        let replaced = try CLITests.run(["data", "import", file, "--kind", "trades", "--pair", "BTC/USD", "--replace-bars"], workspace: ws)
        #expect(replaced.stderr.contains("built 30 1m bars from the trades"), "\(replaced.stderr)")
        let refused = try CLITests.run(["data", "import", file, "--pair", "BTC/USD", "--replace-bars"], workspace: ws)
        #expect(refused.code == 2 && refused.stderr.contains("--replace-bars applies to --kind trades"), "\(refused.stderr)")
    }
}
