import TillCore
import TillProtocol

/// Consents recorded by an operator (e.g. given offline at the counter) and unsubscriptions.
///
/// Guarantees: `terms` granted stores when it was given (`at`, default now), withdrawn clears it; `marketing` sets
/// the opt-in to `single` or `withdrawn`, or to the status named by `optIn` (`double`, `objection`, …); each records a `legalMembership` or `communication` activity.
struct Preferences {
    let actor: Actor

    func consent(_ c: Connection, _ r: ConsentRecord) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: r.memberKey)
        let at = r.at?.millisecondsSinceEpoch ?? actor.ms
        switch r.channel {
        case .sms, .email, .push, .location:
            try c.execute("UPDATE members SET consent_\(r.channel.rawValue) = ?, updated_at = ? WHERE id = ?",
                          [.bool(r.granted), .integer(actor.ms), .integer(member.id)])
        case .terms:
            try c.execute("UPDATE members SET terms_accepted_at = ?, updated_at = ? WHERE id = ?",
                          [r.granted ? .integer(at) : .null, .integer(actor.ms), .integer(member.id)])
        case .marketing:
            try c.execute("UPDATE members SET opt_in_status = ?, updated_at = ? WHERE id = ?",
                          [.text(r.optIn?.rawValue ?? (r.granted ? "single" : "withdrawn")), .integer(actor.ms), .integer(member.id)])
        }
        try ActivityLog(c, by: actor).append(r.granted ? .consentGiven : .consentWithdrawn, member: member.id,
                                               ActivityDetails(summary: "\(r.channel.rawValue) consent \(r.granted ? "given" : "withdrawn")"
                                                           + (r.optIn.map { " (opt-in \($0.rawValue))" } ?? "") + " (recorded by operator)"))
        return try Profiles.load(c, id: member.id)
    }

    func unsubscribe(_ c: Connection, _ u: Unsubscribe) throws -> MemberProfile {
        let member = try Members.findLiving(c, key: u.memberKey)
        try c.execute("UPDATE members SET consent_\(u.channel.rawValue) = 0, updated_at = ? WHERE id = ?", [.integer(actor.ms), .integer(member.id)])
        try ActivityLog(c, by: actor).append(.unsubscribed, member: member.id,
                               ActivityDetails(summary: "Unsubscribed from \(u.channel.rawValue)"))
        return try Profiles.load(c, id: member.id)
    }
}
