import Foundation
import TillCore
import TillProtocol

/// Membership actions of the back office: create and update members, cards, tags, notes, block, unblock, verify.
///
/// Guarantees: identifiers are normalised as at the POS and unique among members (`already_exists`); tags are
/// case-sensitive (`VIP` and `vip` are two tags); each change records an activity (source operator) and status changes
/// a status-history row; nothing is done to an anonymized member (`not_allowed`).
struct Membership {
    let actor: Actor
    let country: String

    func create(_ c: Connection, _ request: MemberCreate) throws -> MemberProfile {
        let f = request.fields
        let hasIdentity = [f.phone, f.email, f.customId, f.firstName, f.lastName].contains { !($0 ?? "").isEmpty }
        guard hasIdentity else { throw TillError.invalidRequest(field: "phone", reason: "a member needs a name, phone, email or custom id") }
        let status: MemberStatus = request.pendingVerification ? .pendingVerification : .active
        let id = try MemberRows.insert(c, key: MemberKeys.next(c), status: status, source: "operator", fields: f, country: country,
                                       at: actor.ms, operatorId: actor.id)
        if let optIn = request.optIn {
            try c.execute("UPDATE members SET opt_in_status = ? WHERE id = ?", [.text(optIn.rawValue), .integer(id)])
        }
        try ActivityLog(c, by: actor).append(.registered, member: id,
                               ActivityDetails(summary: "Registered by \(actor.name)" + (request.pendingVerification ? ", pending verification" : "")))
        return try Profiles.load(c, id: id)
    }

    func update(_ c: Connection, _ u: MemberUpdate) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: u.memberKey)
        let f = u.fields
        var changed: [String] = []
        if let first = f.firstName { try setColumn(c, "first_name", first, member.id); changed.append("firstName") }
        if let last = f.lastName { try setColumn(c, "last_name", last, member.id); changed.append("lastName") }
        if let birthday = f.birthday {
            if !birthday.isEmpty { try MemberRows.checkBirthday(birthday, field: "fields.birthday") }
            try setColumn(c, "birthday", birthday, member.id); changed.append("birthday")
        }
        for (kind, value, name) in [(IdentifierKind.phone, f.phone, "phone"), (.email, f.email, "email"), (.customId, f.customId, "customId")] {
            guard let value else { continue }
            try Identifiers.replace(c, memberId: member.id, kind: kind, raw: value, country: country, at: actor.ms, field: "fields.\(name)")
            changed.append(name)
        }
        guard !changed.isEmpty else { throw TillError.invalidRequest(field: "fields", reason: "nothing to change") }
        try c.execute("UPDATE members SET updated_at = ? WHERE id = ?", [.integer(actor.ms), .integer(member.id)])
        try ActivityLog(c, by: actor).append(.profileUpdated, member: member.id,
                               ActivityDetails(summary: "Updated " + changed.joined(separator: ", ")))
        return try Profiles.load(c, id: member.id)
    }

    private func setColumn(_ c: Connection, _ column: String, _ value: String, _ id: Int64) throws {
        try c.execute("UPDATE members SET \(column) = ? WHERE id = ?", [value.isEmpty ? .null : .text(value), .integer(id)])
    }

    /// Block (from active or pending) or unblock (from blocked, back to active).
    func setStatus(_ c: Connection, _ r: MemberRef, to target: MemberStatus) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: r.memberKey)
        switch (member.status, target) {
        case (.blocked, .blocked): throw TillError.notAllowed(field: "memberKey", reason: "member \(r.memberKey) is already blocked")
        case (_, .blocked): break
        case (.blocked, .active): break
        default: throw TillError.notAllowed(field: "memberKey", reason: "member \(r.memberKey) is not blocked")
        }
        try MemberRows.changeStatus(c, id: member.id, from: member.status, to: target, actor: actor, reason: r.reason)
        return try Profiles.load(c, id: member.id)
    }

    /// Activates a member still pending verification.
    func verify(_ c: Connection, _ r: MemberRef) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: r.memberKey)
        guard member.status == .pendingVerification else {
            throw TillError.notAllowed(field: "memberKey", reason: "member \(r.memberKey) is not pending verification")
        }
        try MemberRows.changeStatus(c, id: member.id, from: member.status, to: .active, actor: actor, reason: r.reason ?? "verified")
        return try Profiles.load(c, id: member.id)
    }

    func tag(_ c: Connection, _ t: MemberTag) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: t.memberKey)
        try c.execute("INSERT INTO member_tags (member_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", [.integer(member.id), .text(t.tag)])
        if c.changes > 0 {
            try ActivityLog(c, by: actor).append(.tagged, member: member.id, ActivityDetails(summary: "Tagged \(t.tag)"))
        }
        return try Profiles.load(c, id: member.id)
    }

    func untag(_ c: Connection, _ t: MemberTag) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: t.memberKey)
        try c.execute("DELETE FROM member_tags WHERE member_id = ? AND tag = ?", [.integer(member.id), .text(t.tag)])
        guard c.changes > 0 else { throw TillError.notFound(field: "tag", reason: "member has no tag \(t.tag) (tags are case-sensitive)") }
        try ActivityLog(c, by: actor).append(.untagged, member: member.id, ActivityDetails(summary: "Untagged \(t.tag)"))
        return try Profiles.load(c, id: member.id)
    }

    func note(_ c: Connection, _ n: NoteAdd) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: n.memberKey)
        try c.execute("INSERT INTO member_notes (member_id, author, created_at, text) VALUES (?, ?, ?, ?)",
                      [.integer(member.id), .text(actor.name), .integer(actor.ms), .text(n.text)])
        try ActivityLog(c, by: actor).append(.noteAdded, member: member.id, ActivityDetails(summary: "Note added"))
        return try Profiles.load(c, id: member.id)
    }

    func addCard(_ c: Connection, _ change: CardChange) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: change.memberKey)
        let card = try Identifiers.normalise(.card, change.card, country: country, field: "card")
        if try Identifiers.holder(c, kind: .card, value: card) == member.id {
            throw TillError.alreadyExists(field: "card", reason: "the member already holds this card")
        }
        try Identifiers.claim(c, memberId: member.id, kind: .card, value: card, at: actor.ms, field: "card")
        try ActivityLog(c, by: actor).append(.cardAdded, member: member.id, ActivityDetails(summary: "Card added"))
        return try Profiles.load(c, id: member.id)
    }

    func removeCard(_ c: Connection, _ change: CardChange) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: change.memberKey)
        let card = try Identifiers.normalise(.card, change.card, country: country, field: "card")
        guard try Identifiers.release(c, memberId: member.id, kind: .card, value: card, at: actor.ms) > 0 else {
            throw TillError.notFound(field: "card", reason: "the member holds no such card")
        }
        try ActivityLog(c, by: actor).append(.cardRemoved, member: member.id, ActivityDetails(summary: "Card removed"))
        return try Profiles.load(c, id: member.id)
    }

    func replaceCard(_ c: Connection, _ change: CardChange) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: change.memberKey)
        let old = try Identifiers.normalise(.card, change.oldCard ?? "", country: country, field: "oldCard")
        let card = try Identifiers.normalise(.card, change.card, country: country, field: "card")
        guard try Identifiers.holder(c, kind: .card, value: old) == member.id else {
            throw TillError.notFound(field: "oldCard", reason: "the member holds no such card")
        }
        try Identifiers.release(c, memberId: member.id, kind: .card, value: old, at: actor.ms)
        try Identifiers.claim(c, memberId: member.id, kind: .card, value: card, at: actor.ms, field: "card")
        try ActivityLog(c, by: actor).append(.cardReplaced, member: member.id, ActivityDetails(summary: "Card replaced"))
        return try Profiles.load(c, id: member.id)
    }
}

/// Writing member rows: insert with identifiers, status changes with their history.
enum MemberRows {
    /// Inserts a member with its identifiers and first status-history row; returns its id.
    static func insert(_ c: Connection, key: String, status: MemberStatus, source: String, fields f: MemberFields, country: String,
                       at: Int64, operatorId: Int64?, fieldPrefix: String = "") throws -> Int64 {
        if let b = f.birthday, !b.isEmpty { try checkBirthday(b, field: fieldPrefix + "birthday") }
        var identifiers: [(IdentifierKind, String, String)] = []
        for (kind, raw, name) in [(IdentifierKind.phone, f.phone, "phone"), (.email, f.email, "email"), (.customId, f.customId, "customId")] {
            guard let raw, !raw.isEmpty else { continue }
            identifiers.append((kind, try Identifiers.normalise(kind, raw, country: country, field: fieldPrefix + name), fieldPrefix + name))
        }
        if try c.int64("SELECT 1 FROM members WHERE member_key = ?", [.text(key)]) != nil {
            throw TillError.alreadyExists(field: fieldPrefix + "memberKey", reason: "member key \(key) is taken")
        }
        try c.execute("""
            INSERT INTO members (member_key, status, registered_at, registration_source, first_name, last_name, birthday, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(key), .text(Members.stored(status)), .integer(at), .text(source), .optional(f.firstName.flatMap { $0.isEmpty ? nil : $0 }),
                  .optional(f.lastName.flatMap { $0.isEmpty ? nil : $0 }), .optional(f.birthday.flatMap { $0.isEmpty ? nil : $0 }), .integer(at)])
        let id = c.lastInsertRowID
        try Identifiers.claim(c, memberId: id, kind: .memberKey, value: key, at: at, field: fieldPrefix + "memberKey")
        for (kind, value, field) in identifiers { try Identifiers.claim(c, memberId: id, kind: kind, value: value, at: at, field: field) }
        try c.execute("""
            INSERT INTO member_status_history (member_id, from_status, to_status, changed_at, source, operator_id) VALUES (?, NULL, ?, ?, ?, ?)
            """, [.integer(id), .text(Members.stored(status)), .integer(at), .text(operatorId == nil ? "system" : "operator"), .optional(operatorId)])
        return id
    }

    /// Adds the member's row to `member_search` (names and in-use identifiers): for members inserted with source
    /// `import`, which the insert trigger leaves out so that the row is written once, after all identifiers.
    static func indexForSearch(_ c: Connection, id: Int64) throws {
        try c.execute("""
            INSERT INTO member_search (rowid, names, identifiers)
            SELECT m.id, trim(coalesce(m.first_name, '') || ' ' || coalesce(m.last_name, '')),
                   (SELECT coalesce(group_concat(value, ' '), '') FROM member_identifiers WHERE member_id = m.id AND released_at IS NULL)
            FROM members m WHERE m.id = ?
            """, [.integer(id)])
    }

    static func changeStatus(_ c: Connection, id: Int64, from: MemberStatus, to: MemberStatus, actor: Actor, reason: String?) throws {
        try c.execute("UPDATE members SET status = ?, updated_at = ? WHERE id = ?", [.text(Members.stored(to)), .integer(actor.ms), .integer(id)])
        try c.execute("""
            INSERT INTO member_status_history (member_id, from_status, to_status, changed_at, source, operator_id, reason)
            VALUES (?, ?, ?, ?, 'operator', ?, ?)
            """, [.integer(id), .text(Members.stored(from)), .text(Members.stored(to)), .integer(actor.ms), .integer(actor.id), .optional(reason)])
        let kind: ActivityKind = switch to { case .blocked: .blocked; case .anonymized: .anonymized; default: from == .blocked ? .unblocked : .verified }
        try ActivityLog(c, by: actor).append(kind, member: id,
                               ActivityDetails(summary: "Status \(from.rawValue) → \(to.rawValue)" + (reason.map { ": \($0)" } ?? "")))
    }

    /// `YYYY-MM-DD`, a real calendar date (leap years counted) from 1900 to 2100.
    static func checkBirthday(_ s: String, field: String) throws(TillError) {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1900...2100).contains(y), (1...12).contains(m),
              (1...daysIn(month: m, year: y)).contains(d)
        else { throw .invalidRequest(field: field, reason: "must be a real date YYYY-MM-DD (1900-2100)") }
    }

    /// Days of a month in the Gregorian calendar.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// New member keys: `M-` and 8 characters of Crockford base 32 (no I, L, O, U), random, checked unique.
enum MemberKeys {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static func next(_ c: Connection) throws -> String {
        var rng = SystemRandomNumberGenerator()
        while true {
            let key = "M-" + String((0..<8).map { _ in alphabet[Int(rng.next() % 32)] })
            if try c.int64("SELECT 1 FROM members WHERE member_key = ?", [.text(key)]) == nil { return key }
        }
    }
}
