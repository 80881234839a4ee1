/// A member's lifetime spend and visits, kept so that a purchase writes no page of `members`.
///
/// Guarantees: the counters a reader sees are the `members` row's base (`lifetime_spend`, `visit_count`, which hold
/// every purchase with a row id up to `counted_through`) plus the `spend` and `visits` of the member's
/// `purchase_members` rows after it — one keyed range, usually a few dozen rows on one page. A purchase writes its
/// member's spend and visit on its `purchase_members` row only (a row it inserts anyway); a purchase whose
/// row id is a fold point (`FoldPoint`) folds its members' rows into their base, and the punches recorded on them
/// into the members' cards (`CardPunches`). A void or return subtracts from the purchase's own row while it is
/// unfolded and from the base once it is folded, so the sum is the same either way. Sums saturate at `Int64.max`
/// instead of trapping, and visits never show below zero. The row of a purchase made before schema v4 carries zero
/// (its spend and visit were already in the base).
///
/// Why: at 100,000 members the `members` row is a random page of its own, and rewriting it for every purchase was a
/// fifth of the WAL frames a purchase commits (bench/journal.md).
enum MemberCounters {
    struct Totals: Equatable {
        var lifetimeSpend: Int64
        var visits: Int64
    }

    /// The member's counters as of the connection's snapshot.
    static func load(_ c: Connection, member: Int64) throws -> Totals {
        guard var totals = try summed(c, member: member)?.totals else { return Totals(lifetimeSpend: 0, visits: 0) }
        totals.visits = max(0, totals.visits)
        return totals
    }

    /// The member's base plus its rows after it, saturated row by row (visits not clamped at zero), and the row id the
    /// base holds purchases through; nil when there is no such member.
    private static func summed(_ c: Connection, member: Int64) throws -> (totals: Totals, countedThrough: Int64)? {
        guard let base = try c.statement("SELECT lifetime_spend, visit_count, counted_through FROM members WHERE id = ?")
            .firstRow([.integer(member)], { r in (Totals(lifetimeSpend: r.int64(0), visits: r.int64(1)), r.int64(2)) })
        else { return nil }
        var totals = base.0
        try c.statement("SELECT spend, visits FROM purchase_members WHERE member_id = ? AND purchase_id > ?")
            .forEachRow([.integer(member), .integer(base.1)]) { r in
                totals.lifetimeSpend = saturating(totals.lifetimeSpend, r.int64(0))
                totals.visits = saturating(totals.visits, r.int64(1))
            }
        return (totals, base.1)
    }

    /// What a member's fold point reads, read before the purchase writes anything (`WriteRequest.decidesBeforeWriting`):
    /// the member's counters summed over its rows so far, the punches recorded on those rows and the base of each
    /// card they name or the purchase may record on. With the purchase's own row added in memory, the fold writes
    /// exactly what reading the store after the row's insert gave.
    struct FoldBase {
        /// The base plus the member's rows after it, saturated row by row (visits not yet clamped at zero).
        fileprivate var totals: Totals
        fileprivate var recorded: [CardPunches.Row]
        fileprivate var cards: [CardPunches.Base]

        /// Reads `member`'s fold base; `cards`: the rows of the cards the purchase may record punches on.
        static func read(_ c: Connection, member: Int64, cards: [Int64]) throws -> FoldBase {
            let (totals, countedThrough) = try summed(c, member: member) ?? (Totals(lifetimeSpend: 0, visits: 0), 0)
            let recorded = try CardPunches.recorded(c, member: member, after: countedThrough)
            var bases: [CardPunches.Base] = []
            for card in recorded.map(\.card) + cards where !bases.contains(where: { $0.card == card }) {
                if let base = try CardPunches.base(c, card: card) { bases.append(base) }
            }
            return FoldBase(totals: totals, recorded: recorded, cards: bases)
        }
    }

    /// Records `member`'s part of a new purchase on its `purchase_members` row (with the punches `punched` it gave
    /// a card, `CardPunches`, and the points and credit it `moved`, which make its activity entry: `MemberActivity`),
    /// and folds the counters, the member's cards and its wallets without pending points when the purchase's row id
    /// says so: from `fold`, read before the purchase's first write, with this row added; `written`, the cards whose
    /// rows the purchase wrote (they hold their exact count); `rows`, the member's wallets as the posting left them.
    static func add(_ context: WriteContext, purchase: Int64, member: Int64, position: Int, spend: Int64,
                    punched: CardPunches.Recorded?, moved: (points: Int64, credit: Int64),
                    fold: FoldBase?, written: [Int64], rows: AccountRows) throws {
        precondition((fold != nil) == FoldPoint.folds(row: purchase),
                     "a member's fold base read for a purchase that does not fold, or missing")
        // entry_after: the activity log's last row now, so the entry lists where the log would have put it.
        try context.execute("""
            INSERT INTO purchase_members (purchase_id, member_id, position, spend, visits, punch_benefit_id, punches,
                points_delta, credit_delta, entry_after)
            VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, (SELECT coalesce(max(id), 0) FROM activity_log))
            """, [.integer(purchase), .integer(member), .integer(Int64(position)), .integer(spend),
                  .optional(punched?.card), .integer(punched?.punches ?? 0), .integer(moved.points), .integer(moved.credit)])
        guard let fold else { return }
        precondition(punched.map { p in fold.cards.contains { $0.card == p.card } } ?? true,
                     "punches recorded on a card whose base the fold did not read")
        var totals = fold.totals
        totals.lifetimeSpend = saturating(totals.lifetimeSpend, spend)
        totals.visits = max(0, saturating(totals.visits, 1))
        var recorded = fold.recorded
        if let punched { recorded.append(CardPunches.Row(card: punched.card, purchase: purchase, punches: punched.punches)) }
        try CardPunches.fold(context, recorded: recorded, bases: fold.cards.filter { !written.contains($0.card) },
                             through: purchase)
        try context.execute("UPDATE members SET lifetime_spend = ?, visit_count = ?, counted_through = ? WHERE id = ?",
                            [.integer(totals.lifetimeSpend), .integer(totals.visits), .integer(purchase), .integer(member)])
        // The wallets sum these rows too: every wallet without pending points is folded, even one the purchase did
        // not move (credit, mostly), which no posting folds; one with pending points is folded by every posting that
        // involves them.
        for wallet in rows.wallets(of: member) where wallet.pending == 0 {
            try context.execute(WalletTotals.fold, [.integer(wallet.balance), .integer(0), .integer(wallet.id)])
        }
    }

    /// The purchase row `member`'s counters are folded through (0: none, or no such member).
    static func countedThrough(_ c: Connection, member: Int64) throws -> Int64 {
        try c.int64("SELECT counted_through FROM members WHERE id = ?", [.integer(member)]) ?? 0
    }

    /// Takes `spend` (and, for a void, the visit) of purchase `purchase` back from `member`'s counters, folded through
    /// purchase row `through` (`countedThrough`, read before the reversal's first write).
    static func reverse(_ context: WriteContext, purchase: Int64, member: Int64, through: Int64, spend: Int64,
                        visit: Bool) throws {
        if purchase > through {
            // Relative, not set to zero: the row of a purchase made before schema v4 holds zero, its part is in the base.
            try context.execute("""
                UPDATE purchase_members SET spend = spend - ?, visits = visits - ? WHERE member_id = ? AND purchase_id = ?
                """, [.integer(spend), .integer(visit ? 1 : 0), .integer(member), .integer(purchase)])
        } else {
            try context.execute("""
                UPDATE members SET lifetime_spend = lifetime_spend - ?,
                    visit_count = CASE WHEN ? AND visit_count > 0 THEN visit_count - 1 ELSE visit_count END WHERE id = ?
                """, [.integer(spend), .bool(visit), .integer(member)])
        }
    }

    private static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
