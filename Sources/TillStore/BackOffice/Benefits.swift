import TillCore
import TillProtocol

/// A member benefit row with its template, and its status as the member sees it now (an active benefit past its
/// `valid_until` is expired even before anything rewrote the row).
struct BenefitRow {
    var id: Int64
    var publicId: String
    var kind: BenefitKind
    var status: BenefitStatus
    var name: String
    var templateEnabled: Bool
    var validFrom: Int64?
    var validUntil: Int64?
    var assignedAt: Int64
    var redeemedAt: Int64?
    var punches: Int64
    var punchesRequired: Int64?
    var usedIn: String?

    static let select = """
        SELECT b.id, b.public_id, b.kind, b.status, coalesce(g.name, p.name), coalesce(g.enabled, p.enabled), b.valid_from, b.valid_until,
               b.assigned_at, b.redeemed_at, \(CardPunches.count), p.punches_required, b.used_in
        FROM member_benefits b LEFT JOIN gift_templates g ON g.id = b.gift_template_id
        LEFT JOIN punch_card_templates p ON p.id = b.punch_card_template_id
        """

    init(_ r: Row, now: Int64) {
        id = r.int64(0); publicId = r.text(1); kind = r.text(2) == "gift" ? .gift : .punchCard
        status = BenefitStatus(rawValue: r.text(3)) ?? .deleted; name = r.text(4); templateEnabled = r.int64(5) == 1
        validFrom = r.optionalInt64(6); validUntil = r.optionalInt64(7); assignedAt = r.int64(8); redeemedAt = r.optionalInt64(9)
        punches = r.int64(10); punchesRequired = r.optionalInt64(11); usedIn = r.optionalText(12)
        if status == .active, let until = validUntil, until < now { status = .expired }
    }

    var summary: BenefitSummary {
        BenefitSummary(benefitId: publicId, name: name, kind: kind, status: status, validFrom: validFrom.map { Timestamp(millisecondsSinceEpoch: $0) },
                       validUntil: validUntil.map { Timestamp(millisecondsSinceEpoch: $0) },
                       punches: kind == .punchCard ? punches : nil, punchesRequired: punchesRequired,
                       assignedAt: Timestamp(millisecondsSinceEpoch: assignedAt),
                       redeemedAt: redeemedAt.map { Timestamp(millisecondsSinceEpoch: $0) },
                       usedIn: status == .used ? usedIn : nil)
    }

    /// When it was last relevant: redemption for used ones, end of validity for expired ones.
    var recency: Int64 { status == .used ? (redeemedAt ?? assignedAt) : (validUntil ?? assignedAt) }
}

/// `benefit.list`: a member's gifts and punch cards, filtered by kind, availability and name.
///
/// Guarantees: deleted benefits are never listed; without an availability filter all others are; active ones
/// come first, soonest-expiring first (no end date last); used and expired ones follow, most recent first.
struct BenefitQueries {
    let now: Timestamp

    func list(_ c: Connection, _ q: BenefitListQuery) throws -> BenefitList {
        let member = try Members.find(c, key: q.memberKey)
        var rows: [BenefitRow] = []
        try c.statement(BenefitRow.select + " WHERE b.member_id = ? AND b.status <> 'deleted'").forEachRow([.integer(member.id)]) {
            rows.append(BenefitRow($0, now: now.millisecondsSinceEpoch))
        }
        let needle = q.name?.lowercased()
        rows = rows.filter { row in
            (q.kind.map { $0 == row.kind } ?? true) && (q.availability.map { $0 == row.status } ?? true)
                && (needle.map { row.name.lowercased().contains($0) } ?? true)
        }
        rows.sort(by: Self.order)
        return BenefitList(benefits: rows.map(\.summary))
    }

    static func order(_ a: BenefitRow, _ b: BenefitRow) -> Bool {
        let aActive = a.status == .active, bActive = b.status == .active
        if aActive != bActive { return aActive }
        if aActive {
            switch (a.validUntil, b.validUntil) {
            case (let x?, let y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.id < b.id
            }
        }
        return a.recency != b.recency ? a.recency > b.recency : a.id > b.id
    }
}
