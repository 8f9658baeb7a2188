import Foundation
import NovaTestSupport
import Testing
@testable import NovaResearch

/// Issue 33 #5: the README quotes the experiment files as they are, and every experiment file
/// it names exists and loads.
@Suite struct ReadmeExperimentTests {
    @Test func theReadmesExperimentIsTheFileItNames() throws {
        let root = Fixtures.packageRoot.path
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        var quoted = 0
        for block in readme.components(separatedBy: "```yaml\n").dropFirst() {
            let text = String(block[..<block.range(of: "```")!.lowerBound])
            guard let nameLine = text.split(separator: "\n").first(where: { $0.hasPrefix("name: ") }) else { continue }
            let name = nameLine.dropFirst(6).trimmingCharacters(in: .whitespaces)
            let file = try String(contentsOfFile: root + "/experiments/\(name).yaml", encoding: .utf8)
            #expect(text == file, "README's block for \(name) differs from experiments/\(name).yaml")
            quoted += 1
        }
        #expect(quoted >= 1)
        let named = Set(readme.matches(of: /experiments\/([a-z0-9-]+)\.yaml/).map { String($0.1) })
        #expect(!named.isEmpty)
        for name in named {
            _ = try ExperimentSpec.load(path: root + "/experiments/\(name).yaml")
        }
    }
}
