import Foundation
import Testing
import Yams
import NovaTestSupport

/// The two files that run shards past one machine: `deploy/slurm-optimize.sh` (a Slurm job
/// array) and `deploy/k8s-optimize-job.yaml` (a Kubernetes Indexed Job). Each is run here as
/// far as it can be without the cluster: the shell that would start novapulse is executed with
/// an `echo` in its place, so the shard every task or pod would run is checked, not just read.
/// The full Slurm run (real daemons, PostgreSQL, a killed task) is experiments/slurm/run.sh; the
/// manifest's schema is checked by kubernetes-validate in .ci/run.
@Suite struct DeployFilesTests {
    static func sh(_ arguments: [String], environment: [String: String]) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = arguments
        p.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static let slurmScript = Fixtures.packageRoot.appendingPathComponent("deploy/slurm-optimize.sh").path

    @Test func everySlurmTaskRunsItsOwnShardAndAResubmittedTaskKeepsN() throws {
        let base = ["DATABASE_URL": "postgresql://u@127.0.0.1:1/x", "NOVAPULSE_BIN": "/bin/echo", "SLURM_CPUS_PER_TASK": "1"]
        // The array 1-3: tasks 1, 2, 3 of 3.
        for k in 1...3 {
            let r = try Self.sh([Self.slurmScript, "exp.yaml", "3"], environment: base.merging(["SLURM_ARRAY_TASK_ID": "\(k)", "SLURM_ARRAY_TASK_COUNT": "3"]) { $1 })
            #expect(r.code == 0, "\(r.err)")
            #expect(r.out == "optimize exp.yaml --shard \(k)/3 --workers 1\n")
        }
        // Task 2 resubmitted alone (sbatch --array=2): Slurm says the array has one task; N stays 3.
        let again = try Self.sh([Self.slurmScript, "exp.yaml", "3"],
                                environment: base.merging(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MAX": "2"]) { $1 })
        #expect(again.out == "optimize exp.yaml --shard 2/3 --workers 1\n")
        // No N, a task past N, no database: refused with the usage, novapulse never started.
        let noN = try Self.sh([Self.slurmScript, "exp.yaml"], environment: base.merging(["SLURM_ARRAY_TASK_ID": "1"]) { $1 })
        #expect(noN.code != 0 && noN.out.isEmpty && noN.err.contains("usage: sbatch --array=1-N deploy/slurm-optimize.sh EXPERIMENT.yaml N"))
        let past = try Self.sh([Self.slurmScript, "exp.yaml", "3"], environment: base.merging(["SLURM_ARRAY_TASK_ID": "4"]) { $1 })
        #expect(past.code == 2 && past.out.isEmpty && past.err.contains("array task 4 is not a shard of N=3"))
        var noDB = base; noDB["DATABASE_URL"] = nil; noDB["SLURM_ARRAY_TASK_ID"] = "1"
        let r = try Self.sh([Self.slurmScript, "exp.yaml", "3"], environment: noDB)
        #expect(r.code != 0 && r.out.isEmpty && r.err.contains("set DATABASE_URL"))
    }

    @Test func everyKubernetesPodRunsADistinctShardAndTheyCoverAllN() throws {
        let text = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("deploy/k8s-optimize-job.yaml"), encoding: .utf8)
        let job = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(job["apiVersion"] as? String == "batch/v1" && job["kind"] as? String == "Job")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        let completions = try #require(spec["completions"] as? Int)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["restartPolicy"] as? String == "Never")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let env = (container["env"] as? [[String: Any]] ?? []).reduce(into: [String: Any]()) { $0[$1["name"] as! String] = $1 }
        // SHARDS must equal completions, or shards are skipped or run twice.
        #expect((env["SHARDS"] as? [String: Any])?["value"] as? String == "\(completions)")
        #expect(((env["DATABASE_URL"] as? [String: Any])?["valueFrom"] as? [String: Any])?["secretKeyRef"] != nil, "the URL (a password) comes from a Secret")
        let command = try #require(container["command"] as? [String]), args = try #require(container["args"] as? [String])
        #expect(command == ["/bin/sh", "-c"] && args.count == 1)
        // Run the pod's shell for every completion index with echo in novapulse's place.
        let line = args[0].replacingOccurrences(of: "exec novapulse ", with: "echo ")
        #expect(line != args[0], "the pod starts novapulse with exec")
        var shards: [String] = []
        for index in 0..<completions {
            let r = try Self.sh(["-c", line], environment: ["JOB_COMPLETION_INDEX": "\(index)", "SHARDS": "\(completions)"])
            #expect(r.code == 0, "\(r.err)")
            let words = r.out.split(separator: " ").map(String.init)
            #expect(words.first == "optimize")
            if let at = words.firstIndex(of: "--shard"), at + 1 < words.count { shards.append(words[at + 1].trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        #expect(shards == (1...completions).map { "\($0)/\(completions)" })
    }
}
