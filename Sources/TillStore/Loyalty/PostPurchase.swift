import TillCore
import TillProtocol

/// A terminal's purchase as one writer request: exactly once per `(branch, POS, transactionId)`.
///
/// Guarantees: a new id is evaluated against the members' state read inside the write transaction, and the
/// purchase with its lines, members, receipt, record, ledger rows, benefit rows, wallet columns, consumed app codes,
/// member counters with each member's activity entry (`MemberActivity`) and the activity rows of its redemptions and
/// completed cards (`PurchaseActivity`) commit together or not at all; the same id with the same fingerprint answers
/// the stored receipt with `replay = true` and writes nothing; the same id with another fingerprint is refused with
/// `transactionConflict` — whatever else the request would be refused for (the id is looked up when the request
/// fails before its row is inserted, and its unique index makes a used id fail there).
public struct PostPurchase: WriteRequest {
    let request: PurchaseRequest
    let terminal: TerminalIdentity
    let fingerprint: [UInt8]
    let programs: ProgramCache

    /// It updates its members' entries in the writer's `HotAccounts`.
    public static var keepsHotAccounts: Bool { true }
    /// Its reads (the accounts, the catalog, at a fold point the members' fold bases) come before its first write,
    /// and its row ids from `RowIds`.
    public static var decidesBeforeWriting: Bool { true }
    /// The ledger decides it when the store runs one (`Ledger`).
    public static var decidesOnLedger: Bool { true }
    /// Its writes change only its footprint: its members' accounts, each read through `AccountReader`, and its
    /// purchase, added to the connection's `footprint`.
    public static var reachesOnlyItsFootprint: Bool { true }

    public func apply(_ context: WriteContext) throws -> Receipt {
        var claimed = false
        if let footprint = context.connection.footprint {  // a status of its id waits for it
            footprint.add(purchase: UnappliedWrites.key(.purchases(terminal), id: request.transactionId))
        }
        if let unapplied = context.unapplied {
            // On the ledger the writes run later, on the writer: the id is looked up first, among the purchases
            // decided since the snapshot (a resend of one answered from memory) and in the snapshot.
            let once = ExactlyOnce(.purchases(terminal), id: request.transactionId, field: .transactionId, fingerprint: fingerprint)
            if case .replay(let stored) = try once.admit(context.connection, unapplied: unapplied) {
                var receipt = try StoredReceipt.decode(stored.result)
                receipt.replay = true
                return receipt
            }
            return try post(context, claimed: &claimed)
        }
        do {
            return try post(context, claimed: &claimed)
        } catch {
            // The id is claimed by inserting the purchase's row, the first write (its unique index decides): a
            // resend or a conflicting request fails there, or earlier (the gift it redeemed is used now, …), before
            // anything was written, and what is stored under the id answers as if it had been asked first
            // (`ExactlyOnce`). Asking only then saves a lookup per new purchase. A failure after the claim is the
            // request's own.
            guard !claimed else { throw error }
            let once = ExactlyOnce(.purchases(terminal), id: request.transactionId, field: .transactionId, fingerprint: fingerprint)
            if case .replay(let stored) = try once.admit(context.connection) {
                var receipt = try StoredReceipt.decode(stored.result)
                receipt.replay = true
                return receipt
            }
            throw error
        }
    }

    /// Evaluates and writes the purchase as a new one; `claimed` once its row, and so its id, is inserted.
    private func post(_ context: WriteContext, claimed: inout Bool) throws -> Receipt {
        let connection = context.connection
        let program = try programs.current(connection)
        let now = context.now
        let rows = AccountRows()
        var reader = AccountReader(connection: connection, program: program, now: now, rows: rows)
        reader.hot = context.hot
        reader.unapplied = context.unapplied
        let matches = try reader.matches(request.members, scope: .active(naming: request.redemptions))
        let evaluation = try LoyaltyRules.purchase(
            request, terminal: terminal, matches: matches, catalog: program.catalog, settings: program.settings, now: now)
        let receipt = evaluation.receipt
        let stored = StoredReceipt.encode(receipt)
        try ReceiptBound.check(receipt, stored: stored)
        let record = evaluation.record
        let at = now.millisecondsSinceEpoch

        // Everything the writes depend on is read before the first: the row id decides whether this purchase is its
        // members' fold point (`FoldPoint`), which reads their fold bases (with the cards the purchase may punch).
        let purchaseRow = try context.takeRowId(.purchases)
        context.unapplied?.claim(fingerprint: fingerprint, stored: ExactlyOnce.Stored(row: purchaseRow, result: stored))
        var folds: [MemberCounters.FoldBase] = []
        if FoldPoint.folds(row: purchaseRow) {
            for memberId in record.memberIds {
                // Read from the snapshot: on the ledger, only once it holds the requests that touched the member.
                if let unapplied = context.unapplied, let through = unapplied.touched(memberId) { throw unapplied.conflict(through) }
                let cards = evaluation.changes.benefitUpdates.compactMap { $0.memberId == memberId ? rows.card($0.benefitId) : nil }
                folds.append(try MemberCounters.FoldBase.read(connection, member: memberId, cards: cards))
            }
        }

        let budget = record.budget
        try context.execute("""
            INSERT INTO purchases (id, branch_id, pos_id, transaction_id, fingerprint, opened_at, committed_at, status,
                total_amount, total_discount, paid_points, paid_credit, receipt, record, lines)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'final', ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(purchaseRow), .text(terminal.branchId), .text(terminal.posId), .text(request.transactionId), .blob(fingerprint),
                  .integer(request.openedAt.millisecondsSinceEpoch), .integer(at), .integer(receipt.total),
                  .integer(receipt.itemDiscounts + receipt.orderDiscount + receipt.benefitDiscounts),
                  .integer(budget?.wallet == .points ? budget!.units : 0),
                  .integer(budget?.wallet == .credit ? budget!.units : 0),
                  .blob(stored), .blob(record.textBytes), .blob(TicketLines.encode(request.items, lines: record.lines))])
        claimed = true

        var accounts: [MemberAccount] = []  // the purchase's members' accounts, in one pass
        accounts.reserveCapacity(record.memberIds.count)
        for match in matches { if let a = match.account, record.memberIds.contains(a.id) { accounts.append(a) } }
        let origin = Origin(purchaseRow: purchaseRow, reversalRow: nil, terminal: terminal, operationId: request.transactionId)
        let punched = try ChangePosting(context: context, program: program, now: now, rows: rows)
            .apply(evaluation.changes, accounts: accounts, origin: origin, memberRows: record.memberIds)

        // Each member's activity entry is their purchase_members row (`MemberActivity`): no activity_log row. The
        // points and credit it moved are also how its wallets sum the purchase (`WalletTotals`): the engine posts to
        // the purchase's members only.
        precondition(evaluation.changes.ledger.allSatisfy { record.memberIds.contains($0.memberId) },
                     "a purchase posted to a member it does not name")
        // The cards whose rows the posting wrote (with their exact count): every card updated but the ones whose
        // punches went on a member row.
        let written = folds.isEmpty ? [] : evaluation.changes.benefitUpdates.compactMap { update in
            rows.card(update.benefitId).flatMap { row in punched.values.contains { $0.card == row } ? nil : row }
        }
        for (position, memberId) in record.memberIds.enumerated() {
            try MemberCounters.add(context, purchase: purchaseRow, member: memberId, position: position,
                                   spend: position == 0 ? receipt.total : 0, punched: punched[memberId],
                                   moved: ActivityLog.moved(member: memberId, ledger: evaluation.changes.ledger),
                                   fold: folds.isEmpty ? nil : folds[position], written: written, rows: rows)
        }
        if let hot = context.hot { stage(evaluation.changes, members: record.memberIds, rows: rows, now: now, in: hot) }
        // Entries of redemptions and completed cards (most purchases have neither: nothing to build then).
        guard !record.redeemed.isEmpty || record.cards.contains(where: \.completed) else { return receipt }
        let log = ActivityLog(connection, origin: origin.activity, at: now)
        let place = "\(terminal.branchId)/\(terminal.posId) \(request.transactionId)"
        let activity = PurchaseActivity(record: record, receipt: receipt, catalog: program.catalog, place: place)
        for entry in activity.redemptions + activity.completions {
            try log.append(entry.kind, member: entry.member,
                           ActivityLog.details(entry.summary, member: entry.member, ledger: [], currency: receipt.currency))
        }
        return receipt
    }

    /// The purchase's members' entries in `hot` as the purchase leaves them (kept if it succeeds).
    private func stage(_ changes: LoyaltyChanges, members: [Int64], rows: AccountRows, now: Timestamp,
                       in hot: HotAccounts) {
        for member in members {
            guard var entry = hot.current(member) else { continue }
            if entry.apply(changes, now: now, rows: rows) { hot.stage(entry) } else { hot.forget(member) }
        }
    }
}
