import Foundation
import NovaCoinbase
import NovaConfig
import NovaCore
import NovaKraken
import NovaMarketData
import NovaResearch

/// One fuzz input through one of the parsers that read what a user or an exchange hands us:
/// the first byte picks the parser, the rest is the input. A parser may refuse the input with
/// an error (that is its job); it must not crash, hang or leave files behind. Used by the
/// libFuzzer target (`scripts/fuzz.sh`) and by `FuzzCorpusTests`, which replays the corpus
/// and every crash found so far (Tests/Fixtures/fuzz-corpus) in the normal test run.
public enum FuzzInputs {
    public enum Parser: UInt8, CaseIterable, Sendable {
        // New parsers go last: a corpus file's first byte keeps naming the parser it was made for.
        case ohlcvCSV, bookCSV, tradesCSV, configYAML, krakenFrame, coinbaseFrame, experimentYAML
    }

    /// Where file-based parsers read their input: one file per process, rewritten each time.
    static let scratch: String = {
        let dir = NSTemporaryDirectory() + "novapulse-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    public static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let parser = Parser.allCases[Int(first) % Parser.allCases.count]
        run(parser, Array(bytes.dropFirst()))
    }

    public static func run(_ parser: Parser, _ body: [UInt8]) {
        let pair = Pair(base: "BTC", quote: "USD")
        switch parser {
        case .ohlcvCSV:
            let path = write(body, "bars.csv")
            _ = try? OHLCVImporter(options: .init(pair: pair, exchange: .kraken)).importFile(path)
            _ = try? OHLCVImporter(options: .init(pair: pair, exchange: .kraken, repair: true, fillGaps: true)).importFile(path)
        case .bookCSV:
            _ = try? OrderBookImporter(pair: pair, exchange: .kraken, repair: true).importFile(write(body, "book.csv"))
        case .tradesCSV:
            _ = try? TradeTapeImporter(pair: pair, exchange: .kraken).importFile(write(body, "trades.csv"))
        case .configYAML:
            _ = try? ConfigLoader.load(path: write(body, "config.yaml"))
        case .krakenFrame:
            _ = KrakenWSMessage.parse(String(decoding: body, as: UTF8.self))
        case .coinbaseFrame:
            _ = try? CoinbaseWSMessage.parse(Data(body))
        case .experimentYAML:
            // An experiment that loads must also give its first points at once, whatever its
            // space (the samplers once enumerated a 10^9-point space to draw two).
            guard let spec = try? ExperimentSpec.parse(String(decoding: body, as: UTF8.self), source: "fuzz.yaml") else { return }
            var sampler = RandomSampler(space: spec.space, seed: spec.seed)
            for p in sampler.points(2) { _ = ParameterSpace.assignment(p, spec.space) }
            if !spec.space.isEmpty { _ = ParameterSpace.point(0, sizes: spec.space.map { ParameterSpace.values($0.domain).count }) }
        }
    }

    private static func write(_ body: [UInt8], _ name: String) -> String {
        let path = scratch + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(body))
        return path
    }
}
