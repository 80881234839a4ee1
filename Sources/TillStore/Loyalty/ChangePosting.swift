import TillCore
import TillProtocol

/// Where a change comes from: the purchase or reversal row the ledger and benefit rows point back to.
struct Origin {
    var purchaseRow: Int64
    var reversalRow: Int64?
    /// `branch/pos/transaction` of the operation, for the activity log.
    var terminal: TerminalIdentity
    var operationId: String
    /// The operator who asked for it from the back office (`purchase.void`, `purchase.return`); nil for a terminal.
    var operatorId: Int64? = nil

    /// Who the activity entries of the operation name.
    var activity: ActivityOrigin {
        if let operatorId { return .operatorOnTerminal(operatorId: operatorId, terminal, operationId: operationId) }
        return .terminal(terminal, operationId: operationId)
    }
}

/// Applies a `LoyaltyChanges` inside the writer's transaction, in the engine's order (issued benefits, benefit
/// updates, ledger, app codes); a touched wallet's row is written only when it folds (`WalletTotals`), and a punch
/// that keeps a card active is handed back to be recorded on the purchase's member row (`CardPunches`).
///
/// Guarantees: every ledger row is written; a wallet's row, when written (`WalletTotals.fold`), holds in `balance +
/// pending` exactly the sum of its ledger rows through `counted_through` (the store's latest row), with `pending` the
/// sum of the member's ledger groups whose `available_at` is after `now` (so matured points move from `pending` to
/// `balance` whenever a wallet is written), and it is written whenever pending points are involved, so later rows are
/// never pending; neither column goes negative when the engine's guarantee holds (the CHECK constraints would refuse
/// the write otherwise).
struct ChangePosting {
    let context: WriteContext
    let program: Program
    let now: Timestamp
    /// The wallet and card rows the accounts were read with (`AccountRows`): not looked up again.
    var rows: AccountRows? = nil

    // Whole texts in statics: the statement cache finds them by address.
    private static let updateKeepingStatus = """
        UPDATE member_benefits SET punches = ?, \(CardPunches.writtenThrough), used_in = ?,
            redeemed_at = CASE WHEN status = 'used' THEN coalesce(redeemed_at, ?) ELSE NULL END
        WHERE public_id = ? AND member_id = ?
        """
    private static let updateWithStatus = """
        UPDATE member_benefits SET status = ?, punches = ?, \(CardPunches.writtenThrough), used_in = ?,
            redeemed_at = CASE WHEN ? = 'used' THEN coalesce(redeemed_at, ?) ELSE NULL END
        WHERE public_id = ? AND member_id = ?
        """

    /// Writes `changes`. `memberRows`: the members whose `purchase_members` row the operation inserts after this (a
    /// purchase's members; none for a reversal): a punch that keeps one of their cards active is returned, to be
    /// recorded on that row (`CardPunches`), instead of written to the card's row.
    @discardableResult
    func apply(_ changes: LoyaltyChanges, accounts: [MemberAccount], origin: Origin,
               memberRows: [Int64] = []) throws -> [Int64: CardPunches.Recorded] {
        let at = SQLValue.integer(now.millisecondsSinceEpoch)
        var recorded: [Int64: CardPunches.Recorded] = [:]
        for issued in changes.benefitsIssued {
            let b = issued.benefit
            guard let template = program.templateRow(b.kind, b.templateId) else {
                throw TillError.notAllowed(field: nil, reason: "benefit template \(b.templateId) is not in the catalog")
            }
            let row = try context.takeRowId(.memberBenefits)
            try context.execute("""
                INSERT INTO member_benefits (id, public_id, member_id, kind, gift_template_id, punch_card_template_id,
                    status, valid_from, valid_until, assigned_at, punches, issued_by_purchase_id, used_in, issued_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(row), .text(b.id), .integer(issued.memberId), .text(b.kind.rawValue),
                      b.kind == .gift ? .integer(template) : .null, b.kind == .punchCard ? .integer(template) : .null,
                      .text(b.status.rawValue), .optional(b.validFrom?.millisecondsSinceEpoch),
                      .optional(b.validUntil?.millisecondsSinceEpoch), at, .integer(b.punches),
                      .integer(origin.purchaseRow), .optional(b.usedIn), .optional(b.issuedBy)])
            if b.kind == .punchCard { rows?.cards.append((b.id, row)) }
        }
        // `status` is indexed (`member_benefits_member`): setting it, even to the value it has, rewrites the index
        // entry and adds a page to the COMMIT and the checkpoint. A punch keeps the card's status, so the status is
        // written only when it changes: from what the account was read with, or what an earlier update of the same
        // benefit wrote (the last update of an id wins). A card's row, when written, gets its exact count and is
        // folded (`CardPunches.writtenThrough`).
        // The statuses written so far, in update order (a few per operation: searched from the end, not hashed).
        var statuses: [(benefitId: String, status: BenefitStatus)] = []
        for update in changes.benefitUpdates {
            let held = accounts.first { $0.id == update.memberId }?.benefits.first { $0.id == update.benefitId }
            let before = statuses.last { $0.benefitId == update.benefitId }?.status ?? held?.status
            statuses.append((update.benefitId, update.status))
            if recorded[update.memberId] == nil, memberRows.contains(update.memberId),
               let punch = try CardPunches.recordable(
                   update, held: held, updatesOfCard: changes.benefitUpdates.count { $0.benefitId == update.benefitId },
                   row: rows?.card(update.benefitId), context.connection) {
                recorded[update.memberId] = punch
                continue
            }
            if before == update.status {
                try context.execute(Self.updateKeepingStatus, [.integer(update.punches), .optional(update.usedIn), at,
                                                               .text(update.benefitId), .integer(update.memberId)])
                continue
            }
            try context.execute(Self.updateWithStatus, [.text(update.status.rawValue), .integer(update.punches),
                                                        .optional(update.usedIn), .text(update.status.rawValue), at,
                                                        .text(update.benefitId), .integer(update.memberId)])
        }
        if !changes.ledger.isEmpty { try post(changes.ledger, accounts: accounts, origin: origin, at: at) }
        for code in changes.appCodesConsumed {
            try context.execute("UPDATE app_codes SET consumed_at = ?, consumed_purchase_id = ? WHERE code = ?",
                                [at, .integer(origin.purchaseRow), .text(code)])
        }
        return recorded
    }

    private func post(_ ledger: [LedgerEntry], accounts: [MemberAccount], origin: Origin, at: SQLValue) throws {
        // Wallets touched, in first-touch order: (member, wallet) → running total delta and pending deltas.
        // `folds`: the wallet's row is written (`WalletTotals`): one of its new rows that readers sum from the index (a
        // reversal's: a purchase's are summed from its member rows, which the member's fold point bounds) is a fold
        // point, or its base records pending points.
        var touched: [(member: Int64, wallet: WalletKind, walletRow: Int64, delta: Int64, pending: [Int64: Int64],
                       folds: Bool)] = []
        for entry in ledger {
            var index = touched.firstIndex { $0.member == entry.memberId && $0.wallet == entry.wallet }
            if index == nil {
                let (row, basePending) = try walletRow(entry.memberId, entry.wallet)
                touched.append((entry.memberId, entry.wallet, row, 0, [:], basePending != 0))
                index = touched.count - 1
            }
            let i = index!
            touched[i].delta += entry.delta
            if let available = entry.availableAt, available > now {
                touched[i].pending[available.millisecondsSinceEpoch, default: 0] += entry.delta
            }
            let row = try context.takeRowId(.ledger)
            try context.execute("""
                INSERT INTO ledger (id, member_id, wallet_id, delta, kind, available_at, purchase_id, reversal_id, operator_id,
                    created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(row), .integer(entry.memberId), .integer(touched[i].walletRow), .integer(entry.delta),
                      .text(entry.kind.rawValue), .optional(entry.availableAt?.millisecondsSinceEpoch),
                      origin.reversalRow == nil ? .integer(origin.purchaseRow) : .null, .optional(origin.reversalRow),
                      .optional(origin.operatorId), at])
            if origin.reversalRow != nil, FoldPoint.folds(row: row) { touched[i].folds = true }
        }
        for t in touched {
            let account = accounts.first { $0.id == t.member }
            let balance: Int64, pending: Int64
            switch t.wallet {
            case .credit:
                balance = (account?.credit ?? 0) + t.delta
                pending = 0
            case .points:
                var groups: [Int64: Int64] = t.pending
                for p in account?.pending ?? [] { groups[p.availableAt.millisecondsSinceEpoch, default: 0] += p.points }
                pending = groups.values.reduce(0) { $0 + max($1, 0) }
                let total = (account?.points ?? 0) + (account?.pending.reduce(0) { $0 + $1.points } ?? 0) + t.delta
                balance = total - pending
            }
            let pendingInvolved = program.settings.pendingDays > 0 || !t.pending.isEmpty || !(account?.pending.isEmpty ?? true)
            guard t.folds || pendingInvolved else {
                rows?.posted(t.delta, toWallet: t.walletRow)
                continue
            }
            try context.execute(WalletTotals.fold, [.integer(balance), .integer(pending), .integer(t.walletRow)])
            rows?.folded(member: t.member, kind: t.wallet, id: t.walletRow, balance: balance, pending: pending)
        }
    }

    /// The member's wallet of `wallet` (created when missing) and the pending points its base records: looked up
    /// only when the account read did not read all of the member's wallets (`AccountRows`).
    private func walletRow(_ member: Int64, _ wallet: WalletKind) throws -> (id: Int64, basePending: Int64) {
        if let read = rows?.wallet(member, wallet) { return read }
        if !(rows?.hasAllWallets(of: member) ?? false) {
            let select = try context.statement("SELECT id, pending FROM wallets WHERE member_id = ? AND kind = ?")
            if let found = try select.firstRow([.integer(member), .text(wallet.rawValue)], { ($0.int64(0), $0.int64(1)) }) { return found }
        }
        let id = try context.takeRowId(.wallets)
        try context.execute("INSERT INTO wallets (id, member_id, kind) VALUES (?, ?, ?)",
                            [.integer(id), .integer(member), .text(wallet.rawValue)])
        rows?.folded(member: member, kind: wallet, id: id, balance: 0, pending: 0)  // a new wallet: an empty base
        return (id, 0)
    }
}
