import ArgumentParser
import Foundation
import NovaResearch

/// `novapulse indicators`: compute every indicator over an OHLCV file and write them as CSV.
struct IndicatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators",
        abstract: "Compute the indicators over an OHLCV CSV (plain or .zst) and write one column per value.",
        discussion: "Columns: timestamp, then \(IndicatorExportColumns.list). Empty cells during warm-up. Definitions: docs/indicators.md.")

    @Option(name: .long, help: "The OHLCV file (any layout `data import` accepts).") var data: String
    @Option(name: .long, help: "Where to write the CSV.") var out: String

    func run() throws {
        try ExitCodes.reporting {
            let summary = try IndicatorExport.export(data: data, to: out)
            print("Wrote \(summary.rows) rows x \(summary.columns.count + 1) columns to \(out)")
        }
    }
}

enum IndicatorExportColumns {
    static var list: String { "sma_20, ema_20, rsi_14, atr_14, adx_14, ... (27 columns)" }
}
