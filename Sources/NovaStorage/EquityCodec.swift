import Foundation

/// The compact form of a run's equity curve: timestamps delta-encoded, values XOR'd with their
/// predecessor (Gorilla-style, without the bit packing: zstd does the rest), little-endian,
/// each array one zstd frame. Decoding gives back the raw little-endian arrays, bit for bit.
enum EquityCodec {
    static func encode(_ equity: [(timestampMs: Int64, equity: Double)]) throws -> (Data, Data) {
        var prevT: Int64 = 0, prevV: UInt64 = 0
        var dt = [Int64](), dv = [UInt64]()
        dt.reserveCapacity(equity.count); dv.reserveCapacity(equity.count)
        for p in equity {
            dt.append((p.timestampMs &- prevT).littleEndian); prevT = p.timestampMs
            let bits = p.equity.bitPattern
            dv.append((bits ^ prevV).littleEndian); prevV = bits
        }
        return (try ZstdFrame.compress(dt.withUnsafeBytes { Data($0) }), try ZstdFrame.compress(dv.withUnsafeBytes { Data($0) }))
    }

    static func isCompressed(_ d: Data) -> Bool { d.count >= 4 && Array(d.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD] }

    /// The raw arrays (`points` little-endian Int64 timestamps and Float64 bit patterns).
    static func decode(_ ts: Data, _ eq: Data, points n: Int) throws -> (Data, Data) {
        let dt = try ZstdFrame.decompress(ts), dv = try ZstdFrame.decompress(eq)
        guard dt.count == n * 8, dv.count == n * 8 else { throw StorageError.database("a compressed equity curve has the wrong length") }
        var t = [Int64](repeating: 0, count: n), v = [UInt64](repeating: 0, count: n)
        var prevT: Int64 = 0, prevV: UInt64 = 0
        dt.withUnsafeBytes { a in
            dv.withUnsafeBytes { b in
                for i in 0..<n {
                    prevT = prevT &+ Int64(littleEndian: a.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
                    prevV ^= UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                    t[i] = prevT.littleEndian; v[i] = prevV.littleEndian
                }
            }
        }
        return (t.withUnsafeBytes { Data($0) }, v.withUnsafeBytes { Data($0) })
    }
}
