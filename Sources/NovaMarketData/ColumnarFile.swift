import Foundation
import NovaCore

/// The binary columnar cache: a small JSON header, then each column as raw little-endian
/// 8-byte values starting on a 64-byte boundary.
///
/// Layout: `NPCOLS01` (8 bytes) | header length (UInt32 LE) | header JSON | zero padding to 64 |
/// column 0 | padding to 64 | column 1 | ... Loading is one file read plus one `memcpy` per
/// column, so a second load runs at memory speed instead of re-parsing text. Writes go to a
/// temporary file that is renamed over the old one: a crash never leaves a half-written cache.
enum ColumnarFile {
    static let magic: [UInt8] = Array("NPCOLS01".utf8)

    struct Header: Codable {
        var info: DatasetInfo
        var columns: [ColumnSpec]
    }

    struct ColumnSpec: Codable {
        var name: String
        var count: Int
        var type: String   // "i64" or "f64"
    }

    enum Column {
        case int64(String, [Int64])
        case float64(String, [Double])
        var spec: ColumnSpec {
            switch self {
            case .int64(let n, let v): return ColumnSpec(name: n, count: v.count, type: "i64")
            case .float64(let n, let v): return ColumnSpec(name: n, count: v.count, type: "f64")
            }
        }
    }

    static func write(_ columns: [Column], info: DatasetInfo, to path: String) throws {
        let header = Header(info: info, columns: columns.map(\.spec))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var data = Data(magic)
        var len = UInt32(json.count).littleEndian
        withUnsafeBytes(of: &len) { data.append(contentsOf: $0) }
        data.append(json)
        func pad() { let r = data.count % 64; if r != 0 { data.append(Data(count: 64 - r)) } }
        pad()
        for column in columns {
            switch column {
            case .int64(_, let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
            case .float64(_, let v): v.withUnsafeBytes { data.append(contentsOf: $0) }
            }
            pad()
        }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // What a write killed between its temporary file and the rename left (tens of MB each).
        OrphanFiles.remove(in: (path as NSString).deletingLastPathComponent, prefix: (path as NSString).lastPathComponent, marker: ".tmp-")
        let tmp = path + ".tmp-\(getpid())"
        do { try data.write(to: URL(fileURLWithPath: tmp)) } catch {
            // A full disk or a vanished folder: nothing half-written stays behind.
            try? FileManager.default.removeItem(atPath: tmp)
            throw MarketDataError.unreadable(path: path, reason: "cannot write the cache file (\(data.count) bytes): \((error as NSError).localizedDescription)")
        }
        if rename(tmp, path) != 0 {
            try? FileManager.default.removeItem(atPath: tmp)
            throw MarketDataError.unreadable(path: path, reason: "cannot replace the cache file: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads only the header (for listings).
    static func readHeader(_ path: String) throws -> Header {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MarketDataError.fileNotFound(path: path) }
        defer { try? handle.close() }
        let prefix = handle.readData(ofLength: 12)
        guard prefix.count == 12, Array(prefix.prefix(8)) == magic else {
            throw MarketDataError.corruptCache(path: path, reason: "not a NovaPulse columnar file")
        }
        let len = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
        let json = handle.readData(ofLength: len)
        guard json.count == len else { throw MarketDataError.corruptCache(path: path, reason: "truncated header") }
        do { return try JSONDecoder().decode(Header.self, from: json) } catch {
            throw MarketDataError.corruptCache(path: path, reason: "unreadable header: \(error)")
        }
    }

    /// Reads the header and every column.
    static func read(_ path: String) throws -> (Header, [String: Column]) {
        let header = try readHeader(path)
        // Each column is read straight into its array (pread), not through one Data of the whole
        // file copied out again: half the memory traffic of a cache load.
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MarketDataError.fileNotFound(path: path) }
        defer { close(fd) }
        var prefix = [UInt8](repeating: 0, count: 12)
        guard pread(fd, &prefix, 12, 0) == 12 else { throw MarketDataError.corruptCache(path: path, reason: "truncated header") }
        let size = Int(lseek(fd, 0, SEEK_END))
        var offset = 12 + (Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24)
        func align() { let r = offset % 64; if r != 0 { offset += 64 - r } }
        align()
        var out: [String: Column] = [:]
        func fill(_ buf: UnsafeMutableRawBufferPointer, _ name: String) throws {
            guard buf.count > 0 else { return }
            var done = 0
            while done < buf.count {
                let n = pread(fd, buf.baseAddress! + done, buf.count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw MarketDataError.corruptCache(path: path, reason: "column \(name) is truncated") }
                done += n
            }
        }
        for spec in header.columns {
            let bytes = spec.count * 8
            guard offset + bytes <= size else {
                throw MarketDataError.corruptCache(path: path, reason: "column \(spec.name) is truncated")
            }
            if spec.type == "i64" {
                let v = try [Int64](unsafeUninitializedCapacity: spec.count) { buf, n in
                    try fill(UnsafeMutableRawBufferPointer(buf), spec.name); n = spec.count
                }
                out[spec.name] = .int64(spec.name, v)
            } else {
                let v = try [Double](unsafeUninitializedCapacity: spec.count) { buf, n in
                    try fill(UnsafeMutableRawBufferPointer(buf), spec.name); n = spec.count
                }
                out[spec.name] = .float64(spec.name, v)
            }
            offset += bytes
            align()
        }
        return (header, out)
    }

    static func doubles(_ columns: [String: Column], _ name: String, path: String) throws -> [Double] {
        guard case .float64(_, let v)? = columns[name] else {
            throw MarketDataError.corruptCache(path: path, reason: "missing column \(name)")
        }
        return v
    }

    static func int64s(_ columns: [String: Column], _ name: String, path: String) throws -> [Int64] {
        guard case .int64(_, let v)? = columns[name] else {
            throw MarketDataError.corruptCache(path: path, reason: "missing column \(name)")
        }
        return v
    }
}
