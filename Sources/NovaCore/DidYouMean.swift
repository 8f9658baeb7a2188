/// Suggestions for a mistyped name: the known name closest by edit distance, when it is close
/// enough to be what was meant (at most a third of the name wrong, at least one letter right).
public enum DidYouMean {
    public static func suggestion(for word: String, among names: [String]) -> String? {
        let w = Array(word.lowercased())
        var best: (String, Int)?
        for name in names {
            let d = distance(w, Array(name.lowercased()))
            if d < (best?.1 ?? .max) { best = (name, d) }
        }
        guard let (name, d) = best, d > 0, d <= max(1, w.count / 3) else { return nil }
        return name
    }

    /// Levenshtein distance, with a swap of two neighbours counting as one edit ("bakctest").
    public static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
