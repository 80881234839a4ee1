import TillCore
import TillProtocol

/// `wallet.adjust`: an operator adds to or takes from a member's points or credit, with a reason.
///
/// Guarantees: one `adjust` ledger row is the move (the wallet's row is written only when it folds: `WalletTotals`); available
/// balance never goes below zero (`insufficient_balance`, nothing written); `adjustmentId` makes it exactly-once (a
/// resend with the same body answers the current balance, a different body is `transaction_conflict`).
struct WalletAdjustment {
    let actor: Actor

    func apply(_ c: Connection, _ a: WalletAdjust) throws -> WalletBalance {
        let member = try Members.findLiving(c, key: a.memberKey)
        let once = ExactlyOnce(.walletMoves(prefix: "adjust:"), id: a.adjustmentId, field: .adjustmentId,
                               fingerprint: ExactlyOnce.walletMove(member: member.id, wallet: a.wallet.rawValue, delta: a.delta,
                                                                   kind: LedgerEntry.Kind.adjust.rawValue))
        if case .replay = try once.admit(c) { return try WalletTotals.balance(c, member: member.id) }
        try c.execute("INSERT INTO wallets (member_id, kind) VALUES (?, ?) ON CONFLICT (member_id, kind) DO NOTHING",
                      [.integer(member.id), .text(a.wallet.rawValue)])
        let wallet = try WalletTotals.read(c, member: member.id).first { $0.kind == a.wallet }!
        let (walletId, balance, pending) = (wallet.id, wallet.balance, wallet.pending)
        // |delta| <= 10^12 (decoded) and the wallet within `maxBalance`: the sums cannot overflow.
        guard balance + a.delta >= 0 else {
            throw TillError.insufficientBalance(field: "delta", wallet: a.wallet, requested: -a.delta, available: balance)
        }
        guard balance + pending + a.delta <= ValueLimits.maxBalance else {
            throw TillError.invalidRequest(field: "delta", reason: "the wallet would hold more than \(ValueLimits.maxBalance)")
        }
        try c.execute("""
            INSERT INTO ledger (member_id, wallet_id, delta, kind, operator_id, reason, created_at) VALUES (?, ?, ?, 'adjust', ?, ?, ?)
            """, [.integer(member.id), .integer(walletId), .integer(a.delta), .integer(actor.id), .text(a.reason), .integer(actor.ms)])
        let row = c.lastInsertRowID
        if FoldPoint.folds(row: row) {
            try c.execute(WalletTotals.fold, [.integer(balance + a.delta), .integer(pending), .integer(walletId)])
        }
        try once.recordWalletMove(c, ledgerId: row, kind: "wallet_adjust", at: actor.at)
        let verb = a.delta > 0 ? "Added" : "Deducted"
        try ActivityLog(c, by: actor).append(.walletAdjusted, member: member.id, ActivityDetails(
            summary: "\(verb) \(a.delta.magnitude) \(a.wallet.rawValue): \(a.reason)",
            pointsDelta: a.wallet == .points ? a.delta : nil, creditDelta: a.wallet == .credit ? a.delta : nil))
        return try WalletTotals.balance(c, member: member.id)
    }
}
