import Crypto
import NovaCoinbase

/// The fake's check of a WebSocket JWT (no `uri` claim), as Coinbase's.
enum CoinbaseJWTCheck {
    static func verify(_ token: String, key: P256.Signing.PublicKey, nowMs: Int64, keyName: String) throws -> Bool {
        let claims = try CoinbaseJWT.verify(token, publicKey: key, expectedURI: nil, nowMs: nowMs)
        return claims.sub == keyName
    }
}
