/// A database URL as it may be shown: the password (between `user:` and `@`) replaced by
/// `***`, whether or not the rest of the URL parses. Every message that names a
/// `DATABASE_URL` goes through it.
public enum DatabaseURL {
    public static func masked(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<rest.index(after: colon)]) + "***" + String(rest[at...])
    }
}
