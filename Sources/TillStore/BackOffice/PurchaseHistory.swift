import TillCore
import TillProtocol

/// `purchase.list` and `purchase.get`: purchases as the back office shows them.
///
/// Guarantees: pages are in a stable order (newest first by default) with a cursor that never skips or repeats a
/// purchase; with a member, the page carries the member's lifetime spend; a ticket shows every line with its
/// discount and returned quantity, every member identified on it, and the receipt the POS was answered.
enum PurchaseHistory {
    static func page(_ c: Connection, _ q: PurchaseQuery) throws -> PurchasePage {
        var memberId: Int64?
        var lifetime: MinorUnits?
        if let key = q.memberKey {
            let member = try Members.find(c, key: key)
            memberId = member.id
            lifetime = try MemberCounters.load(c, member: member.id).lifetimeSpend
        }
        // Across all members, date order is commit order (the rowid): every purchase would otherwise pay for an
        // index on opened_at. A purchase posted late by an offline POS is listed when it arrived.
        let byDate = memberId == nil ? "p.id" : "p.opened_at"
        let (column, descending) = switch q.sort {
        case .newest: (byDate, true)
        case .oldest: (byDate, false)
        case .totalDescending: ("p.total_amount", true)
        }
        guard memberId != nil || q.sort != .totalDescending else {
            throw TillError.invalidRequest(field: "sort", reason: "totalDescending needs memberKey (it would sort every purchase)")
        }
        var after: (Int64, Int64)?
        if let cursor = q.cursor {
            let parts = cursor.split(separator: ":")
            guard parts.count == 2, let v = Int64(parts[0]), let id = Int64(parts[1]) else {
                throw TillError.invalidRequest(field: "cursor", reason: "not a cursor of purchase.list")
            }
            after = (v, id)
        }
        let cmp = descending ? "<" : ">"
        let order = descending ? "DESC" : "ASC"
        let sql = """
            SELECT p.id, \(column), p.branch_id, p.pos_id, p.transaction_id, p.opened_at, p.total_amount, p.status, p.receipt,
                   p.record
            FROM purchases p \(memberId == nil ? "" : "JOIN purchase_members pm ON pm.purchase_id = p.id AND pm.member_id = ?1")
            WHERE (?2 IS NULL OR p.status = ?2) AND (?3 IS NULL OR \(column) \(cmp) ?3 OR (\(column) = ?3 AND p.id \(cmp) ?4))
            ORDER BY \(column) \(order), p.id \(order) LIMIT ?5
            """
        var rows: [(key: Int64, id: Int64, record: [UInt8], row: PurchaseRow)] = []
        var arguments: [SQLValue] = [.optional(q.state.map(stored)), .optional(after?.0), .optional(after?.1), .integer(q.limit + 1)]
        if let memberId { arguments.insert(.integer(memberId), at: 0) } else { arguments.insert(.null, at: 0) }
        // ?1 is bound even when unused: SQLite numbers parameters up to the highest index.
        try c.statement(sql).forEachRow(arguments) { r in
            // Every stored receipt reads back (what Till writes it can read): a failure is an error, never a row
            // with an empty currency.
            let receipt = try r.optionalBlob(8).map { blob throws(TillError) in try StoredReceipt.decode(blob) }
            rows.append((r.int64(1), r.int64(0), r.optionalBlob(9) ?? [], PurchaseRow(
                terminal: TerminalIdentity(branchId: r.text(2), posId: r.text(3)), transactionId: r.text(4),
                openedAt: Timestamp(millisecondsSinceEpoch: r.int64(5)), total: r.int64(6), currency: receipt?.currency ?? "",
                state: state(r.text(7)), memberKeys: [])))
        }
        var next: String?
        if rows.count > Int(q.limit) {
            rows.removeLast()
            next = "\(rows.last!.key):\(rows.last!.id)"
        }
        var purchases: [PurchaseRow] = []
        for entry in rows {
            var row = entry.row
            let record = try PurchaseRecord(text: String(decoding: entry.record, as: UTF8.self))
            row.memberKeys = try memberKeys(c, memberIds: record.memberIds)
            purchases.append(row)
        }
        return PurchasePage(purchases: purchases, nextCursor: next, lifetimeSpend: lifetime)
    }

    /// The ticket of purchase `t.transactionId`, or of the purchase that void or return `t.transactionId` reversed (a
    /// reversal id leads back to its purchase), with its voids and returns.
    static func ticket(_ c: Connection, _ t: TicketRef) throws -> PurchaseTicket {
        guard let head = try c.statement("""
            SELECT id, status, opened_at, receipt, lines, record, transaction_id FROM purchases
            WHERE branch_id = ?1 AND pos_id = ?2 AND (transaction_id = ?3
                OR id = (SELECT purchase_id FROM reversals WHERE branch_id = ?1 AND pos_id = ?2 AND reversal_id = ?3))
            ORDER BY transaction_id = ?3 DESC LIMIT 1
            """).firstRow([.text(t.terminal.branchId), .text(t.terminal.posId), .text(t.transactionId)], {
            (id: $0.int64(0), status: $0.text(1), openedAt: $0.int64(2), receipt: $0.optionalBlob(3), lines: $0.optionalBlob(4) ?? [],
             record: $0.optionalBlob(5) ?? [], transactionId: $0.text(6))
        }) else { throw TillError.notFound(field: "transactionId", reason: "no purchase \(t.transactionId) at \(t.terminal.branchId)/\(t.terminal.posId)") }
        var returned: [String: Quantity] = [:]
        try c.statement("SELECT line_id, sum(quantity) FROM returned_quantities WHERE purchase_id = ? GROUP BY line_id")
            .forEachRow([.integer(head.id)]) { returned[$0.text(0)] = Quantity(thousandths: $0.int64(1)) }
        let record = try PurchaseRecord(text: String(decoding: head.record, as: UTF8.self))
        let lines = try TicketLines.decode(head.lines, lines: record.lines, returned: returned)
        var reversals: [ReversalReceipt] = []
        try c.statement("SELECT result FROM reversals WHERE purchase_id = ? ORDER BY id").forEachRow([.integer(head.id)]) { r in
            if let bytes = r.optionalBlob(0), let receipt = try? StoredJSON.decode(ReversalReceipt.self, from: bytes) { reversals.append(receipt) }
        }
        return PurchaseTicket(terminal: t.terminal, transactionId: head.transactionId, state: state(head.status),
                              openedAt: Timestamp(millisecondsSinceEpoch: head.openedAt), lines: lines,
                              memberKeys: try memberKeys(c, memberIds: record.memberIds),
                              receipt: try head.receipt.map { blob throws(TillError) in try StoredReceipt.decode(blob) },
                              reversals: reversals)
    }

    /// The current member keys of the purchase's members, in the purchase's order (the record keeps their ids; an
    /// anonymized member shows its anonymized key, not the one it had when it bought).
    static func memberKeys(_ c: Connection, memberIds: [Int64]) throws -> [String] {
        let select = try c.statement("SELECT member_key FROM members WHERE id = ?")
        return try memberIds.compactMap { id throws in try select.firstRow([.integer(id)]) { $0.text(0) } }
    }

    static func stored(_ s: TransactionState) -> String { s == .partiallyReturned ? "partially_returned" : s.rawValue }
    static func state(_ s: String) -> TransactionState { s == "partially_returned" ? .partiallyReturned : TransactionState(rawValue: s) ?? .unknown }
}

