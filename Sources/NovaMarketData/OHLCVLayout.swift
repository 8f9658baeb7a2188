/// Where each OHLCV field sits in a CSV row, found from the header (or from the column count
/// of a headerless Kraken OHLCVT file).
public struct OHLCVLayout: Sendable, Equatable {
    public enum Field: Int, CaseIterable, Sendable {
        case timestamp, open, high, low, close, volume, trades, takerBuyVolume
        public var name: String {
            ["timestamp", "open", "high", "low", "close", "volume", "trades", "taker_buy_volume"][rawValue]
        }
    }

    /// `columns[i]` is the field of CSV column `i`, or nil for a column we ignore.
    public var columns: [Field?]
    public var hasHeader: Bool
    /// Header names we did not recognise (kept out of the data, reported once).
    public var ignoredColumns: [String]

    public var fieldCount: Int { columns.count }
    public func has(_ field: Field) -> Bool { columns.contains(field) }

    static let aliases: [String: Field] = [
        "timestamp": .timestamp, "time": .timestamp, "date": .timestamp, "datetime": .timestamp,
        "open_time": .timestamp, "opentime": .timestamp, "ts": .timestamp, "unix": .timestamp,
        "open": .open, "o": .open, "high": .high, "h": .high, "low": .low, "l": .low,
        "close": .close, "c": .close, "volume": .volume, "vol": .volume, "v": .volume,
        "base_volume": .volume, "trades": .trades, "count": .trades, "number_of_trades": .trades,
        "num_trades": .trades, "trade_count": .trades, "taker_buy_volume": .takerBuyVolume,
        "taker_buy_base_volume": .takerBuyVolume, "taker_buy_base_asset_volume": .takerBuyVolume,
    ]

    /// Builds a layout from the header names; throws naming what is missing.
    public static func fromHeader(_ names: [String], path: String) throws -> OHLCVLayout {
        var columns: [Field?] = []
        var ignored: [String] = []
        var seen = Set<Field>()
        for raw in names {
            let key = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if let field = aliases[key], !seen.contains(field) {
                columns.append(field)
                seen.insert(field)
            } else {
                columns.append(nil)
                ignored.append(raw)
            }
        }
        let required: [Field] = [.timestamp, .open, .high, .low, .close, .volume]
        let missing = required.filter { !seen.contains($0) }
        if !missing.isEmpty {
            throw MarketDataError.unrecognisedLayout(
                path: path, reason: "the header lacks \(missing.map(\.name).joined(separator: ", ")) (header: \(names.joined(separator: ",")))")
        }
        return OHLCVLayout(columns: columns, hasHeader: true, ignoredColumns: ignored)
    }

    /// Kraken's headerless OHLCVT export (`time,open,high,low,close,volume,trades`) or the same
    /// without trades.
    public static func headerless(fieldCount: Int, path: String) throws -> OHLCVLayout {
        switch fieldCount {
        case 6: return OHLCVLayout(columns: [.timestamp, .open, .high, .low, .close, .volume], hasHeader: false, ignoredColumns: [])
        case 7: return OHLCVLayout(columns: [.timestamp, .open, .high, .low, .close, .volume, .trades], hasHeader: false, ignoredColumns: [])
        default:
            throw MarketDataError.unrecognisedLayout(
                path: path, reason: "the first row has no header and \(fieldCount) columns (a headerless file needs 6 or 7)")
        }
    }
}

import Foundation
