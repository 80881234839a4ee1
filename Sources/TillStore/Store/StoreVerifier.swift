import TillCore

/// The outcome of `Store.verify()`.
///
/// Guarantees: `problems` is empty exactly when `PRAGMA integrity_check` and `foreign_key_check` passed and every
/// invariant below held.
public struct VerificationReport: Sendable, Hashable {
    public var problems: [String]
    public var isSound: Bool { problems.isEmpty }
}

/// The storage-level invariants of Till's schema.
///
/// - the file passes `integrity_check` and `foreign_key_check`;
/// - every wallet: `balance >= 0`, `pending >= 0`, `balance + pending == SUM(ledger.delta)` of its rows through
///   `counted_through`, which hold a purchase's rows exactly when the purchase is at or before `purchases_through`;
///   the rows after it neither pending nor taking the balance below zero, and the balance readers derive (the
///   later purchases' moves from `purchase_members`, `WalletTotals`) equal to the base plus the later rows; its
///   ledger rows belong to the wallet's member;
/// - punches recorded on a `purchase_members` row are positive and name a punch card of that member; a card that is
///   not active has no punches after its row (`CardPunches`);
/// - the points and credit on a `purchase_members` row that is its purchase's activity entry (schema v7) are the sums
///   of that member's ledger rows of the purchase, per wallet (`MemberActivity`), and every ledger row of a purchase
///   has its member's row of the purchase;
/// - `(branch_id, pos_id, transaction_id)` and `(branch_id, pos_id, reversal_id)` are unique; in-use identifiers are
///   unique per kind;
/// - cumulative returned quantities never exceed the purchased quantity of the line.
public enum StoreVerifier {
    static let limit = 20

    public static func verify(_ connection: Connection) throws -> VerificationReport {
        var problems: [String] = []
        try connection.statement("PRAGMA integrity_check").forEachRow { row in
            let line = row.text(0)
            if line != "ok" { problems.append("integrity: \(line)") }
        }
        try connection.statement("PRAGMA foreign_key_check").forEachRow { row in
            problems.append("foreign key: \(row.text(0)) rowid \(row.optionalInt64(1) ?? -1) -> \(row.text(2))")
        }
        // A wallet's row is a base holding its ledger rows up to `counted_through` (a purchase's exactly when the
        // purchase is at or before `purchases_through`); what came after it is summed by readers (`WalletTotals`),
        // never pending, never takes the wallet below zero, and is what the ledger holds after the base.
        try collect(&problems, connection, """
            SELECT 'wallet ' || w.id || ': balance ' || w.balance || ' + pending ' || w.pending
                   || ' <> ledger sum ' || coalesce(l.folded, 0) || ' through row ' || w.counted_through
                   || ', or the rows after it (' || coalesce(l.later, 0) || ') leave it below zero or pending, or '
                   || coalesce(l.misplaced, 0) || ' purchase rows on the wrong side of purchase ' || w.purchases_through
                   || ', or readers derive ' || \(WalletTotals.availableBalance)
            FROM wallets w LEFT JOIN (
                SELECT l.wallet_id, sum(CASE WHEN l.id <= w2.counted_through THEN l.delta ELSE 0 END) AS folded,
                       sum(CASE WHEN l.id > w2.counted_through THEN l.delta ELSE 0 END) AS later,
                       sum(l.id > w2.counted_through AND l.available_at IS NOT NULL) AS later_pending,
                       sum(l.purchase_id IS NOT NULL AND (l.id <= w2.counted_through) <> (l.purchase_id <= w2.purchases_through))
                           AS misplaced
                FROM ledger l JOIN wallets w2 ON w2.id = l.wallet_id GROUP BY l.wallet_id) l
                ON l.wallet_id = w.id
            WHERE w.balance < 0 OR w.pending < 0 OR w.balance + w.pending <> coalesce(l.folded, 0)
               OR w.balance + coalesce(l.later, 0) < 0 OR coalesce(l.later_pending, 0) > 0 OR coalesce(l.misplaced, 0) > 0
               OR \(WalletTotals.availableBalance) <> w.balance + coalesce(l.later, 0)
            """)
        // Punches recorded on a purchase's member row belong to a punch card of that member; a card that is no
        // longer active has every punch in its row (`CardPunches`).
        try collect(&problems, connection, """
            SELECT 'purchase row ' || pm.purchase_id || ' of member ' || pm.member_id || ': ' || pm.punches
                   || ' punches on benefit ' || coalesce(pm.punch_benefit_id, 'none')
            FROM purchase_members pm LEFT JOIN member_benefits b ON b.id = pm.punch_benefit_id
            WHERE (pm.punch_benefit_id IS NULL AND pm.punches <> 0)
               OR (pm.punch_benefit_id IS NOT NULL AND (pm.punches <= 0 OR b.member_id IS NOT pm.member_id OR b.kind IS NOT 'punchCard'))
            """)
        try collect(&problems, connection, """
            SELECT 'benefit ' || b.public_id || ' is ' || b.status || ' with ' || (\(CardPunches.count) - b.punches)
                   || ' punches after its row'
            FROM member_benefits b WHERE b.kind = 'punchCard' AND b.status <> 'active' AND \(CardPunches.count) <> b.punches
            """)
        // A purchase's activity entry (its member row since v7) says what the purchase's ledger rows moved for the
        // member; voids and returns never change it.
        try collect(&problems, connection, """
            SELECT 'purchase row ' || pm.purchase_id || ' of member ' || pm.member_id || ': entry moves '
                   || pm.points_delta || ' points and ' || pm.credit_delta || ' credit, its ledger rows '
                   || coalesce(l.points, 0) || ' and ' || coalesce(l.credit, 0)
            FROM purchase_members pm LEFT JOIN (
                SELECT l.purchase_id, l.member_id, sum(CASE WHEN w.kind = 'points' THEN l.delta ELSE 0 END) AS points,
                       sum(CASE WHEN w.kind = 'credit' THEN l.delta ELSE 0 END) AS credit
                FROM ledger l JOIN wallets w ON w.id = l.wallet_id WHERE l.purchase_id IS NOT NULL
                GROUP BY l.purchase_id, l.member_id) l ON l.purchase_id = pm.purchase_id AND l.member_id = pm.member_id
            WHERE pm.entry_after IS NOT NULL AND (pm.points_delta <> coalesce(l.points, 0) OR pm.credit_delta <> coalesce(l.credit, 0))
            """)
        // A purchase's ledger rows are found, and summed into their wallets, through their member's row of the
        // purchase (`WalletTotals`): every one has it.
        try collect(&problems, connection, """
            SELECT 'ledger ' || l.id || ' of purchase row ' || l.purchase_id || ': member ' || l.member_id
                   || ' has no row of that purchase'
            FROM ledger l WHERE l.purchase_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM purchase_members pm WHERE pm.member_id = l.member_id AND pm.purchase_id = l.purchase_id)
            """)
        try collect(&problems, connection, """
            SELECT 'ledger ' || l.id || ': member ' || l.member_id || ' but wallet of member ' || w.member_id
            FROM ledger l JOIN wallets w ON w.id = l.wallet_id WHERE l.member_id <> w.member_id
            """)
        try collect(&problems, connection, """
            SELECT 'purchase ' || branch_id || '/' || pos_id || '/' || transaction_id || ' stored ' || count(*) || ' times'
            FROM purchases GROUP BY branch_id, pos_id, transaction_id HAVING count(*) > 1
            """)
        try collect(&problems, connection, """
            SELECT 'reversal ' || branch_id || '/' || pos_id || '/' || reversal_id || ' stored ' || count(*) || ' times'
            FROM reversals GROUP BY branch_id, pos_id, reversal_id HAVING count(*) > 1
            """)
        try collect(&problems, connection, """
            SELECT 'identifier ' || kind || ' in use ' || count(*) || ' times'
            FROM member_identifiers WHERE released_at IS NULL GROUP BY kind, value HAVING count(*) > 1
            """)
        try checkReturns(&problems, connection)
        return VerificationReport(problems: problems)
    }

    /// Cumulative returned quantity per line against the line's quantity in the purchase record (the lines live
    /// in the record, not in rows: checked here, one returned purchase at a time).
    private static func checkReturns(_ problems: inout [String], _ connection: Connection) throws {
        var purchased: (id: Int64, lines: [String: Int64])? = nil
        try connection.statement("""
            SELECT r.purchase_id, r.line_id, sum(r.quantity), p.record FROM returned_quantities r
            JOIN purchases p ON p.id = r.purchase_id GROUP BY r.purchase_id, r.line_id ORDER BY r.purchase_id
            """).forEachRow { row in
            guard problems.count < limit else { return }
            let purchaseId = row.int64(0)
            if purchased?.id != purchaseId {
                var lines: [String: Int64] = [:]
                if let record = try? PurchaseRecord(text: String(decoding: row.optionalBlob(3) ?? [], as: UTF8.self)) {
                    for line in record.lines { lines[line.lineId, default: 0] += line.quantity.thousandths }
                } else {
                    problems.append("purchase \(purchaseId): record unreadable")
                }
                purchased = (purchaseId, lines)
            }
            let lineId = row.text(1)
            let returned = row.int64(2)
            let bought = purchased?.lines[lineId] ?? 0
            if returned > bought { problems.append("purchase \(purchaseId) line \(lineId): returned \(returned) of \(bought)") }
        }
    }

    private static func collect(_ problems: inout [String], _ connection: Connection, _ sql: String) throws {
        try connection.statement(sql + " LIMIT \(limit)").forEachRow { problems.append($0.text(0)) }
    }
}
