import Foundation
import NovaCore

/// What a session talks through: the network as it is, the network with a tape recording it
/// (`--record`), or a tape instead of the network (`--replay`).
public struct LiveWiring {
    public let transport: any RESTTransport
    public let connector: any WebSocketConnector
    public let clock: any Clock
    public let recorder: TapeWriter?

    public init(http: any RESTTransport, ws: any WebSocketConnector, recordDirectory: String?, replay: Tape?, pairs: [Pair],
                exchange: String = "kraken") throws {
        if let tape = replay {
            let clock = TapeClock(startMs: tape.header.startedMs)
            transport = ReplayTransport(tape: tape, clock: clock)
            connector = ReplayConnector(tape: tape)
            self.clock = clock
            recorder = nil
        } else if let dir = recordDirectory {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let stamp = UTCTime.iso(now).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
                .replacingOccurrences(of: "T", with: "-").replacingOccurrences(of: "Z", with: "")
            let writer = try TapeWriter(path: (dir as NSString).appendingPathComponent("\(exchange)-\(stamp.prefix(15)).tape.zst"),
                                        header: TapeHeader(exchange: exchange, pairs: pairs.map(\.description), startedMs: now))
            transport = RecordingTransport(http, tape: writer)
            connector = RecordingConnector(ws, tape: writer)
            clock = WallClock()
            recorder = writer
        } else {
            transport = http
            connector = ws
            clock = WallClock()
            recorder = nil
        }
    }
}
