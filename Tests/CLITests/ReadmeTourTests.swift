import Foundation
import Testing
import NovaTestSupport

/// Issue 33 "done means": the README's commands run in order, as a newcomer would type them,
/// on one store. Every concrete `novapulse ...` line of its code blocks is run (README command
/// 1 first) and must exit 0. Left out, and why: lines with placeholders (FILE, RUN, [options],
/// a | b), `live` (the live build and an exchange), `secrets` (a master key), and the import of
/// the 2.5-year Binance file (1.3 M rows: minutes in a debug build; the benchmarks import it).
@Suite struct ReadmeTourTests {
    static func commands() throws -> [[String]] {
        let readme = try String(contentsOfFile: Fixtures.packageRoot.appendingPathComponent("README.md").path, encoding: .utf8)
        var out: [[String]] = []
        var fence: String?
        for raw in readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if raw.hasPrefix("```") { fence = fence == nil ? String(raw.dropFirst(3)) : nil; continue }
            let inFence = fence != nil && fence != "yaml"
            let indented = fence == nil && raw.hasPrefix("    ")
            guard inFence || indented else { continue }
            var line = raw.trimmingCharacters(in: .whitespaces)
            if let hash = line.range(of: "  #") { line = String(line[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("scripts/bootstrap.sh && swift run -c release novapulse ") { line = String(line.dropFirst("scripts/bootstrap.sh && swift run -c release ".count)) }
            guard line.hasPrefix("novapulse ") else { continue }
            let words = line.split(separator: " ").map(String.init).dropFirst()
            let placeholder = line.contains("[") || line.contains("|") || words.contains { w in
                ["FILE", "RUN", "TAPE", "EXPERIMENT", "DATE", "KEY=", "TIME", "OUT.csv", "FILE.csv", "RUN_ID"].contains { w.contains($0) } }
            guard !placeholder, words.first != "live", words.first != "secrets", !line.contains("binance-btcusdt-1m-2022-01-01_2024-06-25") else { continue }
            out.append(Array(words))
        }
        return out
    }

    @Test func theReadmesCommandsRunInOrderOnOneStore() throws {
        let tour = try Self.commands()
        // Command 1, the imports, the book model example at least.
        #expect(tour.first == ["backtest", "--pair", "BTC/USD"], "\(tour.first ?? [])")
        #expect(tour.count >= 6, "\(tour)")
        let ws = Fixtures.scratch("readme-tour")
        for args in tour {
            let r = try CLITests.run(args, workspace: ws)
            #expect(r.code == 0, "novapulse \(args.joined(separator: " ")): exit \(r.code)\n\(r.stderr.suffix(600))")
        }
    }
}
