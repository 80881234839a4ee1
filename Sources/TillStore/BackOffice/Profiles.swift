import Foundation
import TillCore
import TillProtocol

/// Finding a member row by key, and the mapping between stored and wire statuses.
enum Members {
    struct Found { var id: Int64; var status: MemberStatus }

    /// The member with `key` (any status), or `notFound(field:)`.
    static func find(_ c: Connection, key: String, field: String = "memberKey") throws -> Found {
        guard let found = try c.statement("SELECT id, status FROM members WHERE member_key = ?").firstRow([.text(key)], {
            Found(id: $0.int64(0), status: status($0.text(1)))
        }) else { throw TillError.notFound(field: field, reason: "no member \(key)") }
        return found
    }

    /// The member `reference` names the way members speak: a member key, else the phone, email, card or custom id it
    /// holds now (normalised as at the POS). `notFound` when nothing matches; `notAllowed` when the text is, say, one
    /// member's card and another's custom id (the help desk must ask which). Reasons never repeat the text (it may be
    /// a phone number or an email, which stay out of logs).
    static func resolve(_ c: Connection, reference: String, country: String, field: String = "memberKey") throws -> Found {
        if let found = try? find(c, key: reference, field: field) { return found }
        let text = reference.trimmingCharacters(in: .whitespaces)
        var candidates: [(IdentifierKind, String)] = [(.card, text), (.customId, text)]
        if let phone = try? Identification.normalise(MemberIdentifier(kind: .phone, value: text), defaultCountry: country, field: field) {
            candidates.append((.phone, phone.value))
        }
        if text.contains("@") { candidates.append((.email, text.lowercased())) }
        var ids: [Int64] = []
        for (kind, value) in candidates {
            if let id = try Identifiers.holder(c, kind: kind, value: value), !ids.contains(id) { ids.append(id) }
        }
        guard ids.count <= 1 else {
            throw TillError.notAllowed(field: field, reason: "this names \(ids.count) members (a card of one, an id of another): use the member key")
        }
        guard let id = ids.first else { throw TillError.notFound(field: field, reason: "no member has this key, phone, email or card") }
        return try c.statement("SELECT id, status FROM members WHERE id = ?").firstRow([.integer(id)]) { Found(id: $0.int64(0), status: status($0.text(1))) }!
    }

    /// Like `find`, but refuses an anonymized member (nothing can be done to one).
    static func findLiving(_ c: Connection, key: String, field: String = "memberKey") throws -> Found {
        let found = try find(c, key: key, field: field)
        if found.status == .anonymized { throw TillError.notAllowed(field: field, reason: "member \(key) is anonymized") }
        return found
    }

    static func status(_ stored: String) -> MemberStatus {
        stored == "pending_verification" ? .pendingVerification : MemberStatus(rawValue: stored) ?? .active
    }
    static func stored(_ status: MemberStatus) -> String {
        status == .pendingVerification ? "pending_verification" : status.rawValue
    }
}

/// Builds the member profile from the tables (used by `member.get` and as the answer of every member change).
enum Profiles {
    static func load(_ c: Connection, id: Int64) throws -> MemberProfile {
        guard var profile = try c.statement("""
            SELECT member_key, status, registered_at, registration_source, first_name, last_name, birthday, consent_sms,
                   consent_email, consent_push, consent_location, terms_accepted_at, opt_in_status
            FROM members WHERE id = ?
            """).firstRow([.integer(id)], { r in
            MemberProfile(
                memberKey: r.text(0), status: Members.status(r.text(1)),
                fields: MemberFields(firstName: r.optionalText(4), lastName: r.optionalText(5), birthday: r.optionalText(6)),
                preferences: MemberPreferences(sms: r.int64(7) == 1, email: r.int64(8) == 1, push: r.int64(9) == 1, location: r.int64(10) == 1,
                                               termsAcceptedAt: r.optionalInt64(11).map { Timestamp(millisecondsSinceEpoch: $0) },
                                               optIn: OptInStatus(rawValue: r.text(12)) ?? .none),
                balance: WalletBalance(points: 0, pendingPoints: 0, credit: 0),
                createdAt: Timestamp(millisecondsSinceEpoch: r.int64(2)), registrationSource: r.text(3),
                lifetimeSpend: 0, visits: 0)
        }) else { throw TillError.notFound(field: "memberKey", reason: "no member") }
        let counters = try MemberCounters.load(c, member: id)
        (profile.lifetimeSpend, profile.visits) = (counters.lifetimeSpend, counters.visits)
        try c.statement("SELECT kind, value FROM member_identifiers WHERE member_id = ? AND released_at IS NULL ORDER BY id")
            .forEachRow([.integer(id)]) { r in
                switch r.text(0) {
                case "phone": profile.fields.phone = r.text(1)
                case "email": profile.fields.email = r.text(1)
                case "customId": profile.fields.customId = r.text(1)
                case "card": profile.cards.append(r.text(1))
                default: break
                }
            }
        try c.statement("SELECT tag FROM member_tags WHERE member_id = ? ORDER BY tag").forEachRow([.integer(id)]) {
            profile.tags.append($0.text(0))
        }
        try c.statement("SELECT created_at, author, text FROM member_notes WHERE member_id = ? ORDER BY created_at DESC, id DESC")
            .forEachRow([.integer(id)]) { r in
                profile.notes.append(MemberNote(at: Timestamp(millisecondsSinceEpoch: r.int64(0)), author: r.text(1), text: r.text(2)))
            }
        profile.balance = try WalletTotals.balance(c, member: id)
        try c.statement("""
            SELECT h.changed_at, h.from_status, h.to_status, h.source, o.name, h.reason
            FROM member_status_history h LEFT JOIN operators o ON o.id = h.operator_id
            WHERE h.member_id = ? ORDER BY h.changed_at, h.id
            """).forEachRow([.integer(id)]) { r in
            profile.statusHistory.append(StatusChange(
                at: Timestamp(millisecondsSinceEpoch: r.int64(0)), from: r.optionalText(1).map(Members.status), to: Members.status(r.text(2)),
                source: ActivitySource(rawValue: r.text(3)) ?? .system, operatorName: r.optionalText(4), reason: r.optionalText(5)))
        }
        // Members registered elsewhere (POS, demo, older imports) may lack the first row: it is the registration.
        if profile.statusHistory.first.map({ $0.from != nil }) ?? true {
            let source: ActivitySource = profile.registrationSource == "pos" ? .pos : profile.registrationSource == "operator" ? .operator : .system
            profile.statusHistory.insert(StatusChange(at: profile.createdAt, from: nil, to: profile.statusHistory.first?.from ?? profile.status,
                                                      source: source), at: 0)
        }
        return profile
    }
}
