/// A run's notes with repeats folded: notes that differ only in their numbers (times, prices,
/// sizes) are one fact, said once with how often and when it first and last happened. A
/// ruined run's hundred `exit gave up` lines become one line naming their cause.
public enum NoteGroups {
    /// Report and terminal show at most this many notes; the run's results keep them all.
    public static let reportLimit = 200

    public static func group(_ notes: [String]) -> [String] {
        var order: [String] = []
        var groups: [String: (first: String, last: String, count: Int)] = [:]
        for n in notes {
            let key = shape(n)
            if var g = groups[key] {
                g.last = n
                g.count += 1
                groups[key] = g
            } else {
                groups[key] = (n, n, 1)
                order.append(key)
            }
        }
        return order.map { key in
            let g = groups[key]!
            return g.count == 1 ? g.first : "\(g.count) times, first: \(g.first); last: \(g.last)"
        }
    }

    /// The note with every number (digits with their separators) as `#`: lines that differ
    /// only in times, prices or counts share a shape.
    static func shape(_ note: String) -> String {
        var out = ""
        out.reserveCapacity(note.utf8.count)
        var inNumber = false
        for c in note {
            if c.isNumber || (inNumber && (c == "." || c == ":" || c == "-" || c == "T" || c == "Z")) {
                if !inNumber { out.append("#"); inNumber = true }
            } else {
                inNumber = false
                out.append(c)
            }
        }
        return out
    }
}
