import CZstd
import Foundation

/// One buffer as one zstd frame and back: what the store compresses its blocks with (signal
/// blocks, equity curves). The frame records its size, so decoding allocates once.
public enum ZstdFrame {
    public static func compress(_ data: Data) throws -> Data {
        let bound = ZSTD_compressBound(data.count)
        var out = Data(count: bound)
        let n = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in ZSTD_compress(dst.baseAddress, bound, src.baseAddress, data.count, 3) }
        }
        guard ZSTD_isError(n) == 0 else { throw StorageError.database("zstd: \(String(cString: ZSTD_getErrorName(n)))") }
        out.count = n
        return out
    }

    public static func decompress(_ data: Data) throws -> Data {
        let size = data.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, data.count) }
        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are not imported into Swift (SWIFT-NOTES.md).
        guard size != UInt64.max, size != UInt64.max - 1, size < 1 << 32 else { throw StorageError.database("zstd: a stored block has no size") }
        var out = Data(count: Int(size))
        let n = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in ZSTD_decompress(dst.baseAddress, Int(size), src.baseAddress, data.count) }
        }
        guard ZSTD_isError(n) == 0, n == Int(size) else { throw StorageError.database("zstd: a stored block is damaged") }
        return out
    }
}
