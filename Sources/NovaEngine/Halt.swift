import NovaCore

/// A span in which the edge gates (Kelly, risk of ruin) refused every entry: it begins with the
/// first refusal and ends with the next entry the risk manager lets through (nil: it lasted to
/// the end of the data). A halt is an event of the run, never a silent flat line.
public struct Halt: Sendable, Equatable, Codable {
    public var startMs: Int64
    public var endMs: Int64?
    /// `kelly` or `risk_of_ruin`.
    public var gate: String
    /// The first refusal, with its numbers.
    public var reason: String
    /// Entries refused while it lasted.
    public var refused: Int
    /// Shadow trades that closed while it lasted (the estimates' new evidence).
    public var shadowOutcomes: Int

    public init(startMs: Int64, endMs: Int64? = nil, gate: String, reason: String, refused: Int, shadowOutcomes: Int = 0) {
        self.startMs = startMs; self.endMs = endMs; self.gate = gate; self.reason = reason
        self.refused = refused; self.shadowOutcomes = shadowOutcomes
    }

    enum CodingKeys: String, CodingKey {
        case startMs = "start_ms", endMs = "end_ms", gate, reason, refused, shadowOutcomes = "shadow_outcomes"
    }
}
