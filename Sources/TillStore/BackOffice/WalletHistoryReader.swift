import TillCore
import TillProtocol

/// `wallet.history`: a member's ledger, newest first, with each row's source and the wallet's running total.
///
/// Guarantees: rows come newest first in a stable order (ledger id) with a cursor that never skips or repeats one;
/// `balanceAfter` is the sum of the wallet's rows up to and including the row (so the newest row's equals the
/// wallet's available plus pending balance); every row names where it came from (the purchase, void or return with
/// its terminal, the operator, or the system) and why.
struct WalletHistoryReader {
    let now: Timestamp

    /// A page of member `?1`'s ledger rows before row `?2`, of wallet kind `?3` (NULL: both), at most `?4` rows,
    /// newest first; `?5` bounds the purchases whose rows can come before `?2` (`page`).
    static let rows = """
        SELECT l.id, l.created_at, w.kind, l.delta, l.kind, l.reason, l.available_at,
               p.branch_id, p.pos_id, p.transaction_id, r.branch_id, r.pos_id, r.reversal_id, r.kind, o.name, l.operator_id
        FROM ledger l JOIN wallets w ON w.id = l.wallet_id
        LEFT JOIN purchases p ON p.id = l.purchase_id
        LEFT JOIN reversals r ON r.id = l.reversal_id
        LEFT JOIN operators o ON o.id = l.operator_id
        WHERE l.id IN (
            SELECT id FROM (
                SELECT l.id FROM wallets w JOIN ledger l ON l.wallet_id = w.id AND l.purchase_id IS NULL
                WHERE w.member_id = ?1 AND l.id < ?2 AND (?3 IS NULL OR w.kind = ?3) ORDER BY l.id DESC LIMIT ?4)
            UNION ALL
            SELECT id FROM (
                SELECT l.id FROM purchase_members pm
                JOIN ledger l ON l.purchase_id = pm.purchase_id AND l.member_id = pm.member_id
                JOIN wallets w ON w.id = l.wallet_id
                WHERE pm.member_id = ?1 AND pm.purchase_id <= ?5 AND l.id < ?2 AND (?3 IS NULL OR w.kind = ?3)
                ORDER BY pm.purchase_id DESC, l.id DESC LIMIT ?4))
        ORDER BY l.id DESC LIMIT ?4
        """

    func page(_ c: Connection, _ q: WalletHistoryQuery) throws -> WalletHistory {
        let member = try Members.find(c, key: q.memberKey)
        var before = Int64.max
        if let cursor = q.cursor {
            guard let id = Int64(cursor), id > 0 else { throw TillError.invalidRequest(field: "cursor", reason: "not a cursor of wallet.history") }
            before = id
        }
        var rows: [(id: Int64, line: LedgerLine)] = []
        // The page's rows are the newest `limit + 1` of two ranges, each read newest first and no further than it
        // needs: the member's rows of anything but a purchase (its wallets, then `ledger_wallet_rows`) and its
        // purchases' rows (its `purchase_members` rows, newest purchase first, then `ledger_purchase`). Purchase ids
        // and ledger ids grow together, so when the cursor's row is a purchase's, no row before it belongs to a later
        // purchase: the purchases' range starts there (after any other row, it skips the rows already listed).
        let lastPurchase = before == .max ? Int64.max
            : try c.int64("SELECT purchase_id FROM ledger WHERE id = ?", [.integer(before)]) ?? .max
        let arguments: [SQLValue] = [.integer(member.id), .integer(before), .optional(q.wallet?.rawValue),
                                     .integer(q.limit + 1), .integer(lastPurchase)]
        try c.statement(Self.rows).forEachRow(arguments) { r in
            let purchase = r.optionalText(9).map { (TerminalIdentity(branchId: r.text(7), posId: r.text(8)), $0) }
            let reversal = r.optionalText(12).map { (TerminalIdentity(branchId: r.text(10), posId: r.text(11)), $0, r.text(13)) }
            let operatorName = r.optionalText(14)
            let source: ActivitySource = r.optionalInt64(15) != nil ? .operator : (purchase != nil || reversal != nil ? .pos : .system)
            let reason = r.optionalText(5) ?? reversal.map { $0.2 } ?? (purchase != nil ? "purchase" : "system")
            let pendingUntil = r.optionalInt64(6).map { Timestamp(millisecondsSinceEpoch: $0) }.flatMap { $0 > now ? $0 : nil }
            rows.append((r.int64(0), LedgerLine(
                at: Timestamp(millisecondsSinceEpoch: r.int64(1)), wallet: WalletKind(rawValue: r.text(2)) ?? .points, delta: r.int64(3),
                kind: r.text(4), reason: reason, source: source, terminal: reversal?.0 ?? purchase?.0,
                transactionId: reversal?.1 ?? purchase?.1, operatorName: operatorName, balanceAfter: 0,
                pendingUntil: pendingUntil)))
        }
        var next: String?
        if rows.count > Int(q.limit) {
            rows.removeLast()
            next = String(rows.last!.id)
        }
        // Running totals: each wallet's sum up to the page's newest row (one sum per wallet and page), then walked down.
        var running: [WalletKind: Int64] = [:]
        for wallet in Set(rows.map(\.line.wallet)) {
            running[wallet] = try c.int64("""
                SELECT coalesce(sum(l.delta), 0) FROM ledger l JOIN wallets w ON w.id = l.wallet_id
                WHERE l.id IN (\(WalletTotals.memberRows)) AND w.kind = ?2 AND l.id <= ?3
                """, [.integer(member.id), .text(wallet.rawValue), .integer(rows.first!.id)]) ?? 0
        }
        for i in rows.indices {
            let wallet = rows[i].line.wallet
            rows[i].line.balanceAfter = running[wallet] ?? 0
            running[wallet, default: 0] -= rows[i].line.delta
        }
        let currency = try c.text("SELECT json_extract(value, '$.currency') FROM settings WHERE key = 'loyalty'") ?? "EUR"
        return WalletHistory(memberKey: q.memberKey, balance: try WalletTotals.balance(c, member: member.id), currency: currency,
                             minorDigits: Int64(MoneyText.minorDigits(currency)), entries: rows.map(\.line), nextCursor: next)
    }
}
