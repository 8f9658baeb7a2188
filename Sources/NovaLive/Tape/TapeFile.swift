import CZstd
import Foundation
import NovaStorage

/// One recorded event of a wire tape: a REST reply, a WebSocket connection opening or failing,
/// a text frame, a close. `atMs` is when it was received (wall clock, UTC ms).
public struct TapeEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case rest, connect, connectFailed = "connect_failed", frame = "ws", close
    }
    public var atMs: Int64
    public var kind: Kind
    /// The WebSocket connection (1, 2, ...) for connection events; 0 for REST.
    public var connection = 0
    /// REST: method and path with query (no host); close and failure: the reason.
    public var method = ""
    public var path = ""
    public var status = 0
    /// REST: the reply body; frame: the text.
    public var text = ""

    public init(atMs: Int64, kind: Kind, connection: Int = 0, method: String = "", path: String = "", status: Int = 0, text: String = "") {
        self.atMs = atMs; self.kind = kind; self.connection = connection; self.method = method; self.path = path
        self.status = status; self.text = text
    }

    var json: [String: Any] {
        var o: [String: Any] = ["t": atMs, "k": kind.rawValue]
        if connection != 0 { o["c"] = connection }
        if !method.isEmpty { o["m"] = method }
        if !path.isEmpty { o["u"] = path }
        if status != 0 { o["s"] = status }
        if !text.isEmpty { o["d"] = text }
        return o
    }

    init?(json o: [String: Any]) {
        guard let t = (o["t"] as? NSNumber)?.int64Value, let k = (o["k"] as? String).flatMap(Kind.init) else { return nil }
        self.init(atMs: t, kind: k, connection: (o["c"] as? NSNumber)?.intValue ?? 0, method: o["m"] as? String ?? "",
                  path: o["u"] as? String ?? "", status: (o["s"] as? NSNumber)?.intValue ?? 0, text: o["d"] as? String ?? "")
    }
}

/// What the tape was recorded from.
public struct TapeHeader: Sendable, Equatable {
    public var exchange: String
    public var pairs: [String]
    public var startedMs: Int64
    public init(exchange: String, pairs: [String], startedMs: Int64) { self.exchange = exchange; self.pairs = pairs; self.startedMs = startedMs }
}

/// Writes a tape: JSON lines (a header, then one event per line) compressed as a sequence of
/// independent zstd frames, one per flush (every second or 256 KiB, and at the end). Any
/// prefix of whole frames is a readable tape, so a crash loses at most the last second.
public final class TapeWriter: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private let handle: FileHandle
    private var buffer = Data()
    private var lastFlushMs = Int64(Date().timeIntervalSince1970 * 1000)
    public private(set) var events = 0

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(path: String, header: TapeHeader) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: nil) , let h = FileHandle(forWritingAtPath: path) else {
            throw Failure(description: "cannot create the tape \(path)")
        }
        handle = h
        append(["k": "header", "format": "novapulse-tape", "version": 1, "exchange": header.exchange, "pairs": header.pairs, "t": header.startedMs])
    }

    public func record(_ e: TapeEvent) {
        append(e.json)
    }

    private func append(_ obj: [String: Any]) {
        guard let line = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) else { return }
        lock.withLock {
            buffer.append(line)
            buffer.append(0x0A)
            events += 1
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            if buffer.count >= 256 << 10 || now - lastFlushMs >= 1_000 { flushLocked(now) }
        }
    }

    /// Compresses what is buffered as one zstd frame and writes it.
    public func flush() { lock.withLock { flushLocked(Int64(Date().timeIntervalSince1970 * 1000)) } }

    private func flushLocked(_ now: Int64) {
        lastFlushMs = now
        guard !buffer.isEmpty, let out = try? ZstdFrame.compress(buffer) else { return }
        handle.write(out)
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() {
        flush()
        try? handle.close()
    }
}

/// A tape read back: its header and events, and whether it ended mid-frame (a crash while
/// recording: the whole frames before are kept).
public struct Tape: Sendable {
    public var header: TapeHeader
    public var events: [TapeEvent]
    public var truncated: Bool

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "\(path): cannot read the tape") }
        var text = Data()
        var truncated = false
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let base = raw.baseAddress!.advanced(by: offset)
                // Where this frame ends; then the store's one-frame decoder (it checks the size).
                let size = ZSTD_findFrameCompressedSize(base, raw.count - offset)
                guard ZSTD_isError(size) == 0, let frame = try? ZstdFrame.decompress(Data(bytes: base, count: size)) else {
                    if offset == 0 { throw Failure(description: "\(path) is not a novapulse tape (not zstd frames)") }
                    truncated = true
                    break
                }
                text.append(frame)
                offset += size
            }
        }
        var header: TapeHeader?
        var events: [TapeEvent] = []
        for (i, line) in text.split(separator: 0x0A).enumerated() {
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw Failure(description: "\(path): line \(i + 1) of the tape is not JSON")
            }
            if i == 0 {
                guard obj["format"] as? String == "novapulse-tape", (obj["version"] as? NSNumber)?.intValue == 1 else {
                    throw Failure(description: "\(path) is not a novapulse tape (version 1)")
                }
                header = TapeHeader(exchange: obj["exchange"] as? String ?? "", pairs: obj["pairs"] as? [String] ?? [],
                                    startedMs: (obj["t"] as? NSNumber)?.int64Value ?? 0)
                continue
            }
            guard let e = TapeEvent(json: obj) else { throw Failure(description: "\(path): line \(i + 1) is not a tape event") }
            events.append(e)
        }
        guard let header else { throw Failure(description: "\(path): the tape is empty") }
        self.header = header
        self.events = events
        self.truncated = truncated
    }
}
