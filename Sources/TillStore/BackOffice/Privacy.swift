import TillCore
import TillProtocol

/// `member.export`: everything Till holds about a member, as NDJSON (one record per line, `{"type": …, "data": …}`).
///
/// Guarantees: one snapshot; records in a fixed order: profile, identifiers (with their history), benefits,
/// ledger, purchases, activity.
struct DataReport {
    let at: Timestamp

    func export(_ c: Connection, memberKey: String) throws -> DataExport {
        let member = try Members.find(c, key: memberKey)
        var out: [UInt8] = []
        func line(_ type: String, _ body: (inout JSONWriter) -> Void) {
            out += StoredJSON.object { w in
                w.field("type", type)
                body(&w)
            }
            out.append(UInt8(ascii: "\n"))
        }
        let profile = try Profiles.load(c, id: member.id)
        line("profile") { $0.field("data", profile) }
        try c.statement("SELECT kind, value, created_at, released_at FROM member_identifiers WHERE member_id = ? ORDER BY id")
            .forEachRow([.integer(member.id)]) { r in
                line("identifier") { w in
                    w.field("kind", r.text(0)); w.field("value", r.text(1)); w.field("createdAt", Timestamp(millisecondsSinceEpoch: r.int64(2)))
                    w.field("releasedAt", r.optionalInt64(3).map { Timestamp(millisecondsSinceEpoch: $0) })
                }
            }
        var benefits: [BenefitSummary] = []
        try c.statement(BenefitRow.select + " WHERE b.member_id = ? ORDER BY b.id").forEachRow([.integer(member.id)]) {
            benefits.append(BenefitRow($0, now: at.millisecondsSinceEpoch).summary)
        }
        for b in benefits { line("benefit") { $0.field("data", b) } }
        try c.statement("""
            SELECT w.kind, l.delta, l.kind, l.available_at, l.reason, l.created_at FROM wallets w JOIN ledger l ON l.wallet_id = w.id
            WHERE l.id IN (\(WalletTotals.memberRows)) ORDER BY l.id
            """).forEachRow([.integer(member.id)]) { r in
            line("ledger") { w in
                w.field("wallet", r.text(0)); w.field("delta", r.int64(1)); w.field("kind", r.text(2))
                w.field("availableAt", r.optionalInt64(3).map { Timestamp(millisecondsSinceEpoch: $0) }); w.field("reason", r.optionalText(4))
                w.field("at", Timestamp(millisecondsSinceEpoch: r.int64(5)))
            }
        }
        var cursor: String?
        repeat {
            let page = try PurchaseHistory.page(c, PurchaseQuery(memberKey: memberKey, sort: .oldest, cursor: cursor, limit: 500))
            for p in page.purchases { line("purchase") { $0.field("data", p) } }
            cursor = page.nextCursor
        } while cursor != nil
        repeat {
            let page = try MemberActivity.page(c, ActivityQuery(memberKey: memberKey, cursor: cursor, limit: 500))
            for e in page.entries { line("activity") { $0.field("data", e) } }
            cursor = page.nextCursor
        } while cursor != nil
        return DataExport(memberKey: memberKey, generatedAt: at, ndjson: String(decoding: out, as: UTF8.self))
    }
}

/// `member.anonymize`: erases a member's personal data, irreversibly.
///
/// Guarantees: names, birthday, notes and consents are erased; phone, email, cards and custom id are released and
/// their stored values overwritten (a new
/// member may register them at once); the member key, ledger, wallets, benefits and purchase totals stay, so the
/// books still add up; the member is never identified again (status `anonymized`); a second anonymization is
/// refused (`not_allowed`).
struct Anonymization {
    let actor: Actor

    func anonymize(_ c: Connection, _ r: MemberRef) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: r.memberKey)
        try c.execute("""
            UPDATE members SET first_name = NULL, last_name = NULL, birthday = NULL, consent_sms = 0, consent_email = 0, consent_push = 0,
                consent_location = 0, terms_accepted_at = NULL, opt_in_status = 'none', updated_at = ? WHERE id = ?
            """, [.integer(actor.ms), .integer(member.id)])
        try c.execute("""
            UPDATE member_identifiers SET released_at = ?, value = 'erased-' || id WHERE member_id = ? AND kind <> 'memberKey' AND released_at IS NULL
            """, [.integer(actor.ms), .integer(member.id)])
        try c.execute("DELETE FROM member_notes WHERE member_id = ?", [.integer(member.id)])
        try c.execute("UPDATE app_codes SET consumed_at = coalesce(consumed_at, ?) WHERE member_id = ?", [.integer(actor.ms), .integer(member.id)])
        try MemberRows.changeStatus(c, id: member.id, from: member.status, to: .anonymized, actor: actor, reason: r.reason)
        return try Profiles.load(c, id: member.id)
    }
}
