import ArgumentParser
import Foundation
#if Postgres
import NovaPostgres
#endif
import NovaCore
import NovaMarketData
import NovaResearch
import NovaStorage

/// NovaPulse's exit codes and the one place that maps error families to them.
enum ExitCodes {
    static let usage: Int32 = 2
    static let data: Int32 = 3
    static let `internal`: Int32 = 1

    static func code(for error: any Error) -> Int32 {
        switch error {
        case let e as MarketDataError: return e.isUsage ? usage : data
        case is ConfigError, is CoreError, is ValidationError, is OutsideRun: return usage
        // The disk or the place written to, not a fault of ours: the data's exit code.
        case is WriteFailure: return data
        case StorageError.diskFull: return data
        case let e as StorageError:
            switch e {
            // A DB_PATH that is a directory, not a database, or unreadable: the user's setting.
            case .runNotFound, .ambiguousRunID, .runNotCompleted, .duplicateRunID, .emptyRunID, .runStillRunning, .cannotOpen: return usage
            default: return `internal`
            }
        default:
            #if Postgres
            // The user's DATABASE_URL or server, not a fault of ours: a configuration error.
            if let e = error as? PostgresTrialStore.StoreError {
                switch e {
                case .badURL, .connect: return usage
                case .query: return `internal`
                }
            }
            #endif
            return `internal`
        }
    }

    /// Runs a command body; a thrown error becomes one line on stderr and its exit code.
    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let code = code(for: error)
            let prefix = code == `internal` && !(error is StorageError) ? "internal error: " : "error: "
            FileHandle.standardError.write(Data((prefix + "\(error)\n").utf8))
            throw ExitCode(code)
        }
    }
}
