import ArgumentParser
import Foundation
import NovaCore
#if Postgres
import NovaPostgres
#endif
import NovaResearch
import NovaStorage

/// `novapulse optimize FILE`: a parameter search described in an experiment file.
struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Sweep parameters over many backtests on all cores (grid, random or TPE; walk-forward); resumable.",
        discussion: """
        FILE is an experiment (YAML; see experiments/keltner-sweep.yaml): data window, base config, parameter \
        space, objective(s), constraints, sampler, trials, seed, walk-forward. Every trial is stored as a \
        backtest_runs row (kind trial) tagged with the experiment and its parameters; the same command run again \
        resumes where it stopped. Writes reports/EXPERIMENT_ID/optimize.html and trials.csv. \
        --shard I/N runs the I-th of N disjoint parts (grid and random samplers), for several processes or \
        machines sharing one store.
        """)

    @Argument(help: "The experiment file (YAML).")
    var file: String

    @Option(name: .long, help: "Trials run in parallel (threads sharing the loaded data); default: all cores.")
    var workers: Int?

    @Option(name: .long, help: "Trial budget per window, replacing the file's.")
    var trials: Int?

    @Option(name: .long, help: "Pair(s), replacing the file's data.pair.")
    var pair: String?

    @Option(name: .long, help: "Start of the data window (inclusive), replacing the file's.")
    var from: String?

    @Option(name: .long, help: "End of the data window (a date alone includes that day), replacing the file's.")
    var to: String?

    @Option(name: .long, help: "Run only part I of N (1-based), e.g. 2/4: trials k with k mod N = I-1.")
    var shard: String?

    @OptionGroup var output: JSONOutput

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1, got \(workers)") }
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1, got \(trials)") }
        if let pair { try Validate.pairList(pair) }
        if let from { _ = try Validate.time(from) }
        if let to { _ = try Validate.time(to) }
        if let shard { _ = try Self.parseShard(shard) }
    }

    static func parseShard(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
            throw ValidationError("--shard \(text): give I/N with 1 <= I <= N, e.g. 1/4")
        }
        return (parts[0], parts[1])
    }

    func run() throws {
        try ExitCodes.reporting {
            let env = ProcessInfo.processInfo.environment
            let paths = WorkspacePaths.fromEnvironment(env)
            try paths.checkReportsDirectory()     // before any trial: the leaderboard is written there at the end
            var request = OptimizeRequest(specPath: file, paths: paths)
            request.workers = workers
            request.trials = trials
            request.pairs = try pair.map { try Pair.parseList($0) }
            request.fromMs = try from.map { try Validate.time($0) }
            request.toMs = try to.map { try Validate.windowEnd($0) }
            request.shard = try shard.map { try Self.parseShard($0) }
            let store = try TrialStores.open(environment: env, sqlitePath: paths.databasePath)
            let progress = OptimizeProgress()
            var summary = try Optimizer(request: request, store: store).run { done, total, best in progress.update(done, total, best) }
            progress.finish()
            let dir = (paths.reportsDirectory as NSString).appendingPathComponent(summary.experimentID)
            summary.reportPath = try OptimizeReport.write(summary, to: dir)
            if output.json {
                print(Terminal.json(Self.jsonObject(summary)))
            } else {
                for note in summary.notes { Terminal.error("note: \(note)") }
                print(Self.text(summary))
            }
        }
    }

    static func text(_ s: Optimizer.Summary) -> String {
        let spec = s.spec
        var out = "Experiment \(s.experimentID) (\(spec.name)): \(s.ran) trials run, \(s.skipped) already stored, "
            + String(format: "%.1f s on %d ", s.seconds, s.workers) + (s.workers == 1 ? "worker" : "workers")
        if s.ran > 0 { out += String(format: " (%.1f trials/min)", Double(s.ran) / s.seconds * 60) }
        for w in s.windows {
            let title = w.window.map { "\nWindow \(w.index): train \(UTCTime.iso($0.trainStartMs).prefix(10)) to \(UTCTime.iso($0.trainEndMs).prefix(10)), test to \(UTCTime.iso($0.testEndMs).prefix(10))" } ?? ""
            out += title + "\n"
            let header = ["#", "trial"] + spec.space.map { $0.key.split(separator: ".").last.map(String.init) ?? $0.key } + spec.objectives.map(\.metric) + ["trades", "run"]
            let rows = w.trials.prefix(10).enumerated().map { i, t -> [String] in
                ["\(i + 1)", "\(t.trial)\(t.feasible ? "" : "*")"] + spec.space.map { t.params[$0.key]?.text ?? "" }
                    + t.objectives.map { $0.map { String(format: "%.4g", $0) } ?? "-" }
                    + [t.stats.headline["trades"].map { String(Int($0)) } ?? "-", t.runID]
            }
            out += Terminal.table(header, rows)
            out += "\n  deflated Sharpe of the winner: " + (w.deflatedSharpe.map { String(format: "%.3f", $0) } ?? "-")
                + ", PBO: " + (w.pbo.map { String(format: "%.2f", $0) } ?? "-")
            if let t = w.test { out += "\n  out of sample: \(spec.objectives[0].metric) " + (t.objectives[0].map { String(format: "%.4g", $0) } ?? "-") + " (\(t.runID))" }
            if !w.pareto.isEmpty { out += "\n  Pareto front: trials " + w.pareto.map(String.init).joined(separator: ", ") }
        }
        if let m = s.stitchedMetrics { out += String(format: "\nStitched out-of-sample: return %.2f%%, Sharpe %.2f, max drawdown %.2f%%", m.totalReturnPct, m.sharpe, m.maxDrawdownPct) }
        if s.windows.contains(where: { $0.trials.contains { !$0.feasible } }) { out += "\n* breaks a constraint" }
        return out + "\nReport: \(s.reportPath ?? "")"
    }

    static func jsonObject(_ s: Optimizer.Summary) -> [String: Any] {
        [
            "experiment_id": s.experimentID, "name": s.spec.name, "ran": s.ran, "skipped": s.skipped, "seconds": s.seconds, "workers": s.workers,
            "report": s.reportPath ?? "",
            "windows": s.windows.map { w -> [String: Any] in
                var o: [String: Any] = ["window": w.index, "trials": w.trials.count, "planned": w.planned, "pareto": w.pareto]
                if let b = w.best {
                    o["best"] = ["trial": b.trial, "run_id": b.runID, "params": b.params.mapValues { $0.number ?? 0 },
                                 "objectives": b.objectives.map { $0 ?? .nan }] as [String: Any]
                }
                if let d = w.deflatedSharpe { o["deflated_sharpe"] = d }
                if let p = w.pbo { o["pbo"] = p }
                if let t = w.test { o["test"] = ["run_id": t.runID, "objectives": t.objectives.map { $0 ?? .nan }] as [String: Any] }
                o["trial_list"] = w.trials.map { t -> [String: Any] in
                    ["trial": t.trial, "run_id": t.runID, "feasible": t.feasible, "params": t.params.mapValues { $0.number ?? 0 },
                     "objectives": t.objectives.map { $0 ?? .nan }]
                }
                return o
            },
        ]
    }
}

/// Optimisation progress on stderr: redrawn on a terminal, a line per tenth of the trials
/// otherwise (logs of long runs on a cluster).
final class OptimizeProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastLogged = -1
    private let tty = Terminal.stderrIsTTY

    func update(_ done: Int, _ total: Int, _ best: String) {
        lock.lock(); defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = done > 0 && done < total && rate > 0 ? String(format: ", ETA %.0f s", Double(total - done) / rate) : ""
        let line = "optimize: \(done)/\(total) trials, \(best)\(eta)"
        if tty {
            guard done >= total || Date().timeIntervalSince(lastDraw) > 0.2 else { return }
            lastDraw = Date()
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            let step = max(1, total / 10)
            guard done / step != lastLogged / step || done == total, done != lastLogged else { return }
            lastLogged = done
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// The trial store a run uses: PostgreSQL when `DATABASE_URL` names one, else the SQLite file.
enum TrialStores {
    static func open(environment env: [String: String], sqlitePath: String) throws -> any TrialStore {
        if let url = env["DATABASE_URL"], !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ValidationError("DATABASE_URL=\(DatabaseURL.masked(url)): only postgresql://USER@HOST:PORT/DB is supported (unset it for the SQLite default)")
            }
            #if Postgres
            return try PostgresTrialStore(url: url)
            #else
            throw ValidationError("DATABASE_URL is set, but this novapulse was built without the PostgreSQL client: "
                + "build it with `swift build -c release --traits Postgres` (or unset DATABASE_URL for the SQLite default)")
            #endif
        }
        return try ResultsStore(path: sqlitePath)
    }
}
