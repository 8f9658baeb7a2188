import NovaCore

/// What the executor tells the engine after an event, for the strategies, the risk manager
/// and the signal journal. Drained by the engine after every call.
public enum ExecutionReport: Sendable, Equatable, Codable {
    /// An entry the engine asked for ended without a position: the venue refused it (at once
    /// or later) or cancelled it unfilled. `message` says which and why.
    case entryFailed(slot: Int, message: String)
    /// A round trip closed: trade index in `Executor.trades`.
    case tradeClosed(slot: Int, trade: Int)
    /// An exit could not be placed and the position stays open.
    case exitFailed(slot: Int, message: String)
}
