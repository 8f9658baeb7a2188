import Crypto
import Foundation

/// A CDP API key: its name (`organizations/{org}/apiKeys/{id}`) and its EC P-256 private key.
/// Coinbase Advanced Trade refuses Ed25519 keys (exchange-crib.md §3.2).
public struct CoinbaseCredentials: Sendable {
    public let keyName: String
    public let privateKey: P256.Signing.PrivateKey

    /// From the key name and the PEM Coinbase hands out (`-----BEGIN EC PRIVATE KEY-----`, SEC1;
    /// PKCS#8 `PRIVATE KEY` is accepted too). A PEM kept in an environment variable often has
    /// literal `\n` for its newlines: they are turned back first. The error says what is wrong
    /// without echoing the key.
    public init(keyName: String, privateKeyPEM: String) throws(CoinbaseJWTError) {
        let name = keyName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw .badKey("the API key name is empty (expected organizations/{org_id}/apiKeys/{key_id})") }
        let pem = privateKeyPEM.replacingOccurrences(of: "\\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if pem.contains("OPENSSH PRIVATE KEY") || pem.contains("ED25519") {
            throw .badKey("an Ed25519 key: Coinbase Advanced Trade needs an ECDSA (P-256) key; create the API key with ECDSA")
        }
        guard pem.hasPrefix("-----BEGIN") else {
            throw .badKey("the private key is not PEM (expected -----BEGIN EC PRIVATE KEY-----)")
        }
        do {
            privateKey = try P256.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw .badKey("the private key PEM does not parse as an EC P-256 key (\(type(of: error)))")
        }
        self.keyName = name
    }

    public init(keyName: String, privateKey: P256.Signing.PrivateKey) {
        self.keyName = keyName; self.privateKey = privateKey
    }
}

/// What is wrong with a key or a token: said once, never retried blindly.
public enum CoinbaseJWTError: Error, Sendable, Equatable, CustomStringConvertible {
    case badKey(String)
    /// (verifier) not three base64url parts of JSON, or not ES256.
    case malformed(String)
    case badSignature
    case expired(expMs: Int64, nowMs: Int64)
    case notYetValid(nbfMs: Int64, nowMs: Int64)
    case wrongClaim(String)

    public var description: String {
        switch self {
        case .badKey(let s): return "Coinbase key: \(s)"
        case .malformed(let s): return "JWT malformed: \(s)"
        case .badSignature: return "JWT signature does not verify"
        case .expired(let e, let n): return "JWT expired \((n - e) / 1000) s ago"
        case .notYetValid(let b, let n): return "JWT not valid for another \((b - n) / 1000) s (clock skew?)"
        case .wrongClaim(let s): return "JWT claim: \(s)"
        }
    }
}

/// ES256 JSON Web Tokens as Coinbase Advanced Trade wants them (exchange-crib.md §3.2, §4.4):
/// header `{alg: ES256, typ: JWT, kid: key name, nonce: random hex}`, claims `{sub: key name,
/// iss: "cdp", nbf: now, exp: now + 120, uri: "METHOD host path"}` (no `uri` for a WebSocket
/// subscribe), signed with the raw 64-byte r||s, base64url without padding. A token lives two
/// minutes: a fresh one for every request and every subscribe.
public enum CoinbaseJWT {
    public static let lifetimeSeconds: Int64 = 120
    public static let issuer = "cdp"

    struct Header: Codable, Equatable {
        var alg = "ES256"
        var typ = "JWT"
        var kid: String
        var nonce: String
    }

    public struct Claims: Codable, Equatable, Sendable {
        public var sub: String
        public var iss: String
        public var nbf: Int64
        public var exp: Int64
        public var uri: String?
    }

    /// The `uri` claim of a REST call: method, a space, host and path; never the query string.
    public static func uri(method: String, host: String, path: String) -> String {
        let bare = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        return "\(method.uppercased()) \(host)\(bare)"
    }

    /// A token for one REST request (`uri` set) or one WebSocket subscribe (`uri` nil).
    /// `nonce`: 16 random bytes as hex unless given (tests).
    public static func token(_ credentials: CoinbaseCredentials, uri: String?, nowMs: Int64, nonce: String? = nil) throws -> String {
        let now = nowMs / 1000
        let header = Header(kid: credentials.keyName, nonce: nonce ?? randomNonce())
        let claims = Claims(sub: credentials.keyName, iss: issuer, nbf: now, exp: now + lifetimeSeconds, uri: uri)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let input = base64url(try encoder.encode(header)) + "." + base64url(try encoder.encode(claims))
        let signature = try credentials.privateKey.signature(for: Data(input.utf8))
        return input + "." + base64url(signature.rawRepresentation)
    }

    /// Checks a token as Coinbase would (the fake server's side, and tests): ES256 over the
    /// first two parts with `publicKey`, `kid == sub`, the issuer, `nbf <= now < exp` (with
    /// `leewaySeconds`), a lifetime of at most two minutes, and `uri` when one is expected
    /// (nil: a WebSocket token, which must have none).
    public static func verify(_ token: String, publicKey: P256.Signing.PublicKey, expectedURI: String?, nowMs: Int64,
                              leewaySeconds: Int64 = 0) throws(CoinbaseJWTError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let h = base64urlDecode(parts[0]), let c = base64urlDecode(parts[1]), let s = base64urlDecode(parts[2]) else {
            throw .malformed("expected three base64url parts")
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: h) else { throw .malformed("header is not {alg, typ, kid, nonce}") }
        guard header.alg == "ES256" else { throw .malformed("alg \(header.alg), expected ES256") }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: c) else { throw .malformed("claims are not {sub, iss, nbf, exp}") }
        guard let sig = try? P256.Signing.ECDSASignature(rawRepresentation: s),
              publicKey.isValidSignature(sig, for: Data((parts[0] + "." + parts[1]).utf8)) else { throw .badSignature }
        guard header.kid == claims.sub else { throw .wrongClaim("kid \(header.kid) is not sub \(claims.sub)") }
        guard claims.iss == issuer else { throw .wrongClaim("iss \(claims.iss), expected \(issuer)") }
        guard claims.exp - claims.nbf <= lifetimeSeconds else { throw .wrongClaim("lives \(claims.exp - claims.nbf) s, more than \(lifetimeSeconds)") }
        let now = nowMs / 1000
        guard now + leewaySeconds >= claims.nbf else { throw .notYetValid(nbfMs: claims.nbf * 1000, nowMs: nowMs) }
        guard now - leewaySeconds < claims.exp else { throw .expired(expMs: claims.exp * 1000, nowMs: nowMs) }
        if claims.uri != expectedURI {
            throw .wrongClaim("uri \(claims.uri.map { "'\($0)'" } ?? "missing"), expected \(expectedURI.map { "'\($0)'" } ?? "none (a WebSocket token)")")
        }
        return claims
    }

    static func randomNonce() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    static func base64url(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64urlDecode(_ s: Substring) -> Data? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t)
    }
}
