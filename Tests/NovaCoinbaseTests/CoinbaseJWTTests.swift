import Crypto
import Foundation
import Testing
@testable import NovaCoinbase

/// A throwaway test key (SEC1 PEM, as Coinbase hands keys out; made with `openssl ecparam
/// -name prime256v1 -genkey -noout`). Not a credential of anything.
let testKeyPEM = """
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIA+TZSLR1tUGPFgboxt3/uDVbSCc3hZKfe5peXb1q9S+oAoGCCqGSM49
AwEHoUQDQgAEfLC1vaH+LAD48sGaHYUBIY1pJnhK5Z/8PlddD1RhEgvlDa8ciSLk
nbL2u8hMqmROOua7Ojs/EISMp6BY2EPIxA==
-----END EC PRIVATE KEY-----
"""
let testKeyName = "organizations/test-org/apiKeys/test-key"

@Suite struct CoinbaseJWTTests {
    let credentials = try! CoinbaseCredentials(keyName: testKeyName, privateKeyPEM: testKeyPEM)
    let now: Int64 = 1_780_000_000_000

    @Test func restTokenHasCoinbasesHeaderClaimsAndARawSignature() throws {
        let uri = CoinbaseJWT.uri(method: "get", host: "api.coinbase.com", path: "/api/v3/brokerage/orders/historical/batch?order_status=OPEN")
        #expect(uri == "GET api.coinbase.com/api/v3/brokerage/orders/historical/batch")   // no query string
        let token = try CoinbaseJWT.token(credentials, uri: uri, nowMs: now, nonce: "abcd")
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        let header = try JSONSerialization.jsonObject(with: CoinbaseJWT.base64urlDecode(parts[0])!) as! [String: String]
        #expect(header == ["alg": "ES256", "typ": "JWT", "kid": testKeyName, "nonce": "abcd"])
        let claims = try JSONSerialization.jsonObject(with: CoinbaseJWT.base64urlDecode(parts[1])!) as! [String: Any]
        #expect(claims["sub"] as? String == testKeyName)
        #expect(claims["iss"] as? String == "cdp")
        #expect(claims["nbf"] as? Int == 1_780_000_000)
        #expect(claims["exp"] as? Int == 1_780_000_120)
        #expect(claims["uri"] as? String == uri)
        #expect(CoinbaseJWT.base64urlDecode(parts[2])!.count == 64)   // r||s, not DER
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        let verified = try CoinbaseJWT.verify(token, publicKey: credentials.privateKey.publicKey, expectedURI: uri, nowMs: now + 60_000)
        #expect(verified.uri == uri)
        // A fresh nonce each time unless given.
        #expect(try CoinbaseJWT.token(credentials, uri: uri, nowMs: now) != CoinbaseJWT.token(credentials, uri: uri, nowMs: now))
    }

    /// A token made by another implementation (Python `cryptography`, the way Coinbase's SDK
    /// builds it) with the same key verifies here: the encoding agrees both ways.
    @Test func aTokenFromAnIndependentSignerVerifies() throws {
        let python = "eyJhbGciOiJFUzI1NiIsImtpZCI6Im9yZ2FuaXphdGlvbnMvdGVzdC1vcmcvYXBpS2V5cy90ZXN0LWtleSIsIm5vbmNlIjoiMDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmYiLCJ0eXAiOiJKV1QifQ"
            + ".eyJzdWIiOiJvcmdhbml6YXRpb25zL3Rlc3Qtb3JnL2FwaUtleXMvdGVzdC1rZXkiLCJpc3MiOiJjZHAiLCJuYmYiOjE3ODAwMDAwMDAsImV4cCI6MTc4MDAwMDEyMCwidXJpIjoiR0VUIGFwaS5jb2luYmFzZS5jb20vYXBpL3YzL2Jyb2tlcmFnZS9hY2NvdW50cyJ9"
            + ".GTmg_Wegd-syQcsCva-0iejxnkCwXbHc1RFpXS3ziIccL9WU_-INhRaBgs5VkjERF21jyTcz-j4Kl-O2PL7h5A"
        let claims = try CoinbaseJWT.verify(python, publicKey: credentials.privateKey.publicKey,
                                            expectedURI: "GET api.coinbase.com/api/v3/brokerage/accounts", nowMs: now + 1_000)
        #expect(claims.sub == testKeyName)
        // One byte of the claims changed: the signature no longer covers it.
        var parts = python.split(separator: ".").map(String.init)
        parts[1] = CoinbaseJWT.base64url(Data(#"{"sub":"organizations/test-org/apiKeys/test-key","iss":"cdp","nbf":1780000000,"exp":1780000120,"uri":"GET api.coinbase.com/api/v3/brokerage/orders"}"#.utf8))
        #expect(throws: CoinbaseJWTError.badSignature) {
            try CoinbaseJWT.verify(parts.joined(separator: "."), publicKey: credentials.privateKey.publicKey,
                                   expectedURI: "GET api.coinbase.com/api/v3/brokerage/orders", nowMs: now + 1_000)
        }
    }

    @Test func theVerifierRefusesWhatCoinbaseRefuses() throws {
        let uri = "POST api.coinbase.com/api/v3/brokerage/orders"
        let token = try CoinbaseJWT.token(credentials, uri: uri, nowMs: now)
        let key = credentials.privateKey.publicKey
        #expect(throws: CoinbaseJWTError.expired(expMs: now + 120_000, nowMs: now + 120_000)) {
            try CoinbaseJWT.verify(token, publicKey: key, expectedURI: uri, nowMs: now + 120_000)
        }
        #expect(throws: CoinbaseJWTError.notYetValid(nbfMs: now, nowMs: now - 5_000)) {
            try CoinbaseJWT.verify(token, publicKey: key, expectedURI: uri, nowMs: now - 5_000)
        }
        #expect(throws: CoinbaseJWTError.self) {   // the uri of another call
            try CoinbaseJWT.verify(token, publicKey: key, expectedURI: "GET api.coinbase.com/api/v3/brokerage/orders", nowMs: now)
        }
        #expect(throws: CoinbaseJWTError.badSignature) {   // another key
            try CoinbaseJWT.verify(token, publicKey: P256.Signing.PrivateKey().publicKey, expectedURI: uri, nowMs: now)
        }
        #expect(throws: CoinbaseJWTError.self) { try CoinbaseJWT.verify("a.b", publicKey: key, expectedURI: uri, nowMs: now) }
        // A WebSocket token has no uri, and a REST check of it fails.
        let ws = try CoinbaseJWT.token(credentials, uri: nil, nowMs: now)
        #expect(try CoinbaseJWT.verify(ws, publicKey: key, expectedURI: nil, nowMs: now).uri == nil)
        #expect(throws: CoinbaseJWTError.self) { try CoinbaseJWT.verify(ws, publicKey: key, expectedURI: uri, nowMs: now) }
    }

    @Test func keysAreReadAsUsersStoreThemAndBadOnesAreNamed() throws {
        // An environment variable with literal \n for newlines.
        let flattened = testKeyPEM.replacingOccurrences(of: "\n", with: "\\n")
        let c = try CoinbaseCredentials(keyName: " \(testKeyName)\n", privateKeyPEM: flattened)
        #expect(c.keyName == testKeyName)
        #expect(c.privateKey.publicKey.rawRepresentation == credentials.privateKey.publicKey.rawRepresentation)
        // PKCS#8 works too.
        let pkcs8 = credentials.privateKey.pemRepresentation
        #expect(try CoinbaseCredentials(keyName: testKeyName, privateKeyPEM: pkcs8).privateKey.rawRepresentation == credentials.privateKey.rawRepresentation)
        func message(_ name: String, _ pem: String) -> String {
            do { _ = try CoinbaseCredentials(keyName: name, privateKeyPEM: pem); return "accepted" } catch { return error.description }
        }
        #expect(message(testKeyName, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----").contains("Ed25519"))
        #expect(message(testKeyName, "MHcCAQEEIA").contains("not PEM"))
        #expect(message("", testKeyPEM).contains("key name is empty"))
        let broken = testKeyPEM.replacingOccurrences(of: "MHcCAQEEIA", with: "AAAAAAAAAA")
        let said = message(testKeyName, broken)
        #expect(said.contains("does not parse"))
        #expect(!said.contains("AAAAAAAAAA"))   // the key is never echoed
    }
}
