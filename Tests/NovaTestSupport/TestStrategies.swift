import NovaCore
import NovaMarketData
import NovaSignals

/// Enters long on the first bar with the given stop and target, then holds: the smallest
/// strategy that puts one position through the engine's stop, exit and entry machinery.
public struct EnterOnce: Strategy {
    public var name: String { "enter_once" }
    public let stop: Double?
    public let target: Double?
    var done = false

    public init(stop: Double?, target: Double?) {
        self.stop = stop
        self.target = target
    }

    public mutating func onBar(_ bar: Bar, position: PositionState) -> StrategyAction {
        guard !done else { return .none }
        done = true
        return .enterLong(stopLoss: stop, takeProfit: target, strength: 1, reason: "test")
    }
}

extension Fixtures {
    /// A real day of one-minute BTC/USDT bars (1 June 2024, 1,440 bars), as BTC/USD on Kraken.
    public static func realDay() throws -> BarSeries {
        try OHLCVImporter(options: .init(pair: btcusd, exchange: .kraken)).importFile(path("btcusdt-1m-2024-06-01.csv")).bars
    }
}
