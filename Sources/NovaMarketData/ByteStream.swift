import CZstd
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file as a stream of byte chunks, decompressing `.zst` on the fly with libzstd's
/// streaming API, and fingerprints the bytes on disk (SHA-256 of the file as stored) in the
/// same pass.
///
/// Memory stays bounded by the chunk sizes (about 1 MiB in, 128 KiB out for zstd) whatever
/// the file's size: the decompressed file is never held whole.
public struct ByteStream {
    public let path: String
    public private(set) var fingerprint = ""
    public private(set) var bytesOnDisk: Int = 0

    public init(path: String) { self.path = path }

    public var isZstd: Bool { path.hasSuffix(".zst") || path.hasSuffix(".zstd") }

    /// Calls `body` with each chunk of (decompressed) content, in order.
    public mutating func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let file = fopen(path, "rb") else {
            if errno == ENOENT { throw MarketDataError.fileNotFound(path: path) }
            throw MarketDataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        // Hashing runs on a second core, overlapped with decompression and parsing.
        let hasher = BackgroundHasher()
        let inSize = 1 << 20
        let input = UnsafeMutableRawPointer.allocate(byteCount: inSize, alignment: 64)
        defer { input.deallocate() }
        if isZstd {
            guard let stream = ZSTD_createDStream() else {
                throw MarketDataError.decompression(path: path, reason: "cannot allocate a decoder")
            }
            defer { ZSTD_freeDStream(stream) }
            ZSTD_initDStream(stream)
            let outSize = ZSTD_DStreamOutSize()
            let output = UnsafeMutableRawPointer.allocate(byteCount: outSize, alignment: 64)
            defer { output.deallocate() }
            var lastResult: Int = 0
            var sawInput = false
            while true {
                let n = fread(input, 1, inSize, file)
                if n == 0 { break }
                sawInput = true
                bytesOnDisk += n
                hasher.update(UnsafeRawBufferPointer(start: input, count: n))
                var inBuf = ZSTD_inBuffer(src: input, size: n, pos: 0)
                while inBuf.pos < inBuf.size {
                    var outBuf = ZSTD_outBuffer(dst: output, size: outSize, pos: 0)
                    let r = ZSTD_decompressStream(stream, &outBuf, &inBuf)
                    if ZSTD_isError(r) != 0 {
                        throw MarketDataError.decompression(path: path, reason: String(cString: ZSTD_getErrorName(r)))
                    }
                    lastResult = r
                    if outBuf.pos > 0 { try body(UnsafeRawBufferPointer(start: output, count: outBuf.pos)) }
                }
                // Drain output the decoder still holds for this input.
                while lastResult != 0 {
                    var outBuf = ZSTD_outBuffer(dst: output, size: outSize, pos: 0)
                    var empty = ZSTD_inBuffer(src: input, size: 0, pos: 0)
                    let r = ZSTD_decompressStream(stream, &outBuf, &empty)
                    if ZSTD_isError(r) != 0 {
                        throw MarketDataError.decompression(path: path, reason: String(cString: ZSTD_getErrorName(r)))
                    }
                    lastResult = r
                    if outBuf.pos == 0 { break }
                    try body(UnsafeRawBufferPointer(start: output, count: outBuf.pos))
                }
            }
            if ferror(file) != 0 { throw MarketDataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            if sawInput && lastResult != 0 {
                throw MarketDataError.decompression(path: path, reason: "the file ends in the middle of a zstd frame (truncated)")
            }
        } else {
            while true {
                let n = fread(input, 1, inSize, file)
                if n == 0 { break }
                bytesOnDisk += n
                let chunk = UnsafeRawBufferPointer(start: input, count: n)
                hasher.update(chunk)
                try body(chunk)
            }
            if ferror(file) != 0 { throw MarketDataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        }
        fingerprint = hasher.finalizeHex()
    }
}

/// SHA-256 on a serial background queue: `update` copies the chunk and returns at once.
private final class BackgroundHasher: @unchecked Sendable {
    private var sha = SHA256()
    private let queue = DispatchQueue(label: "novapulse.fingerprint")

    func update(_ bytes: UnsafeRawBufferPointer) {
        let copy = [UInt8](bytes)
        queue.async { self.sha.update(copy) }
    }

    func finalizeHex() -> String {
        queue.sync { sha.finalizeHex() }
    }
}
