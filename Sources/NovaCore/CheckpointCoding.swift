import Foundation

extension CodingUserInfoKey {
    /// Set by the live checkpoint's coders. Configuration types whose YAML form leaves some
    /// fields to other sections (the `risk` section fills the gates' caps) write those fields
    /// too when it is set: a checkpoint restores every field, a YAML schema shows only its own.
    public static let checkpoint = CodingUserInfoKey(rawValue: "novapulse.checkpoint")!
}

extension Decoder {
    public var isCheckpoint: Bool { userInfo[.checkpoint] as? Bool == true }
}

extension Encoder {
    public var isCheckpoint: Bool { userInfo[.checkpoint] as? Bool == true }
}

extension KeyedDecodingContainer {
    /// Sets `value` from `key` when it is there (a default stays otherwise).
    public func update<T: Decodable>(_ value: inout T, _ key: Key) throws {
        if let v = try decodeIfPresent(T.self, forKey: key) { value = v }
    }
}
