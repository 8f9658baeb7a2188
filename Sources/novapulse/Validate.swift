import ArgumentParser
import NovaCore

/// Flag checks shared by commands: each turns a core parsing error into the ValidationError
/// the argument parser shows with the usage line.
enum Validate {
    static func pair(_ text: String) throws {
        if case .failure(let e) = Result(catching: { () throws(CoreError) in _ = try Pair(parsing: text) }) { throw ValidationError(e.description) }
    }

    static func pairList(_ text: String) throws {
        if case .failure(let e) = Result(catching: { () throws(CoreError) in _ = try Pair.parseList(text) }) { throw ValidationError(e.description) }
    }

    static func exchange(_ text: String) throws {
        if case .failure(let e) = Result(catching: { () throws(CoreError) in _ = try ExchangeID(parsing: text) }) { throw ValidationError(e.description) }
    }

    static func timeframe(_ text: String) throws {
        if case .failure(let e) = Result(catching: { () throws(CoreError) in _ = try Timeframe(parsing: text) }) { throw ValidationError(e.description) }
    }

    /// The end of a `--to` window: a date alone means "through the end of that day".
    static func windowEnd(_ text: String) throws -> Int64 {
        let ms = try time(text)
        return text.trimmingCharacters(in: .whitespaces).count == 10 ? ms + 86_400_000 : ms
    }

    static func time(_ text: String) throws -> Int64 {
        switch Result(catching: { () throws(CoreError) in try UTCTime.parse(text) }) {
        case .success(let ms): return ms
        case .failure(let e): throw ValidationError(e.description)
        }
    }
}
