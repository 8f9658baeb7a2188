import NovaCore

extension ConfluenceSignal {
    /// The signal as JSON with the same keys as its Codable form, written by hand: a long
    /// backtest stores hundreds of thousands of these, and JSONEncoder would dominate the run.
    /// Numbers use Swift's shortest round-trip form, so JSONDecoder reads back the same values.
    /// `compact` leaves out each vote's reason and weight (fixed per strategy and config), which
    /// are most of the bytes, for storing many evaluations.
    public func json(compact: Bool = false) -> String {
        var o: [UInt8] = []
        o.reserveCapacity(640)
        o.append(123)
        var first = true
        func raw(_ t: String) { o.append(contentsOf: t.utf8) }
        func key(_ k: StaticString) {
            if !first { o.append(44) }
            first = false
            o.append(34)
            o.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            o.append(34); o.append(58)
        }
        func str(_ v: String) {
            o.append(34)
            for c in v.utf8 {
                switch c {
                case 34: o.append(92); o.append(34)
                case 92: o.append(92); o.append(92)
                case 10: o.append(92); o.append(110)
                default: o.append(c)
                }
            }
            o.append(34)
        }
        func num(_ v: Double) { raw(v.isFinite ? v.description : "null") }
        func bool(_ b: Bool) { raw(b ? "true" : "false") }
        key("timestamp_ms"); raw(String(timestampMs))
        key("direction"); str(direction.rawValue)
        key("strength"); num(strength)
        key("confidence"); num(confidence)
        key("confluence_count"); raw(String(confluenceCount))
        key("signals"); o.append(91)
        for (i, v) in signals.enumerated() {
            if i > 0 { o.append(44) }
            raw("{\"strategy\":"); str(v.strategy)
            raw(",\"direction\":"); str(v.direction.rawValue)
            raw(",\"strength\":"); num(v.strength)
            if !compact {
                raw(",\"weight\":"); num(v.weight ?? 0)
                raw(",\"reason\":"); str(v.reason ?? "")
            }
            o.append(125)
        }
        o.append(93)
        key("obi"); if let obi { num(obi) } else { raw("null") }
        key("book_score"); if let bookScore { num(bookScore) } else { raw("null") }
        key("obi_agrees"); bool(obiAgrees)
        key("is_sure_fire"); bool(isSureFire)
        key("entry_price"); num(entryPrice)
        key("stop_loss"); num(stopLoss)
        key("take_profit"); num(takeProfit)
        key("regime"); str(regime)
        key("volatility_regime"); str(volatilityRegime)
        key("vol_level"); num(volLevel)
        key("vol_expanding"); bool(volExpanding)
        key("timeframe_agreement"); raw(String(timeframeAgreement))
        key("timeframes"); o.append(123)
        for (i, kv) in timeframes.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { o.append(44) }
            str(kv.key); o.append(58); str(kv.value)
        }
        o.append(125)
        key("rejection"); if let rejection { str(rejection) } else { raw("null") }
        o.append(125)
        return String(decoding: o, as: UTF8.self)
    }
}
