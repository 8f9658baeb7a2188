import Foundation
import NovaCore

/// The trading rules of one pair on one exchange: the price grid, the size grid and the
/// minimums an order must meet (Kraken AssetPairs `tick_size`, `lot_decimals`, `ordermin`,
/// `costmin`; Coinbase product `price_increment`, `base_increment`, `base_min_size`,
/// `quote_min_size`). A zero means "no rule".
public struct InstrumentSpec: Sendable, Equatable, Codable {
    /// Price increment: limit and trigger prices must be whole multiples of it.
    public var tickSize: Double
    /// Base quantities have at most this many decimal places (Kraken `lot_decimals`; Coinbase
    /// `base_increment` = 10^-lotDecimals).
    public var lotDecimals: Int
    /// Smallest order, in base units.
    public var minSize: Double
    /// Smallest order value, in quote currency.
    public var minCost: Double

    public init(tickSize: Double, lotDecimals: Int, minSize: Double, minCost: Double) {
        self.tickSize = tickSize; self.lotDecimals = lotDecimals; self.minSize = minSize; self.minCost = minCost
    }

    /// No grid and no minimums (a pair the profile has no rules for).
    public static let unrestricted = InstrumentSpec(tickSize: 0, lotDecimals: noLotGrid, minSize: 0, minCost: 0)
    /// `lotDecimals` at or above this: sizes are not cut to any grid.
    public static let noLotGrid = 16

    enum CodingKeys: String, CodingKey {
        case tickSize = "tick_size", lotDecimals = "lot_decimals", minSize = "min_size", minCost = "min_cost"
    }

    /// Whether `price` lies on the tick grid (to 1e-9 of a tick, for binary fractions like 0.1).
    public func isOnTick(_ price: Double) -> Bool {
        guard tickSize > 0 else { return true }
        let ticks = price / tickSize
        return abs(ticks - ticks.rounded()) <= 1e-9 * max(1, abs(ticks))
    }

    /// `price` moved onto the grid, down or up (a sell stop rounds down and a buy limit rounds
    /// down: never a more favourable price than the engine asked for).
    public func roundPrice(_ price: Double, up: Bool) -> Double {
        guard tickSize > 0, price.isFinite else { return price }
        let ticks = price / tickSize
        let nearest = ticks.rounded()
        // Already on the grid (up to float noise): keep it, so rounding is idempotent.
        if abs(ticks - nearest) <= 1e-9 * max(1, abs(ticks)) { return Self.clean(nearest * tickSize, tickSize) }
        return Self.clean((up ? ticks.rounded(.up) : ticks.rounded(.down)) * tickSize, tickSize)
    }

    /// Units cut down to the size grid (an exchange truncates, never rounds up).
    public func floorUnits(_ units: Double) -> Double {
        guard lotDecimals < Self.noLotGrid, units.isFinite else { return units }
        let scale = pow(10.0, Double(lotDecimals))
        let scaled = units * scale
        // Float noise just below a whole step (0.29999999999 for 0.3) still counts as the step.
        let nearest = scaled.rounded()
        if abs(scaled - nearest) <= 1e-7 { return nearest / scale }
        return scaled.rounded(.down) / scale
    }

    /// The smallest size increment (10^-lotDecimals); without a lot grid, 1e-12, below any
    /// size worth counting.
    public var lotStep: Double { lotDecimals < Self.noLotGrid ? pow(10, -Double(lotDecimals)) : 1e-12 }

    /// Whether `units` has no more decimals than the grid allows.
    public func isOnLot(_ units: Double) -> Bool {
        guard lotDecimals < Self.noLotGrid else { return true }
        let scaled = units * pow(10.0, Double(lotDecimals))
        return abs(scaled - scaled.rounded()) <= 1e-6
    }

    /// Removes binary noise from a multiple of the tick (0.30000000000000004 -> 0.3).
    static func clean(_ value: Double, _ tick: Double) -> Double {
        let decimals = max(0, Int((-log10(tick)).rounded(.up)))
        let scale = pow(10.0, Double(min(decimals + 2, 12)))
        return (value * scale).rounded() / scale
    }
}
