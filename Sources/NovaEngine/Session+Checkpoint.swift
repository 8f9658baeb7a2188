import Foundation
import NovaCore
import NovaSignals
import NovaVenue

/// A session's whole state as data: the engine (strategies and their indicators, risk,
/// executor, orders, trades, equity), the venue and the clock. The live runtime writes one
/// now and then so that a restart starts from it and replays only the journal written after
/// it, instead of every input since the session began.
///
/// Equal inputs give equal text (keys sorted, dictionaries keyed, shortest round-trip
/// numbers): a test compares a session restored from a checkpoint with one that replayed
/// everything, byte for byte.
public struct SessionCheckpoint<V: Venue & Codable, S: Strategy>: Codable {
    public var engine: Engine<S>
    public var venue: V
    public var clockMs: Int64
    public var nextPositionCheckMs: Int64
}

public enum CheckpointCoding {
    /// Non-finite numbers (an indicator's NaN "not yet") are written as strings.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        e.userInfo[.checkpoint] = true
        return e
    }
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        d.userInfo[.checkpoint] = true
        return d
    }
}

extension Session where V: Codable {
    /// The state now. Taken between turns: nothing is waiting to be sent or delivered.
    public var checkpoint: SessionCheckpoint<V, S> {
        SessionCheckpoint(engine: engine, venue: venue, clockMs: clock.nowMs(), nextPositionCheckMs: nextPositionCheckMs)
    }

    /// Puts this session in the checkpoint's state. Its clock must be a replay clock (a live
    /// stack's): it moves to the checkpoint's time.
    public mutating func restore(_ c: SessionCheckpoint<V, S>) {
        engine = c.engine
        venue = c.venue
        nextPositionCheckMs = c.nextPositionCheckMs
        (clock as? ReplayClock)?.advance(to: c.clockMs)
    }
}
