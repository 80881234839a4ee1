import TillCore

/// A member's wallets as a reader sees them, kept so that a purchase writes no page of `wallets`.
///
/// Guarantees: a wallet's balance and pending are its `wallets` row (a base holding every ledger row with an id up to
/// `counted_through`) plus the deltas of its later ledger rows, read from the `ledger_wallet_rows` index alone (one
/// keyed range, usually a few dozen entries on one page; none of them pending, see below). A posting adds ledger rows
/// only; it folds a wallet (writes its row with the balance and pending it computed, as every posting did before
/// schema v5) when one of the wallet's new rows has an id that is a fold point (`FoldPoint`), and always when
/// pending points are involved (the shop has pending days, or the member has pending points, or the wallet's base
/// records some): so rows after the fold point never carry pending points, and pending keeps exactly the meaning it
/// had. A wallet created with an opening balance has a zero base and the opening row after it.
///
/// Why: at 100,000 members the wallet's row is a random page of its own, rewritten for every purchase: more than a
/// quarter of the WAL frames a purchase commits once the member's row no longer is (bench/journal.md).
enum WalletTotals {
    struct Wallet: Equatable {
        var id: Int64
        var kind: WalletKind
        /// Spendable now, as far as the base knows (points pending at the fold and since matured count as pending).
        var balance: Int64
        var pending: Int64
        var total: Int64 { balance + pending }
    }

    /// The member's wallets (one statement: each wallet's row and the sum of its later ledger rows).
    static func read(_ c: Connection, member: Int64) throws -> [Wallet] {
        var wallets: [Wallet] = []
        wallets.reserveCapacity(2)  // points and credit: one allocation
        try c.statement("""
            SELECT w.id, w.kind, w.balance + (SELECT coalesce(sum(l.delta), 0) FROM ledger l
                                               WHERE l.wallet_id = w.id AND l.id > w.counted_through), w.pending
            FROM wallets w WHERE w.member_id = ?
            """).forEachRow([.integer(member)]) { r in
            // The kind compared in the row (the schema allows 'points' and 'credit'): no String made per wallet.
            wallets.append(Wallet(id: r.int64(0), kind: r.text(1, is: "credit") ? .credit : .points, balance: r.int64(2), pending: r.int64(3)))
        }
        return wallets
    }

    /// The balance of the member's wallet of `kind` (zero when there is none).
    static func balance(_ c: Connection, member: Int64) throws -> WalletBalance {
        var balance = WalletBalance(points: 0, pendingPoints: 0, credit: 0)
        for wallet in try read(c, member: member) {
            switch wallet.kind {
            case .points: balance.points = wallet.balance; balance.pendingPoints = wallet.pending
            case .credit: balance.credit = wallet.balance
            }
        }
        return balance
    }
}
