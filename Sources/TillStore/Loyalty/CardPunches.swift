import TillCore

/// A punch card's count as a reader sees it, kept so that a purchase's punch writes no page of `member_benefits`.
///
/// Guarantees: a card's count is its `member_benefits` row (a base holding every punch on the member's
/// `purchase_members` rows up to the later of the card's `punched_through` and the member's `counted_through`) plus
/// the `punches` of the member's later rows that name the card (`punch_benefit_id`) — the keyed range `MemberCounters`
/// sums, usually a few dozen rows on one page. A purchase that punches an active card without completing it (the card
/// stays active, nothing else about it changes) writes the punches on its member's `purchase_members` row, the row
/// it inserts anyway; one card per row: a second such card in the same purchase, and every other change of a card
/// (a completion, a status change, a reversal, an operator's punch, use or delete), writes the card's row with its
/// exact count and folds it through the store's last purchase row (`writtenThrough`). The member's fold (a purchase
/// whose row id is a fold point, `FoldPoint`) folds every card with punches on the member's rows since the last fold.
/// So: the rules always decide on the exact count; a card that is not active has nothing unfolded; the decision to
/// write a row depends on the request and the stored state alone, and replaying the journal makes the same writes.
///
/// Why: at 100,000 members the card's row is a random page of its own, rewritten by every purchase of an established
/// shop: 29 % of the WAL frames a purchase committed once the member's and the wallet's rows no longer were
/// (bench/journal.md).
enum CardPunches {
    /// The count of the card `b` (a `member_benefits` row aliased `b`), as an SQL expression.
    static let count = count(countedThrough: "(SELECT m.counted_through FROM members m WHERE m.id = b.member_id)")

    /// `count`, with the member's `counted_through` given as the SQL expression `countedThrough` (a parameter, when
    /// the caller read the member's row already: one lookup of `members` less per card).
    static func count(countedThrough: String) -> String {
        """
        CASE b.kind WHEN 'punchCard' THEN b.punches + (SELECT coalesce(sum(pm.punches), 0) FROM purchase_members pm
            WHERE pm.member_id = b.member_id
              AND pm.purchase_id > max(b.punched_through, \(countedThrough))
              AND pm.punch_benefit_id = b.id) ELSE b.punches END
        """
    }

    /// The assignment that marks a card's row as holding every punch recorded so far: rows of later purchases only
    /// are summed after it. (Purchase rows are never deleted, so a later purchase always has a larger row id.)
    static let writtenThrough = "punched_through = (SELECT coalesce(max(id), 0) FROM purchases)"

    /// Punches a purchase records on its member's `purchase_members` row instead of the card's row.
    struct Recorded: Equatable {
        /// The card's `member_benefits` row id.
        var card: Int64
        var punches: Int64
    }

    /// The card row a purchase may record `update` on instead of writing the card: the card is a punch card the
    /// member held active, stays active with the same operation reference and gains punches, and no other update of
    /// the operation touches it. Nil: the card's row is written.
    /// `row`: the card's row id when the account read kept it (`AccountRows`); else it is looked up.
    static func recordable(_ update: BenefitUpdate, held: HeldBenefit?, updatesOfCard: Int, row known: Int64?,
                           _ c: Connection) throws -> Recorded? {
        guard updatesOfCard == 1, let held, held.kind == .punchCard, held.status == .active, update.status == .active,
              held.usedIn == update.usedIn, update.punches > held.punches
        else { return nil }
        // The member's own benefit (it was read with the account): the unique index on public_id alone finds the row.
        guard let row = try known ?? c.statement("SELECT id FROM member_benefits WHERE public_id = ?")
            .firstRow([.text(update.benefitId)], { $0.int64(0) })
        else { return nil }
        return Recorded(card: row, punches: update.punches - held.punches)
    }

    /// A punch recorded on a member's `purchase_members` row.
    struct Row: Equatable {
        var card: Int64
        var purchase: Int64
        var punches: Int64
    }

    /// The punches recorded on `member`'s rows after `countedThrough` (the member's previous fold), in row order.
    static func recorded(_ c: Connection, member: Int64, after countedThrough: Int64) throws -> [Row] {
        var recorded: [Row] = []
        try c.statement("""
            SELECT punch_benefit_id, purchase_id, punches FROM purchase_members
            WHERE member_id = ? AND purchase_id > ? AND punch_benefit_id IS NOT NULL
            """).forEachRow([.integer(member), .integer(countedThrough)]) { r in
            recorded.append(Row(card: r.int64(0), purchase: r.int64(1), punches: r.int64(2)))
        }
        return recorded
    }

    /// A card's row as a fold starts from: its base count and the purchase row it holds the punches through.
    struct Base: Equatable {
        var card: Int64
        var punches: Int64
        var through: Int64
    }

    /// The card's base (nil: no such card).
    static func base(_ c: Connection, card: Int64) throws -> Base? {
        try c.statement("SELECT punches, punched_through FROM member_benefits WHERE id = ?")
            .firstRow([.integer(card)], { Base(card: card, punches: $0.int64(0), through: $0.int64(1)) })
    }

    /// Folds the punches `recorded` on a member's rows since its previous fold into their cards' rows, through
    /// purchase row `purchase`: each card of `bases` (its base count and `punched_through`, as read before the
    /// purchase wrote) gets the punches recorded after its base. Runs before the member's `counted_through` moves.
    static func fold(_ context: WriteContext, recorded: [Row], bases: [Base], through purchase: Int64) throws {
        var cards: [Int64] = []
        for r in recorded where !cards.contains(r.card) { cards.append(r.card) }
        for card in cards {
            guard let base = bases.first(where: { $0.card == card }) else { continue }
            let later = recorded.filter { $0.card == card && $0.purchase > base.through }.reduce(0) { $0 + $1.punches }
            guard later > 0 else { continue }
            try context.execute("UPDATE member_benefits SET punches = ?, punched_through = ? WHERE id = ?",
                                [.integer(base.punches + later), .integer(purchase), .integer(card)])
        }
    }
}
