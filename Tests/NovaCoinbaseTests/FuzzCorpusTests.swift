import Foundation
import NovaFuzz
import NovaTestSupport
import Testing

/// The fuzz corpus (Tests/Fixtures/fuzz-corpus: seeds of every parser, and each input that
/// once crashed one, kept as a regression) through the same entry libFuzzer calls
/// (`scripts/fuzz.sh`): nothing crashes. A parser refusing an input is fine; a trap is not.
@Suite struct FuzzCorpusTests {
    @Test func everyCorpusInputIsParsedOrRefusedWithoutACrash() throws {
        let dir = Fixtures.path("fuzz-corpus")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.count >= FuzzInputs.Parser.allCases.count)
        for f in files {
            FuzzInputs.run([UInt8](FileManager.default.contents(atPath: dir + "/" + f) ?? Data()))
        }
        // Each parser has a seed (the first byte picks the parser).
        let parsers = Set(try files.map { Int(try #require(FileManager.default.contents(atPath: dir + "/" + $0)?.first)) % FuzzInputs.Parser.allCases.count })
        #expect(parsers.count == FuzzInputs.Parser.allCases.count)
    }
}
