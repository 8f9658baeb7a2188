import Crypto
import Foundation

/// Kraken's REST request signature (exchange-crib.md §1.2):
/// `API-Sign = base64(HMAC-SHA512(base64decode(secret), path + SHA256(nonce + body)))`.
/// The body is signed exactly as sent; field order is the caller's.
public struct KrakenSigner: Sendable {
    private let key: SymmetricKey

    /// `secretBase64`: the API secret as Kraken shows it (base64). Anything else is refused
    /// with a message that does not repeat the secret.
    public init(secretBase64: String) throws(KrakenError) {
        guard let raw = Data(base64Encoded: secretBase64.trimmingCharacters(in: .whitespacesAndNewlines)), !raw.isEmpty else {
            throw KrakenError(kind: .authentication, message: "the Kraken API secret is not base64 (as Kraken shows it)")
        }
        key = SymmetricKey(data: raw)
    }

    /// The `API-Sign` header for a POST of `body` to `path` (e.g. `/0/private/AddOrder`).
    public func sign(path: String, nonce: UInt64, body: String) -> String {
        let inner = SHA256.hash(data: Data((String(nonce) + body).utf8))
        var message = Data(path.utf8)
        message.append(contentsOf: inner)
        let mac = HMAC<SHA512>.authenticationCode(for: message, using: key)
        return Data(mac).base64EncodedString()
    }
}
