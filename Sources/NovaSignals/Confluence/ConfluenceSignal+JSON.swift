import NovaCore

extension ConfluenceSignal {
    /// The signal as JSON with the same keys as its Codable form, written by hand: a long
    /// backtest stores hundreds of thousands of these, and JSONEncoder would dominate the run.
    /// Numbers use Swift's shortest round-trip form, so JSONDecoder reads back the same values.
    public func json() -> String {
        var s = "{"
        func key(_ k: String) { if s.count > 1 { s += "," }; s += "\"\(k)\":" }
        func str(_ v: String) -> String {
            var o = "\""
            for c in v.unicodeScalars {
                switch c {
                case "\"": o += "\\\""
                case "\\": o += "\\\\"
                case "\n": o += "\\n"
                default: o.unicodeScalars.append(c)
                }
            }
            return o + "\""
        }
        func num(_ v: Double) -> String { v.isFinite ? v.description : "null" }
        key("timestamp_ms"); s += String(timestampMs)
        key("direction"); s += str(direction.rawValue)
        key("strength"); s += num(strength)
        key("confidence"); s += num(confidence)
        key("confluence_count"); s += String(confluenceCount)
        key("signals"); s += "[" + signals.map { v in
            "{\"strategy\":\(str(v.strategy)),\"direction\":\(str(v.direction.rawValue)),\"strength\":\(num(v.strength)),\"weight\":\(num(v.weight)),\"reason\":\(str(v.reason))}"
        }.joined(separator: ",") + "]"
        key("obi"); s += obi.map(num) ?? "null"
        key("book_score"); s += bookScore.map(num) ?? "null"
        key("obi_agrees"); s += obiAgrees ? "true" : "false"
        key("is_sure_fire"); s += isSureFire ? "true" : "false"
        key("entry_price"); s += num(entryPrice)
        key("stop_loss"); s += num(stopLoss)
        key("take_profit"); s += num(takeProfit)
        key("regime"); s += str(regime)
        key("volatility_regime"); s += str(volatilityRegime)
        key("vol_level"); s += num(volLevel)
        key("vol_expanding"); s += volExpanding ? "true" : "false"
        key("timeframe_agreement"); s += String(timeframeAgreement)
        key("timeframes"); s += "{" + timeframes.sorted { $0.key < $1.key }.map { "\(str($0.key)):\(str($0.value))" }.joined(separator: ",") + "}"
        key("rejection"); s += rejection.map(str) ?? "null"
        return s + "}"
    }
}
