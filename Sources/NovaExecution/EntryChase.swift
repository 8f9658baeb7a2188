import NovaVenue

/// The limit-entry chase with market fallback (the seed's `limit_chase_attempts`): the entry
/// is a limit at the decision close; not filled by the next close, it is cancelled and, once
/// the venue confirms the cancel, placed again at that close, up to `attempts` times, then as a
/// market order. The replacement waits for the confirmation: a limit that fills while its
/// cancel is on the way is an entry, not a reason for a second one.
public struct EntryChase: Sendable, Equatable, Codable {
    /// Attempts made so far (0: a market entry, no chase).
    public var attempt = 0
    /// The quote budget of the entry, fee included, that every attempt spends.
    public var budget = 0.0
    /// Whether the working entry order is a limit (false once the chase fell back to market).
    public var isLimit = false
    /// A replacement is due once the venue confirms the cancel: at this price (nil: market).
    public var replacement: Replacement?

    public struct Replacement: Sendable, Equatable, Codable {
        public var limitPrice: Double?
        public var atMs: Int64
    }

    public init() {}

    /// Starts a chase: the first attempt is a limit, when `attempts` > 0.
    public init(attempts: Int, budget: Double) {
        self.attempt = attempts > 0 ? 1 : 0
        self.budget = budget
        self.isLimit = attempts > 0
    }

    /// Whether a limit entry unfilled at a close should be re-priced now.
    public var isChasing: Bool { isLimit && attempt > 0 }

    /// The next attempt after a close at `price`: a limit there, or a market order once
    /// `attempts` limits went unfilled.
    public mutating func next(close price: Double, attempts: Int, atMs: Int64) -> Replacement {
        let lastTry = attempt >= attempts
        let r = Replacement(limitPrice: lastTry ? nil : price, atMs: atMs)
        replacement = r
        return r
    }

    /// The replacement went out.
    public mutating func replaced() {
        guard let r = replacement else { return }
        if r.limitPrice == nil { isLimit = false } else { attempt += 1 }
        replacement = nil
    }

    /// The `entry_chase_attempts` recorded with the trade.
    public func recordedAttempts(configured: Int) -> Int { isLimit ? attempt : (attempt > 0 ? configured : 0) }
}

/// Typed exit retries: a transient refusal (rate limit, outage) is sent again at once, up to
/// `limit` times; a permanent one (invalid order, funds, authentication) is not.
public struct ExitRetry: Sendable, Equatable, Codable {
    public var count = 0
    public init() {}

    /// Whether to send the order again after `reason`; counts the retry when so.
    public mutating func shouldRetry(_ reason: VenueRejectReason, limit: Int) -> Bool {
        guard reason.isTransient && count < limit else { return false }
        count += 1
        return true
    }
}
