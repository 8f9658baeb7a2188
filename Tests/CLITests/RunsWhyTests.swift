import Foundation
import Testing
import NovaTestSupport

/// `runs why` and `runs export --signals` through the CLI.
@Suite struct RunsWhyTests {
    @Test func answersWhatTheStackSawAndDecided() throws {
        let ws = Fixtures.scratch("why")
        let bt = try CLITests.run(["backtest", "--pair", "BTC/USD", "--to", "2023-03-03", "--json"], workspace: ws)
        #expect(bt.code == 0, "\(bt.stderr)")
        let runID = (try JSONSerialization.jsonObject(with: Data(bt.stdout.utf8)) as! [String: Any])["run_id"] as! String
        // The first acted-upon decision, read back through the CLI.
        let list = try CLITests.run(["runs", "show", runID, "--json"], workspace: ws)
        #expect(list.code == 0)
        // signals.csv on request; the summary names the command.
        #expect(!FileManager.default.fileExists(atPath: ws + "/reports/\(runID)/signals.csv"))
        #expect((try JSONSerialization.jsonObject(with: Data(bt.stdout.utf8)) as! [String: Any])["signals_export"] as? String
                == "novapulse runs export \(runID) --signals")
        let export = try CLITests.run(["runs", "export", String(runID.prefix(25)), "--signals"], workspace: ws)
        #expect(export.code == 0 && export.stdout.hasPrefix("Wrote ") && export.stdout.contains("reports/\(runID)/signals.csv"), "\(export)")
        #expect(try CLITests.run(["runs", "export", runID], workspace: ws).code == 2)
        let csv = try String(contentsOfFile: ws + "/reports/\(runID)/signals.csv", encoding: .utf8).split(separator: "\n")
        let acted = try #require(csv.dropFirst().first { $0.split(separator: ",")[6] == "1" })
        let time = String(acted.split(separator: ",")[0])
        let why = try CLITests.run(["runs", "why", String(runID.prefix(25)), "--at", time], workspace: ws)
        #expect(why.code == 0, "\(why.stderr)")
        #expect(why.stdout.contains("Run \(runID) at \(time)"))
        #expect(why.stdout.contains("decided     enter_long: acted upon"))
        #expect(why.stdout.contains("confluence of"))
        let j = try CLITests.run(["runs", "why", runID, "--at", time, "--json"], workspace: ws)
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        #expect(obj["exact"] as? Bool == true && (obj["decision"] as? [String: Any])?["acted_upon"] as? Bool == true)
        // Issue 33 #4: a refused decision's votes carry the configured weight (said as such),
        // never a 0; a moment inside a trade shows its side, stop and target.
        let refused = try #require(csv.dropFirst().first { $0.split(separator: ",")[6] == "0" })
        let rj = try CLITests.run(["runs", "why", runID, "--at", String(refused.split(separator: ",")[0]), "--json"], workspace: ws)
        let robj = try JSONSerialization.jsonObject(with: Data(rj.stdout.utf8)) as! [String: Any]
        if let votes = ((robj["decision"] as? [String: Any])?["confluence"] as? [String: Any])?["signals"] as? [[String: Any]], !votes.isEmpty {
            #expect(votes.allSatisfy { ($0["weight"] as? Double ?? 0) > 0 }, "\(votes)")
            #expect(votes.allSatisfy { ($0["weight_source"] as? String)?.hasPrefix("configured") == true })
        }
        let trades = try String(contentsOfFile: ws + "/reports/\(runID)/trades.csv", encoding: .utf8).split(separator: "\n")
        let header = trades[0].split(separator: ",").map(String.init)
        let first = trades[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let inside = first[header.firstIndex(of: "entry_time")!]
        let pj = try CLITests.run(["runs", "why", runID, "--at", inside, "--json"], workspace: ws)
        let position = (try JSONSerialization.jsonObject(with: Data(pj.stdout.utf8)) as! [String: Any])["position"] as? [String: Any]
        #expect(position?["side"] as? String == "long" && position?["stop_loss"] is Double && position?["take_profit"] is Double, "\(pj.stdout)")
        #expect(try CLITests.run(["runs", "why", runID, "--at", "yesterday"], workspace: ws).code == 2)
        // A time outside the run is refused, not answered with its last bar (issue 19).
        let outside = try CLITests.run(["runs", "why", runID, "--at", "2026-01-01"], workspace: ws)
        #expect(outside.code == 2 && outside.stderr.contains("--at 2026-01-01T00:00:00Z is outside run \(runID), which covers 2023-03-01"), "\(outside.stderr)")
        #expect(try CLITests.run(["runs", "why", runID, "--at", "2020-01-01"], workspace: ws).code == 2)
    }
}
