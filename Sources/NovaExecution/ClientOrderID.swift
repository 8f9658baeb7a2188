/// Client order ids: `TAG-SLOT-POSITION-LEGn`, e.g. `np-0-12-sl2` for the second stop of the
/// twelfth position of slot 0. Derived from the run, the position and the leg only, so the
/// same decisions always give the same ids: an order sent again after a restart carries the id
/// the exchange already knows (and refuses as a duplicate) instead of becoming a second order,
/// and reconciliation finds an order whose submit went unanswered by this id.
public enum ClientOrderID {
    /// The leg of a position an order serves.
    public enum Leg: String, Sendable, Codable, CodingKeyRepresentable {
        case entry = "en", stop = "sl", target = "tp", tier = "t", exit = "x", endOfData = "eod"
    }

    public static func make(tag: String, slot: Int, position: Int, leg: Leg, attempt: Int) -> String {
        "\(tag)-\(slot)-\(position)-\(leg.rawValue)\(attempt)"
    }
}
