import TillCore
import TillProtocol

/// `benefit.action`: what an operator does to a member's benefits on the member's behalf.
///
/// Guarantees: `use` only on an active benefit, and on a punch card only when it is full; `delete` on an active or
/// expired one; `extend` only while its template is still offered (enabled in the catalog), pushing the end date out
/// by `days` from the current end (from now when already expired, which re-activates it); `punch` adds `count` punches
/// by the purchase's rule (a full card is used, issues its reward and, when renewed, a new card taking the surplus); `send` gives `count` new benefits of an offered template. Blocked members get nothing new
/// and use nothing (`member_blocked`). Each action records a `benefits` activity. A card's row written here gets its
/// exact count and is folded (`CardPunches`): use and delete leave nothing unfolded on a card that is no longer active.
struct BenefitActions {
    let actor: Actor
    static let day: Int64 = 86_400_000

    func apply(_ c: Connection, _ a: BenefitAction) throws -> BenefitList {
        let member = try Members.findLiving(c, key: a.memberKey)
        if member.status == .blocked, a.action != .delete {
            throw TillError.memberBlocked(field: "memberKey", memberKey: a.memberKey)
        }
        if a.action == .send { return try send(c, memberId: member.id, a) }
        guard let publicId = a.benefitId, let row = try c.statement(BenefitRow.select + " WHERE b.public_id = ? AND b.member_id = ? AND b.status <> 'deleted'")
            .firstRow([.text(publicId), .integer(member.id)], { BenefitRow($0, now: actor.ms) }) else {
            throw TillError.notFound(field: "benefitId", reason: "the member holds no benefit \(a.benefitId ?? "")")
        }
        let summary: String
        switch a.action {
        case .use:
            guard row.status == .active else { throw TillError.notAllowed(field: "benefitId", reason: "the benefit is \(row.status.rawValue)") }
            if row.kind == .punchCard, row.punches < (row.punchesRequired ?? 0) {
                throw TillError.notAllowed(field: "benefitId", reason: "the punch card is not full (\(row.punches) of \(row.punchesRequired ?? 0))")
            }
            try c.execute("UPDATE member_benefits SET status = 'used', redeemed_at = ?, punches = ?, \(CardPunches.writtenThrough) WHERE id = ?",
                          [.integer(actor.ms), .integer(row.punches), .integer(row.id)])
            summary = "Used \(row.name)"
        case .delete:
            guard row.status != .used else { throw TillError.notAllowed(field: "benefitId", reason: "a used benefit cannot be deleted") }
            try c.execute("UPDATE member_benefits SET status = 'deleted', punches = ?, \(CardPunches.writtenThrough) WHERE id = ?",
                          [.integer(row.punches), .integer(row.id)])
            summary = "Deleted \(row.name)"
        case .extend:
            guard row.status == .active || row.status == .expired else {
                throw TillError.notAllowed(field: "benefitId", reason: "a \(row.status.rawValue) benefit cannot be extended")
            }
            guard row.templateEnabled else {
                throw TillError.notAllowed(field: "benefitId", reason: "the template of \(row.name) is no longer valid")
            }
            guard let until = row.validUntil else { throw TillError.notAllowed(field: "benefitId", reason: "the benefit does not expire") }
            // `days` is at most 3660 (decoded) and `until` a stored instant: no overflow; the result stays writable.
            let newUntil = (row.status == .expired ? actor.ms : until) + (a.days ?? 0) * Self.day
            guard newUntil <= ValueLimits.latestInstantMs else {
                throw TillError.invalidRequest(field: "days", reason: "the benefit would be valid past 9999-12-31")
            }
            try c.execute("UPDATE member_benefits SET status = 'active', valid_until = ? WHERE id = ?", [.integer(newUntil), .integer(row.id)])
            summary = "Extended \(row.name) by \(a.days ?? 0) days"
        case .punch:
            guard row.kind == .punchCard else { throw TillError.notAllowed(field: "benefitId", reason: "only punch cards can be punched") }
            guard row.status == .active else { throw TillError.notAllowed(field: "benefitId", reason: "the punch card is \(row.status.rawValue)") }
            return try punch(c, memberId: member.id, card: row, count: a.count ?? 1)
        case .send:
            preconditionFailure("handled above")
        }
        try ActivityLog(c, by: actor).append(.benefit(a.action), member: member.id, ActivityDetails(summary: summary))
        let updated = try c.statement(BenefitRow.select + " WHERE b.id = ?").firstRow([.integer(row.id)]) { BenefitRow($0, now: actor.ms) }!
        return BenefitList(benefits: [updated.summary])
    }

    /// Punches a card by the rule a purchase uses (`LoyaltyRules.punch`): a card punched to full is used, issues its
    /// reward gift and, when the template renews, a new card that takes the surplus. New benefits get back-office ids
    /// and the operator as issuer; the answer lists the card and what it issued.
    private func punch(_ c: Connection, memberId: Int64, card: BenefitRow, count: Int64) throws -> BenefitList {
        let program = try Program.load(c)
        guard let account = try AccountReader(connection: c, program: program, now: actor.at).account(memberId, scope: .all) else {
            throw TillError.notFound(field: "memberKey", reason: "no such member")
        }
        // The rule names new benefits after an operation; the back office gives them its own ids before storing them.
        let op = OperationRef(terminal: TerminalIdentity(branchId: "operator", posId: String(actor.id)), transactionId: "punch-\(actor.ms)")
        let changes = try LoyaltyRules.punch(benefitId: card.publicId, count: count, member: account, catalog: program.catalog, op: op, now: actor.at)
        var rows: [Int64] = [card.id]
        for update in changes.benefitUpdates {
            // An operator's punch records no operation reference (`used_in` stays empty, as for `use`).
            try c.execute("""
                UPDATE member_benefits SET status = ?, punches = ?, \(CardPunches.writtenThrough),
                    redeemed_at = CASE WHEN ? = 'used' THEN coalesce(redeemed_at, ?) ELSE NULL END
                WHERE public_id = ? AND member_id = ?
                """, [.text(update.status.rawValue), .integer(update.punches), .text(update.status.rawValue), .integer(actor.ms),
                      .text(update.benefitId), .integer(memberId)])
        }
        var issued: [String] = []
        for new in changes.benefitsIssued {
            let b = new.benefit
            guard let template = program.templateRow(b.kind, b.templateId) else {
                throw TillError.notAllowed(field: "benefitId", reason: "benefit template \(b.templateId) is not in the catalog")
            }
            try c.execute("""
                INSERT INTO member_benefits (public_id, member_id, kind, gift_template_id, punch_card_template_id, status, valid_from, valid_until,
                                             assigned_at, punches, issued_by_operator_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(try BenefitIds.next(c, kind: b.kind)), .integer(memberId), .text(b.kind.rawValue),
                      b.kind == .gift ? .integer(template) : .null, b.kind == .punchCard ? .integer(template) : .null, .text(b.status.rawValue),
                      .optional(b.validFrom?.millisecondsSinceEpoch), .optional(b.validUntil?.millisecondsSinceEpoch), .integer(actor.ms),
                      .integer(b.punches), .integer(actor.id)])
            rows.append(c.lastInsertRowID)
            issued.append((b.kind == .gift ? program.catalog.gift(b.templateId)?.name : program.catalog.punchCard(b.templateId)?.name) ?? b.templateId)
        }
        let summary = "Punched \(card.name) \(count) times" + (issued.isEmpty ? "" : "; issued " + issued.joined(separator: ", "))
        try ActivityLog(c, by: actor).append(.benefitPunch, member: memberId, ActivityDetails(summary: summary))
        var out: [BenefitSummary] = []
        for id in rows {
            out.append(try c.statement(BenefitRow.select + " WHERE b.id = ?").firstRow([.integer(id)]) { BenefitRow($0, now: actor.ms).summary }!)
        }
        return BenefitList(benefits: out)
    }

    private func send(_ c: Connection, memberId: Int64, _ a: BenefitAction) throws -> BenefitList {
        let code = a.templateId ?? ""
        let template: (kind: BenefitKind, id: Int64, name: String, days: Int64?, enabled: Bool)
        if let g = try c.statement("SELECT id, name, valid_days, enabled FROM gift_templates WHERE code = ?").firstRow([.text(code)], {
            (BenefitKind.gift, $0.int64(0), $0.text(1), $0.optionalInt64(2), $0.int64(3) == 1)
        }) {
            template = g
        } else if let p = try c.statement("SELECT id, name, valid_days, enabled FROM punch_card_templates WHERE code = ?").firstRow([.text(code)], {
            (BenefitKind.punchCard, $0.int64(0), $0.text(1), $0.optionalInt64(2), $0.int64(3) == 1)
        }) {
            template = p
        } else {
            throw TillError.notFound(field: "templateId", reason: "no gift or punch-card template \(code)")
        }
        guard template.enabled else { throw TillError.notAllowed(field: "templateId", reason: "template \(code) is no longer offered") }
        var ids: [Int64] = []
        for _ in 0..<(a.count ?? 1) {
            try c.execute("""
                INSERT INTO member_benefits (public_id, member_id, kind, gift_template_id, punch_card_template_id, status, valid_from, valid_until,
                                             assigned_at, issued_by_operator_id)
                VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)
                """, [.text(try BenefitIds.next(c, kind: template.kind)), .integer(memberId), .text(template.kind.rawValue),
                      template.kind == .gift ? .integer(template.id) : .null, template.kind == .punchCard ? .integer(template.id) : .null,
                      .integer(actor.ms), .optional(template.days.map { actor.ms + $0 * Self.day }), .integer(actor.ms), .integer(actor.id)])
            ids.append(c.lastInsertRowID)
        }
        try ActivityLog(c, by: actor).append(.benefitSent, member: memberId,
                               ActivityDetails(summary: "Sent \(ids.count) × \(template.name)"))
        var out: [BenefitSummary] = []
        for id in ids {
            out.append(try c.statement(BenefitRow.select + " WHERE b.id = ?").firstRow([.integer(id)]) { BenefitRow($0, now: actor.ms).summary }!)
        }
        return BenefitList(benefits: out)
    }
}

/// Public benefit ids: `G-` (gift) or `P-` (punch card) and 10 random Crockford base-32 characters, checked unique.
enum BenefitIds {
    static func next(_ c: Connection, kind: BenefitKind) throws -> String {
        var rng = SystemRandomNumberGenerator()
        while true {
            let id = (kind == .gift ? "G-" : "P-") + String((0..<10).map { _ in MemberKeys.alphabet[Int(rng.next() % 32)] })
            if try c.int64("SELECT 1 FROM member_benefits WHERE public_id = ?", [.text(id)]) == nil { return id }
        }
    }
}
