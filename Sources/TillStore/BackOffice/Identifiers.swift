import Foundation
import TillCore
import TillProtocol

/// A member's identifiers (phone, email, card, custom id, member key): unique among members while in use, released
/// (never deleted) when replaced or anonymized, so a released value can be registered again.
enum Identifiers {
    /// Normalises `value` for `kind` the way the POS path does.
    static func normalise(_ kind: IdentifierKind, _ value: String, country: String, field: String) throws(TillError) -> String {
        try Identification.normalise(MemberIdentifier(kind: kind, value: value), defaultCountry: country, field: field).value
    }

    /// Gives `value` of `kind` to the member: `alreadyExists` when another member holds it; nothing when this one does.
    static func claim(_ c: Connection, memberId: Int64, kind: IdentifierKind, value: String, at: Int64, field: String) throws {
        if let holder = try holder(c, kind: kind, value: value) {
            if holder == memberId { return }
            throw TillError.alreadyExists(field: field, reason: "this \(kind.rawValue) is held by another member")
        }
        try c.execute("INSERT INTO member_identifiers (member_id, kind, value, created_at) VALUES (?, ?, ?, ?)",
                      [.integer(memberId), .text(kind.rawValue), .text(value), .integer(at)])
    }

    /// The member holding `value` of `kind`, if any.
    static func holder(_ c: Connection, kind: IdentifierKind, value: String) throws -> Int64? {
        try c.int64("SELECT member_id FROM member_identifiers WHERE kind = ? AND value = ? AND released_at IS NULL",
                    [.text(kind.rawValue), .text(value)])
    }

    /// Releases the member's identifiers of `kind` (all of them, or only `value`); returns how many were released.
    @discardableResult
    static func release(_ c: Connection, memberId: Int64, kind: IdentifierKind, value: String? = nil, at: Int64) throws -> Int64 {
        try c.execute("""
            UPDATE member_identifiers SET released_at = ?
            WHERE member_id = ? AND kind = ? AND (?4 IS NULL OR value = ?4) AND released_at IS NULL
            """, [.integer(at), .integer(memberId), .text(kind.rawValue), .optional(value)])
        return c.changes
    }

    /// Replaces the member's single identifier of `kind` (phone, email, custom id): empty `raw` removes it.
    static func replace(_ c: Connection, memberId: Int64, kind: IdentifierKind, raw: String, country: String, at: Int64, field: String) throws {
        if raw.trimmingCharacters(in: .whitespaces).isEmpty {
            try release(c, memberId: memberId, kind: kind, at: at)
            return
        }
        let value = try normalise(kind, raw, country: country, field: field)
        if try holder(c, kind: kind, value: value) == memberId { return }
        try release(c, memberId: memberId, kind: kind, at: at)
        try claim(c, memberId: memberId, kind: kind, value: value, at: at, field: field)
    }
}
