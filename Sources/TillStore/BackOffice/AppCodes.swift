import TillCore
import TillProtocol

/// `member.appCode.issue` and `member.appCode.revoke`: the short-lived, single-use codes a member's app shows at the
/// till (identifier kind `appCode`).
///
/// Guarantees: an issued code is 8 random decimal digits (system randomness), unique among all codes ever issued,
/// valid for the shop's app-code lifetime from issue (`expiresAt`), for an active or pending member only (blocked:
/// `member_blocked`; anonymized: `not_allowed`); a purchase consumes it (`used`); revoking makes it unusable at once
/// and is idempotent; an unknown code is `not_found`. Both record an `app` activity entry without the code itself.
struct AppCodes {
    let actor: Actor

    func issue(_ c: Connection, _ r: MemberRef) throws -> AppCodeInfo {
        let member = try Members.findLiving(c, key: r.memberKey)
        if member.status == .blocked { throw TillError.memberBlocked(field: "memberKey", memberKey: r.memberKey) }
        let lifetime = (try? Program.load(c))?.settings.appCodeLifetimeMs ?? LoyaltySettings(currency: "EUR").appCodeLifetimeMs
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 {
            let code = String(UInt64.random(in: 0..<100_000_000, using: &generator) + 100_000_000).dropFirst()
            try c.execute("""
                INSERT INTO app_codes (code, member_id, issued_at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (code) DO NOTHING
                """, [.text(String(code)), .integer(member.id), .integer(actor.ms), .integer(actor.ms + lifetime)])
            guard c.changes > 0 else { continue }
            try ActivityLog(c, by: actor).append(.appCodeIssued, member: member.id,
                                      ActivityDetails(summary: "App code issued, valid \(lifetime / 1000) s"))
            return try Self.info(c, code: String(code), now: actor.ms)
        }
        throw TillError.storageFailure(reason: "no free app code after 16 draws")
    }

    func revoke(_ c: Connection, _ r: AppCodeRef) throws -> AppCodeInfo {
        guard let memberId = try c.statement("SELECT member_id FROM app_codes WHERE code = ?").firstRow([.text(r.code)], { $0.int64(0) }) else {
            throw TillError.notFound(field: "code", reason: "no app code \(r.code)")
        }
        try c.execute("UPDATE app_codes SET consumed_at = ? WHERE code = ? AND consumed_at IS NULL", [.integer(actor.ms), .text(r.code)])
        if c.changes > 0 {
            try ActivityLog(c, by: actor).append(.appCodeRevoked, member: memberId,
                                      ActivityDetails(summary: "App code revoked"))
        }
        return try Self.info(c, code: r.code, now: actor.ms)
    }

    static func info(_ c: Connection, code: String, now: Int64) throws -> AppCodeInfo {
        try c.statement("""
            SELECT m.member_key, a.issued_at, a.expires_at, a.consumed_at, a.consumed_purchase_id
            FROM app_codes a JOIN members m ON m.id = a.member_id WHERE a.code = ?
            """).firstRow([.text(code)]) { r in
            let state: AppCodeState =
                r.optionalInt64(4) != nil ? .used : r.optionalInt64(3) != nil ? .revoked : now > r.int64(2) ? .expired : .active
            return AppCodeInfo(code: code, memberKey: r.text(0), issuedAt: Timestamp(millisecondsSinceEpoch: r.int64(1)),
                               expiresAt: Timestamp(millisecondsSinceEpoch: r.int64(2)), state: state)
        }!
    }
}
