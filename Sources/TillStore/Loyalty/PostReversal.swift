import TillCore
import TillProtocol

/// A terminal's void or return as one writer request: exactly once per `(branch, POS, voidId / returnId)`.
///
/// Guarantees: replays answer the stored reversal receipt with `replay = true` and write nothing; another body
/// under the same id is `transactionConflict`; a purchase this branch and POS never posted is
/// `transactionNotFound`; a voided purchase refuses further voids and returns (`transactionVoided`); returned
/// quantities are stored per line and checked cumulatively by the rules (`returnExceedsPurchase`); the purchase's
/// status becomes `voided`, `partially_returned` or `returned`. An operator's void or return (`operatorId` set) is the
/// same operation on the purchase's terminal: same id space, rules and replay; its ledger and activity rows carry the
/// operator.
public struct PostReversal: WriteRequest {
    enum Kind: Sendable {
        case void(VoidRequest)
        case `return`(ReturnRequest)
    }
    let kind: Kind
    let terminal: TerminalIdentity
    let fingerprint: [UInt8]
    let programs: ProgramCache

    /// It forgets its members' entries in the writer's `HotAccounts` before it changes their accounts.
    public static var keepsHotAccounts: Bool { true }
    /// Its reads (the stored answer, the purchase, the returned lines, the accounts, the members' fold marks) come
    /// before its first write, and its row ids from `RowIds`.
    public static var decidesBeforeWriting: Bool { true }
    /// The ledger decides it when the store runs one (`Ledger`): its id and the purchase's are checked against what
    /// the ledger decided since its snapshot, and so are the purchase's members before their accounts are read.
    public static var decidesOnLedger: Bool { true }
    /// Its writes change only its footprint: its members' accounts, each read through `AccountReader`, and its
    /// purchase, added to the connection's `footprint`.
    public static var reachesOnlyItsFootprint: Bool { true }
    /// The operator asking for it from the back office; nil when the terminal itself sends it.
    var operatorId: Int64? = nil

    private var reversalId: String {
        switch kind {
        case .void(let v): v.voidId
        case .return(let r): r.returnId
        }
    }
    /// Voids and returns share one id space per terminal: the field that named the id reused.
    private var reversalIdField: OperationIdField {
        switch kind {
        case .void: .voidId
        case .return: .returnId
        }
    }
    private var transactionId: String {
        switch kind {
        case .void(let v): v.transactionId
        case .return(let r): r.transactionId
        }
    }

    public func apply(_ context: WriteContext) throws -> ReversalReceipt {
        let connection = context.connection
        let once = ExactlyOnce(.reversals(terminal), id: reversalId, field: reversalIdField, fingerprint: fingerprint)
        if case .replay(let stored) = try once.admit(connection, unapplied: context.unapplied) {
            var receipt = try StoredJSON.decode(ReversalReceipt.self, from: stored.result)
            receipt.replay = true
            return receipt
        }
        // On the ledger: the purchase it names, decided since the snapshot (the purchase itself, another void or
        // return of it), is read once the snapshot holds it.
        let purchaseKey = UnappliedWrites.key(.purchases(terminal), id: transactionId)
        context.connection.footprint?.add(purchase: purchaseKey)  // its status changes
        try context.unapplied?.check(key: purchaseKey)
        guard let purchase = try connection.statement(
            "SELECT id, status, record, total_amount FROM purchases WHERE branch_id = ? AND pos_id = ? AND transaction_id = ?"
        ).firstRow([.text(terminal.branchId), .text(terminal.posId), .text(transactionId)], { r in
            (row: r.int64(0), status: r.text(1), record: r.optionalBlob(2) ?? [])
        }) else { throw TillError.transactionNotFound(transactionId: transactionId) }
        guard purchase.status != "voided" else { throw TillError.transactionVoided(transactionId: transactionId) }

        let record = try PurchaseRecord(text: String(decoding: purchase.record, as: UTF8.self))
        var previouslyReturned: [ReturnLine] = []
        try connection.statement(
            "SELECT line_id, sum(quantity) FROM returned_quantities WHERE purchase_id = ? GROUP BY line_id"
        ).forEachRow([.integer(purchase.row)]) { r in
            previouslyReturned.append(ReturnLine(lineId: r.text(0), quantity: Quantity(thousandths: r.int64(1))))
        }
        let program = try programs.current(connection)
        let now = context.now
        let rows = AccountRows()
        let reader = AccountReader(connection: connection, program: program, now: now, rows: rows)
        for member in record.memberIds {
            try context.unapplied?.check(member: member)  // on the ledger: read once the snapshot holds its changes
            context.hot?.forget(member)  // they change: the next purchase reads them
        }
        let accounts = try record.memberIds.compactMap { id throws in try reader.account(id, scope: .all) }
        let evaluation: ReversalEvaluation
        switch kind {
        case .void(let v):
            evaluation = try LoyaltyRules.void(v, record: record, previouslyReturned: previouslyReturned,
                                               members: accounts, catalog: program.catalog, now: now)
        case .return(let r):
            evaluation = try LoyaltyRules.returnItems(r, record: record, previouslyReturned: previouslyReturned,
                                                      members: accounts, catalog: program.catalog, now: now)
        }
        let at = now.millisecondsSinceEpoch
        let isVoid: Bool = if case .void = kind { true } else { false }
        let countedThrough = try record.memberIds.map { try MemberCounters.countedThrough(connection, member: $0) }
        let reversalRow = try context.takeRowId(.reversals)
        let stored = StoredJSON.encode(evaluation.receipt)
        context.unapplied?.claim(fingerprint: fingerprint, stored: ExactlyOnce.Stored(row: reversalRow, result: stored))
        try context.execute("""
            INSERT INTO reversals (id, branch_id, pos_id, reversal_id, kind, fingerprint, purchase_id, created_at, result)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(reversalRow), .text(terminal.branchId), .text(terminal.posId), .text(reversalId),
                  .text(isVoid ? "void" : "return"), .blob(fingerprint), .integer(purchase.row), .integer(at),
                  .blob(stored)])
        for line in evaluation.returnedLines where line.quantity.thousandths > 0 {
            try context.execute(
                "INSERT INTO returned_quantities (reversal_id, purchase_id, line_id, quantity) VALUES (?, ?, ?, ?)",
                [.integer(reversalRow), .integer(purchase.row), .text(line.lineId), .integer(line.quantity.thousandths)])
        }
        let origin = Origin(purchaseRow: purchase.row, reversalRow: reversalRow, terminal: terminal, operationId: reversalId,
                            operatorId: operatorId)
        try ChangePosting(context: context, program: program, now: now, rows: rows)
            .apply(evaluation.changes, accounts: accounts, origin: origin)

        let status: String
        if isVoid {
            status = "voided"
        } else {
            // Returned per line after this return: before it plus what it takes back.
            var returned: [String: Int64] = [:]
            for line in previouslyReturned { returned[line.lineId, default: 0] += line.quantity.thousandths }
            for line in evaluation.returnedLines { returned[line.lineId, default: 0] += line.quantity.thousandths }
            let open = record.lines.contains { $0.quantity.thousandths > returned[$0.lineId, default: 0] }
            status = open ? "partially_returned" : "returned"
        }
        try context.execute("UPDATE purchases SET status = ? WHERE id = ?", [.text(status), .integer(purchase.row)])

        let log = ActivityLog(connection, origin: origin.activity, at: now)
        for (position, memberId) in record.memberIds.enumerated() {
            try MemberCounters.reverse(context, purchase: purchase.row, member: memberId, through: countedThrough[position],
                                       spend: position == 0 ? evaluation.receipt.amount : 0, visit: isVoid)
            let amount = MoneyText.format(evaluation.receipt.amount, digits: MoneyText.minorDigits(program.settings.currency))
            let what = isVoid ? "Void \(reversalId) of purchase \(transactionId)" : "Return \(reversalId) of purchase \(transactionId)"
            try log.append(isVoid ? .purchaseVoided : .purchaseReturned, member: memberId, ActivityLog.details(
                "\(what) (\(amount) \(program.settings.currency)) at \(terminal.branchId)/\(terminal.posId)", member: memberId,
                ledger: evaluation.changes.ledger, currency: program.settings.currency))
        }
        return evaluation.receipt
    }
}
