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
/// - every wallet: `balance >= 0`, `pending >= 0`, `balance + pending == SUM(ledger.delta)`, and its ledger rows
///   belong to the wallet's member;
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
        try collect(&problems, connection, """
            SELECT 'wallet ' || w.id || ': balance ' || w.balance || ' + pending ' || w.pending
                   || ' <> ledger sum ' || coalesce(sum(l.delta), 0)
            FROM wallets w LEFT JOIN ledger l ON l.wallet_id = w.id
            GROUP BY w.id
            HAVING w.balance < 0 OR w.pending < 0 OR w.balance + w.pending <> coalesce(sum(l.delta), 0)
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
        try collect(&problems, connection, """
            SELECT 'purchase ' || r.purchase_id || ' line ' || r.line_id || ': returned ' || sum(r.quantity)
                   || ' of ' || pl.quantity
            FROM returned_quantities r JOIN purchase_lines pl ON pl.purchase_id = r.purchase_id AND pl.line_id = r.line_id
            GROUP BY r.purchase_id, r.line_id HAVING sum(r.quantity) > pl.quantity
            """)
        return VerificationReport(problems: problems)
    }

    private static func collect(_ problems: inout [String], _ connection: Connection, _ sql: String) throws {
        try connection.statement(sql + " LIMIT \(limit)").forEachRow { problems.append($0.text(0)) }
    }
}
