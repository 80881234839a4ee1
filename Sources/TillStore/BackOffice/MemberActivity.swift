import TillCore
import TillProtocol

/// Reading the member activity log (written by `ActivityLog`) newest first.
///
/// Guarantees: pages are newest first with a stable order (`created_at`, then id) and a cursor that never skips or
/// repeats an entry.
enum MemberActivity {
    /// One page of `activity.list`: entries on or before `before`, older than the cursor. The cursor is
    /// `<created_at>:<id>` of the last entry shown; the last page has none.
    static func page(_ c: Connection, _ q: ActivityQuery) throws -> ActivityPage {
        let member = try Members.find(c, key: q.memberKey)
        var cursor = (at: Int64.max, id: Int64.max)
        if let text = q.cursor {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let at = Int64(parts[0]), let id = Int64(parts[1]) else {
                throw TillError.invalidRequest(field: "cursor", reason: "not a cursor of activity.list")
            }
            cursor = (at, id)
        }
        var rows: [(at: Int64, id: Int64, entry: ActivityEntry)] = []
        try c.statement("""
            SELECT a.id, a.created_at, a.grp, a.type, a.source, a.branch_id, a.pos_id, a.transaction_id, a.operator_id, o.name, a.details,
                   p.opened_at
            FROM activity_log a LEFT JOIN operators o ON o.id = a.operator_id
            LEFT JOIN purchases p ON a.source = 'pos' AND a.type NOT IN (?7, ?8)
                AND p.branch_id = a.branch_id AND p.pos_id = a.pos_id AND p.transaction_id = a.transaction_id
            WHERE a.member_id = ?1 AND a.created_at <= ?2 AND (a.created_at < ?3 OR (a.created_at = ?3 AND a.id < ?4))
              AND (?5 IS NULL OR a.grp = ?5)
            ORDER BY a.created_at DESC, a.id DESC LIMIT ?6
            """).forEachRow([.integer(member.id), .integer(q.before?.millisecondsSinceEpoch ?? Int64.max), .integer(cursor.at),
                             .integer(cursor.id), .optional(q.group?.stored), .integer(q.limit + 1),
                             .text(ActivityKind.purchaseVoided.rawValue), .text(ActivityKind.purchaseReturned.rawValue)]) { r in
            let details = r.optionalText(10).flatMap { try? StoredJSON.decode(ActivityDetails.self, from: Array($0.utf8)) }
            let branch = r.optionalText(5), pos = r.optionalText(6)
            let summary = details.map(\.summary).flatMap { $0.isEmpty ? nil : $0 } ?? r.text(3)
            rows.append((r.int64(1), r.int64(0), ActivityEntry(
                at: Timestamp(millisecondsSinceEpoch: r.int64(1)), group: ActivityGroup(stored: r.text(2)), kind: r.text(3), summary: summary,
                source: ActivitySource(rawValue: r.text(4)) ?? .system,
                terminal: branch.flatMap { b in pos.map { TerminalIdentity(branchId: b, posId: $0) } },
                transactionId: r.optionalText(7), openedAt: r.optionalInt64(11).map { Timestamp(millisecondsSinceEpoch: $0) },
                operatorId: r.optionalInt64(8), operatorName: r.optionalText(9),
                pointsDelta: details?.pointsDelta, creditDelta: details?.creditDelta)))
        }
        var next: String?
        if rows.count > Int(q.limit) {
            rows.removeLast()
            next = "\(rows.last!.at):\(rows.last!.id)"
        }
        return ActivityPage(entries: rows.map(\.entry), nextCursor: next)
    }
}
