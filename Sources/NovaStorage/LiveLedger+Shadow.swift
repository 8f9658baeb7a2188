import Foundation
import GRDB

extension LiveLedger {
    /// One row of `shadow_fills`: a real order and the configured simulator's outcome for it;
    /// `detail` is the whole comparison as JSON (its reader: `novapulse live report`).
    public struct ShadowFillRow: Sendable, Equatable {
        public var clientOrderID: String
        public var pair: String
        public var side: String
        public var kind: String
        public var purpose: String
        public var decisionPrice: Double
        public var decidedAt: String
        public var realState: String
        public var realQuantity: Double
        public var realAveragePrice: Double?
        public var realFees: Double
        public var realFirstFillAt: String?
        public var simState: String
        public var simQuantity: Double
        public var simAveragePrice: Double?
        public var simFees: Double
        public var simFirstFillAt: String?
        public var settled: Bool
        public var detail: String

        public init(clientOrderID: String, pair: String, side: String, kind: String, purpose: String, decisionPrice: Double, decidedAt: String,
                    realState: String, realQuantity: Double, realAveragePrice: Double?, realFees: Double, realFirstFillAt: String?,
                    simState: String, simQuantity: Double, simAveragePrice: Double?, simFees: Double, simFirstFillAt: String?,
                    settled: Bool, detail: String) {
            self.clientOrderID = clientOrderID; self.pair = pair; self.side = side; self.kind = kind; self.purpose = purpose
            self.decisionPrice = decisionPrice; self.decidedAt = decidedAt; self.realState = realState; self.realQuantity = realQuantity
            self.realAveragePrice = realAveragePrice; self.realFees = realFees; self.realFirstFillAt = realFirstFillAt
            self.simState = simState; self.simQuantity = simQuantity; self.simAveragePrice = simAveragePrice; self.simFees = simFees
            self.simFirstFillAt = simFirstFillAt; self.settled = settled; self.detail = detail
        }
    }

    /// Writes the rows in one transaction; a row of the same client order id is replaced (an
    /// order written unsettled at a stop, settled later).
    public func upsertShadowFills(_ rows: [ShadowFillRow]) throws {
        guard !rows.isEmpty else { return }
        try store.writer.write { db in
            for r in rows {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO shadow_fills (client_order_id, pair, side, kind, purpose, decision_price, decided_at, real_state,
                        real_quantity, real_avg_price, real_fees, real_first_fill_at, sim_state, sim_quantity, sim_avg_price, sim_fees,
                        sim_first_fill_at, settled, detail, tenant_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [r.clientOrderID, r.pair, r.side, r.kind, r.purpose, r.decisionPrice, r.decidedAt, r.realState,
                                     r.realQuantity, r.realAveragePrice, r.realFees, r.realFirstFillAt, r.simState, r.simQuantity,
                                     r.simAveragePrice, r.simFees, r.simFirstFillAt, r.settled ? 1 : 0, r.detail, tenant])
            }
        }
    }

    /// Every row, in the order the orders were decided.
    public func shadowFills() throws -> [ShadowFillRow] {
        try store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM shadow_fills ORDER BY decided_at, client_order_id").map { r in
                ShadowFillRow(clientOrderID: r["client_order_id"], pair: r["pair"], side: r["side"], kind: r["kind"], purpose: r["purpose"],
                              decisionPrice: r["decision_price"], decidedAt: r["decided_at"], realState: r["real_state"],
                              realQuantity: r["real_quantity"], realAveragePrice: r["real_avg_price"], realFees: r["real_fees"],
                              realFirstFillAt: r["real_first_fill_at"], simState: r["sim_state"], simQuantity: r["sim_quantity"],
                              simAveragePrice: r["sim_avg_price"], simFees: r["sim_fees"], simFirstFillAt: r["sim_first_fill_at"],
                              settled: (r["settled"] as Int) != 0, detail: r["detail"])
            }
        }
    }
}
