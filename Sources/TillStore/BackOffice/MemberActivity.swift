import TillCore
import TillProtocol

/// Reading a member's activity newest first: the rows of the activity log (written by `ActivityLog`) merged with the
/// entries of the member's purchases since schema v7, which are read from their `purchase_members` rows (a purchase
/// writes no log row of its own: `SchemaV7`).
///
/// Guarantees: pages are newest first in one stable total order over both sources — `at`, then the log's order: a
/// log row by its id, a purchase's entry right after the log row `entry_after` (the last one written before the
/// purchase), purchases after the same row by their row id — so every entry lists where the log would have put it
/// (a purchase's redemption and completion entries above the purchase's own, of the same time); the cursor never
/// skips or repeats an entry. A purchase's entry reads exactly as the log row it replaces did: kind and group
/// `purchase`, source `pos`, its terminal, transaction id, `openedAt`, the points and credit it moved for the member
/// and the summary `Purchase of 34.00 EUR at b-012/pos-3, +42 points` (currency from the stored receipt).
enum MemberActivity {
    /// A place in the total order (newest first is descending): a log row is `(created_at, id, 0)`, a purchase's
    /// entry `(committed_at, entry_after, purchase row)` — after log row `entry_after`, before the next one.
    struct Key: Comparable {
        var at: Int64
        var seq: Int64
        var purchase: Int64
        static func < (a: Key, b: Key) -> Bool { (a.at, a.seq, a.purchase) < (b.at, b.seq, b.purchase) }

        /// `<at>:<id>` after a log row (the only format before v7, so an older cursor still continues where it
        /// stopped), `<at>:<entry_after>:<purchase row>` after a purchase's entry.
        var cursor: String { purchase == 0 ? "\(at):\(seq)" : "\(at):\(seq):\(purchase)" }

        init(at: Int64, seq: Int64, purchase: Int64) { (self.at, self.seq, self.purchase) = (at, seq, purchase) }

        init(cursor text: String) throws(TillError) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int64($0) }
            guard parts.count == 2 || parts.count == 3, let at = parts[0], let seq = parts[1],
                  parts.count == 2 || (parts[2] ?? 0) > 0 else {
                throw .invalidRequest(field: "cursor", reason: "not a cursor of activity.list")
            }
            self.init(at: at, seq: seq, purchase: parts.count == 3 ? parts[2]! : 0)
        }
    }

    /// One page of `activity.list`: entries on or before `before`, older than the cursor (`Key.cursor` of the last
    /// entry shown; the last page has none).
    static func page(_ c: Connection, _ q: ActivityQuery) throws -> ActivityPage {
        let member = try Members.find(c, key: q.memberKey)
        let cursor = try q.cursor.map { text throws(TillError) in try Key(cursor: text) }
            ?? Key(at: .max, seq: .max, purchase: .max)
        let before = q.before?.millisecondsSinceEpoch ?? Int64.max
        let limit = Int(q.limit)
        let logged = try loggedEntries(c, member: member.id, before: before, after: cursor, group: q.group, limit: limit + 1)
        let derived = q.group == nil || q.group == .purchase
            ? try purchaseEntries(c, member: member.id, before: before, after: cursor, limit: limit + 1) : []
        // Merge the two newest-first lists; a purchase's entry is completed (its currency read) only when shown.
        var rows: [(key: Key, entry: ActivityEntry?)] = []
        rows.reserveCapacity(min(limit + 1, logged.count + derived.count))
        var l = 0, d = 0
        while rows.count <= limit && (l < logged.count || d < derived.count) {
            if d == derived.count || (l < logged.count && logged[l].key > derived[d].key) {
                rows.append((logged[l].key, logged[l].entry)); l += 1
            } else {
                rows.append((derived[d].key, nil)); d += 1
            }
        }
        var next: String?
        if rows.count > limit {
            rows.removeLast()
            next = rows.last?.key.cursor
        }
        var entries: [ActivityEntry] = []
        entries.reserveCapacity(rows.count)
        var purchases = derived.makeIterator()
        for row in rows {
            if let entry = row.entry { entries.append(entry); continue }
            guard let p = purchases.next() else { break }
            entries.append(try p.entry(c))
        }
        return ActivityPage(entries: entries, nextCursor: next)
    }

    /// The member's log rows on or before `before` and older than `after`, newest first, at most `limit`.
    private static func loggedEntries(_ c: Connection, member: Int64, before: Int64, after cursor: Key, group: ActivityGroup?,
                                      limit: Int) throws -> [(key: Key, entry: ActivityEntry)] {
        var rows: [(key: Key, entry: ActivityEntry)] = []
        // Older than the cursor: an earlier time, or the same time and a lower id — or the id the cursor's purchase
        // entry follows (`Key`: that entry lists right after the log row).
        try c.statement("""
            SELECT a.id, a.created_at, a.grp, a.type, a.source, a.branch_id, a.pos_id, a.transaction_id, a.operator_id, o.name, a.details,
                   p.opened_at
            FROM activity_log a LEFT JOIN operators o ON o.id = a.operator_id
            LEFT JOIN purchases p ON a.source = 'pos' AND a.type NOT IN (?7, ?8)
                AND p.branch_id = a.branch_id AND p.pos_id = a.pos_id AND p.transaction_id = a.transaction_id
            WHERE a.member_id = ?1 AND a.created_at <= ?2
              AND (a.created_at < ?3 OR (a.created_at = ?3 AND (a.id < ?4 OR (a.id = ?4 AND ?9 > 0))))
              AND (?5 IS NULL OR a.grp = ?5)
            ORDER BY a.created_at DESC, a.id DESC LIMIT ?6
            """).forEachRow([.integer(member), .integer(before), .integer(cursor.at),
                             .integer(cursor.seq), .optional(group?.stored), .integer(Int64(limit)),
                             .text(ActivityKind.purchaseVoided.rawValue), .text(ActivityKind.purchaseReturned.rawValue),
                             .integer(cursor.purchase)]) { r in
            let details = r.optionalText(10).flatMap { try? StoredJSON.decode(ActivityDetails.self, from: Array($0.utf8)) }
            let branch = r.optionalText(5), pos = r.optionalText(6)
            let summary = details.map(\.summary).flatMap { $0.isEmpty ? nil : $0 } ?? r.text(3)
            rows.append((Key(at: r.int64(1), seq: r.int64(0), purchase: 0), ActivityEntry(
                at: Timestamp(millisecondsSinceEpoch: r.int64(1)), group: ActivityGroup(stored: r.text(2)), kind: r.text(3), summary: summary,
                source: ActivitySource(rawValue: r.text(4)) ?? .system,
                terminal: branch.flatMap { b in pos.map { TerminalIdentity(branchId: b, posId: $0) } },
                transactionId: r.optionalText(7), openedAt: r.optionalInt64(11).map { Timestamp(millisecondsSinceEpoch: $0) },
                operatorId: r.optionalInt64(8), operatorName: r.optionalText(9),
                pointsDelta: details?.pointsDelta, creditDelta: details?.creditDelta)))
        }
        return rows
    }

    /// A purchase's entry as read from its member row, before its currency is known.
    struct PurchaseEntry {
        var key: Key
        var terminal: TerminalIdentity
        var transactionId: String
        var openedAt: Int64
        var total: Int64
        var points: Int64
        var credit: Int64

        /// The entry, with the currency of the purchase's stored receipt (one row read by id: only for entries shown).
        func entry(_ c: Connection) throws -> ActivityEntry {
            guard let stored = try c.statement("SELECT receipt FROM purchases WHERE id = ?")
                .firstRow([.integer(key.purchase)], { $0.optionalBlob(0) ?? [] }) else {
                throw TillError.storageFailure(reason: "purchase row \(key.purchase) of an activity entry is missing")
            }
            let currency = try StoredReceipt.decode(stored).currency
            let details = ActivityLog.details(ActivityLog.purchaseSummary(total: total, currency: currency, terminal: terminal),
                                              points: points, credit: credit, currency: currency)
            return ActivityEntry(
                at: Timestamp(millisecondsSinceEpoch: key.at), group: ActivityKind.purchase.group, kind: ActivityKind.purchase.rawValue,
                summary: details.summary, source: .pos, terminal: terminal, transactionId: transactionId,
                openedAt: Timestamp(millisecondsSinceEpoch: openedAt), pointsDelta: details.pointsDelta, creditDelta: details.creditDelta)
        }
    }

    /// The member's purchase entries (purchases since v7) on or before `before` and older than `after`, newest first,
    /// at most `limit`: every purchase row of the member is read and sorted (a member's purchases are a keyed range).
    private static func purchaseEntries(_ c: Connection, member: Int64, before: Int64, after cursor: Key,
                                        limit: Int) throws -> [PurchaseEntry] {
        var rows: [PurchaseEntry] = []
        try c.statement("""
            SELECT p.committed_at, pm.entry_after, pm.purchase_id, p.branch_id, p.pos_id, p.transaction_id, p.opened_at,
                   p.total_amount, pm.points_delta, pm.credit_delta
            FROM purchase_members pm JOIN purchases p ON p.id = pm.purchase_id
            WHERE pm.member_id = ?1 AND pm.entry_after IS NOT NULL AND p.committed_at <= ?2
              AND (p.committed_at < ?3 OR (p.committed_at = ?3
                   AND (pm.entry_after < ?4 OR (pm.entry_after = ?4 AND pm.purchase_id < ?5))))
            ORDER BY p.committed_at DESC, pm.entry_after DESC, pm.purchase_id DESC LIMIT ?6
            """).forEachRow([.integer(member), .integer(before), .integer(cursor.at), .integer(cursor.seq),
                             .integer(cursor.purchase), .integer(Int64(limit))]) { r in
            rows.append(PurchaseEntry(
                key: Key(at: r.int64(0), seq: r.int64(1), purchase: r.int64(2)),
                terminal: TerminalIdentity(branchId: r.text(3), posId: r.text(4)), transactionId: r.text(5),
                openedAt: r.int64(6), total: r.int64(7), points: r.int64(8), credit: r.int64(9)))
        }
        return rows
    }
}
