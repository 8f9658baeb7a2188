import NovaVenue

/// The venue's own fills of the trailing 30 days, for the fee tier: Kraken and Coinbase both
/// price a fill by the tier that the account's 30-day USD volume has reached.
struct FeeLedger: Codable {
    struct Entry: Codable { var timestampMs: Int64, notional: Double }
    private var fills: [Entry] = []
    private var head = 0
    /// Quote volume traded in the 30 days before the latest fill.
    private(set) var volume30d = 0.0

    /// The tier in force for a fill at `atMs` (fills of the 30 days before it).
    mutating func tier(_ profile: VenueProfile, atMs: Int64) -> VenueProfile.FeeTier {
        let cutoff = atMs - 30 * 86_400_000
        while head < fills.count && fills[head].timestampMs <= cutoff {
            volume30d -= fills[head].notional
            head += 1
        }
        if head > 4096 && head * 2 > fills.count {
            fills.removeFirst(head)
            head = 0
        }
        return profile.tier(forVolume: volume30d)
    }

    mutating func record(atMs: Int64, notional: Double) {
        fills.append(Entry(timestampMs: atMs, notional: notional))
        volume30d += notional
    }
}
