import CCSV

/// Receives the fields of a CSV stream one at a time (zero-copy, NUL-terminated bytes) and
/// the end of each record.
public protocol CSVSink: AnyObject {
    /// `bytes` is valid only during the call; it is NUL-terminated (libcsv `CSV_APPEND_NULL`),
    /// so C parsers such as `strtod` may read it directly.
    func field(_ bytes: UnsafePointer<CChar>, length: Int)
    func endRecord()
}

/// A thin wrapper over libcsv's push parser. libcsv handles quoting, embedded delimiters
/// and CRLF line ends; we feed it chunks from a `ByteStream` and it calls back per field.
public final class CSVReader {
    private var parser = csv_parser()
    private let sink: any CSVSink
    /// Nothing fed yet: a UTF-8 byte-order mark there (spreadsheet programs write one) is not
    /// part of the first field.
    private var atStart = true
    private var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
    /// Bytes fed since the last field ended, and the records so far: a "field" that grows past
    /// `maxFieldBytes` is not market data (`/dev/zero`, a binary file), and reading it on
    /// would take the machine's memory.
    private var bytesSinceField = 0
    private var fieldEnded = false
    private var records = 0
    public static let maxFieldBytes = 16 << 20
    /// The file being read, for the errors.
    public var path = ""

    public init(sink: any CSVSink) throws {
        self.sink = sink
        guard csv_init(&parser, UInt8(CSV_APPEND_NULL)) == 0 else {
            throw MarketDataError.unreadable(path: "", reason: "libcsv could not initialise")
        }
    }

    deinit { csv_free(&parser) }

    public func parse(_ chunk: UnsafeRawBufferPointer) throws {
        guard var base = chunk.baseAddress, !chunk.isEmpty else { return }
        var count = chunk.count
        if atStart {
            atStart = false
            if count >= 3 && chunk[0] == 0xEF && chunk[1] == 0xBB && chunk[2] == 0xBF {
                base += 3
                count -= 3
                if count == 0 { return }
            }
        }
        fieldEnded = false
        let consumed = csv_parse(&parser, base, count, csvFieldCallback, csvRecordCallback, opaque)
        if consumed != count {
            throw MarketDataError.unreadable(path: path, reason: String(cString: csv_strerror(csv_error(&parser))))
        }
        bytesSinceField = fieldEnded ? 0 : bytesSinceField + count
        if bytesSinceField > Self.maxFieldBytes {
            throw MarketDataError.unreadable(path: path, reason: "line \(records + 1) has a field over \(Self.maxFieldBytes >> 20) MB with no end: "
                                             + "not a CSV of market data (a binary file, or a device such as /dev/zero?)")
        }
    }

    /// Flushes a last record that has no trailing newline.
    public func finish() {
        csv_fini(&parser, csvFieldCallback, csvRecordCallback, opaque)
    }

    fileprivate func deliverField(_ data: UnsafeMutableRawPointer?, _ length: Int) {
        fieldEnded = true
        if let data {
            sink.field(data.assumingMemoryBound(to: CChar.self), length: length)
        } else {
            var nul: CChar = 0
            withUnsafePointer(to: &nul) { sink.field($0, length: 0) }
        }
    }

    fileprivate func deliverEnd() {
        records += 1
        sink.endRecord()
    }
}

// libcsv wants plain C function pointers; the reader comes back through the user pointer.
private func csvFieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ user: UnsafeMutableRawPointer?) {
    Unmanaged<CSVReader>.fromOpaque(user!).takeUnretainedValue().deliverField(data, length)
}

private func csvRecordCallback(_ terminator: Int32, _ user: UnsafeMutableRawPointer?) {
    Unmanaged<CSVReader>.fromOpaque(user!).takeUnretainedValue().deliverEnd()
}
