import TillCore

/// A member's wallets as a reader sees them, kept so that a purchase writes no page of `wallets` and no entry of a
/// wallet index.
///
/// Guarantees: a wallet's balance and pending are its `wallets` row — a base holding every ledger row of the wallet
/// with an id up to `counted_through`, which are exactly the rows of every purchase up to `purchases_through` and of
/// everything else up to `counted_through` — plus what came after it, none of it pending (see below):
/// - the later rows of anything but a purchase (voids, returns, adjustments, imports), read from the partial index
///   `ledger_wallet_rows` alone (one keyed range, usually empty);
/// - the moves of later purchases, read from the member's `purchase_members` rows after `purchases_through` (the
///   points and credit each purchase moved for the member, `SchemaV7`; the member's clustered rows, the page
///   `MemberCounters` and `CardPunches` read too).
/// The member's fold point (`MemberCounters.add`) folds every wallet of the member without pending points,
/// so the member rows a wallet sums stay as few as those its counters sum. A posting adds ledger rows only; it folds a
/// wallet (`fold`: writes its row with the balance and pending it computed, and moves both marks to the store's
/// latest ledger row and purchase) when one of the wallet's new rows that readers sum from the
/// index (a void's or a return's) has an id that is a fold point (`FoldPoint`) — a purchase's rows are bounded by the
/// member's fold point instead — and always when pending points are involved (the shop has pending days, or the member
/// has pending points, or the wallet's base records some): so what comes after the base never carries pending points,
/// and pending keeps exactly the meaning it had. A wallet created with an opening balance has a zero base and the
/// opening row after it; a wallet created by a purchase's posting has `purchases_through` 0, which sums no earlier
/// purchase of its member: a member has no wallet of a kind until a move of that kind creates it, and wallets are
/// never deleted, so every earlier member row moved zero of it.
///
/// Why: at 100,000 members the wallet's row was a random page of its own, rewritten for every purchase (schema v5
/// took it out), and then the wallet's index entry of each ledger row was: 47 % of the WAL frames a purchase
/// committed (schema v8 took that out; bench/journal.md).
public enum WalletTotals {
    struct Wallet: Equatable {
        var id: Int64
        var kind: WalletKind
        /// Spendable now, as far as the base knows (points pending at the fold and since matured count as pending).
        var balance: Int64
        var pending: Int64
        var total: Int64 { balance + pending }
    }

    /// The available balance of the wallet aliased `w` (a `wallets` row) as an SQL expression: its base's balance
    /// plus everything after it. (Its pending are `w.pending`: nothing after the base is pending.)
    public static let availableBalance = """
        (w.balance + (SELECT coalesce(sum(l.delta), 0) FROM ledger l
                      WHERE l.wallet_id = w.id AND l.purchase_id IS NULL AND l.id > w.counted_through)
                   + (SELECT coalesce(sum(CASE w.kind WHEN 'credit' THEN pm.credit_delta ELSE pm.points_delta END), 0)
                      FROM purchase_members pm WHERE pm.member_id = w.member_id AND pm.purchase_id > w.purchases_through))
        """

    /// Writes a wallet's base holding everything so far: `?1` balance, `?2` pending, `?3` the wallet. Both marks move
    /// to the store's latest ledger row and purchase: the caller's balance includes every row and purchase so far (a
    /// posting folds after all its ledger rows are inserted, a purchase's after its own row).
    public static let fold = """
        UPDATE wallets SET balance = ?1, pending = ?2, counted_through = (SELECT coalesce(max(id), 0) FROM ledger),
            purchases_through = (SELECT coalesce(max(id), 0) FROM purchases) WHERE id = ?3
        """

    /// (From the covering index of schema v9: the wallets' rows are not read.)
    static let readMember =
        "SELECT w.id, w.kind, \(availableBalance), w.pending FROM wallets w INDEXED BY wallets_bases WHERE w.member_id = ?"

    /// The member's wallets (one statement: each wallet's base and what came after it).
    static func read(_ c: Connection, member: Int64) throws -> [Wallet] {
        var wallets: [Wallet] = []
        wallets.reserveCapacity(2)  // points and credit: one allocation
        try c.statement(readMember).forEachRow([.integer(member)]) { r in
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

    /// The ids of member `?1`'s ledger rows, as an SQL query (for `l.id IN (…)`): the rows of anything but a purchase by
    /// the member's wallets (`ledger_wallet_rows`), a purchase's by the member's purchases (`ledger_purchase`).
    static let memberRows = """
        SELECT l.id FROM wallets w JOIN ledger l ON l.wallet_id = w.id AND l.purchase_id IS NULL WHERE w.member_id = ?1
        UNION ALL
        SELECT l.id FROM purchase_members pm JOIN ledger l ON l.purchase_id = pm.purchase_id AND l.member_id = pm.member_id
        WHERE pm.member_id = ?1
        """
}
