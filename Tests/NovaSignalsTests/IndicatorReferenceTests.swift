import Foundation
import Testing
import NovaMarketData
import NovaTestSupport
@testable import NovaSignals

/// Every indicator against values made independently (TA-Lib where it has the indicator, a
/// separate Python implementation of docs/indicators.md otherwise): same warm-up, and equal to
/// 1e-9 relative after it. Tests/Fixtures/make_indicator_reference.py made the fixture.
@Suite struct IndicatorReferenceTests {
    static let bars = try! OHLCVImporter(options: .init(pair: Fixtures.btcusd, exchange: .kraken))
        .importFile(Fixtures.path("btcusdt-1m-2024-06-01.csv")).bars

    static let table = IndicatorTable.compute(timestampMs: bars.timestampMs, open: bars.open, high: bars.high, low: bars.low,
                                              close: bars.close, volume: bars.volume)

    static let reference: [String: [Double?]] = {
        let text = try! String(contentsOfFile: Fixtures.path("indicator_reference.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var cols = [String: [Double?]]()
        for name in header { cols[name] = [] }
        for line in lines.dropFirst() {
            for (name, cell) in zip(header, line.split(separator: ",", omittingEmptySubsequences: false)) {
                cols[name]!.append(cell.isEmpty ? nil : Double(cell)!)
            }
        }
        return cols
    }()

    @Test(arguments: IndicatorTable.columnNames)
    func matchesTheReference(column: String) throws {
        let k = IndicatorTable.columnNames.firstIndex(of: column)!
        let ours = Self.table[k]
        let theirs = try #require(Self.reference[column])
        #expect(ours.count == theirs.count)
        let firstOurs = ours.firstIndex { $0 != nil }, firstTheirs = theirs.firstIndex { $0 != nil }
        #expect(firstOurs == firstTheirs, "warm-up differs for \(column)")
        var worst = 0.0
        for i in ours.indices {
            guard let a = ours[i], let b = theirs[i] else {
                #expect((ours[i] == nil) == (theirs[i] == nil), "\(column) row \(i): \(String(describing: ours[i])) vs \(String(describing: theirs[i]))")
                continue
            }
            worst = max(worst, abs(a - b) / max(1, abs(b)))
        }
        #expect(worst <= 1e-9, "\(column): worst relative difference \(worst)")
    }

    /// No lookahead and streaming = batch: values over a prefix of the data equal the same rows
    /// of the full pass.
    @Test func prefixesGiveTheSameValues() {
        let b = Self.bars
        for cut in [100, 777] {
            let part = IndicatorTable.compute(timestampMs: Array(b.timestampMs[..<cut]), open: Array(b.open[..<cut]), high: Array(b.high[..<cut]),
                                              low: Array(b.low[..<cut]), close: Array(b.close[..<cut]), volume: Array(b.volume[..<cut]))
            for k in part.indices { #expect(part[k] == Array(Self.table[k][..<cut]), "\(IndicatorTable.columnNames[k]) at cut \(cut)") }
        }
    }

    @Test func rollingExtremeIsTheWindowMaxAndMin() {
        var hi = RollingExtreme(period: 4, kind: .max), lo = RollingExtreme(period: 4, kind: .min)
        let xs: [Double] = [5, 1, 4, 4, 2, 8, 3, 3, 0, 7]
        for (i, x) in xs.enumerated() {
            hi.update(x); lo.update(x)
            if i >= 3 {
                #expect(hi.value == xs[(i - 3)...i].max())
                #expect(lo.value == xs[(i - 3)...i].min())
            } else {
                #expect(hi.value == nil)
            }
        }
    }
}
