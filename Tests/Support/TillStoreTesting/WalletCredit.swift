import TillCore
import TillStore

/// Moves one wallet by `delta` with one ledger entry, exactly once per `operationKey`.
///
/// Guarantees: the ledger row (the wallet's row when it folds) and the operation key commit together or not at all; a second
/// request with the same key and the same body changes nothing and answers `replayed: true` (with the current
/// balance); the same key with a different body is refused with `transactionConflict`; a balance never goes below
/// zero (`insufficientBalance`); an unknown member is refused with `memberNotFound`. Test machinery (the writer's
/// tests, the crash child, the floor benchmark): the daemon's wallet moves are purchases, reversals and
/// `wallet.adjust`.
public struct WalletCredit: WriteRequest {
    public var operationKey: String
    public var memberId: Int64
    public var wallet: WalletKind
    public var delta: Int64
    public var kind: LedgerEntry.Kind
    public var reason: String?
    /// Milliseconds since the epoch.
    public var at: Int64

    public init(operationKey: String, memberId: Int64, wallet: WalletKind, delta: Int64, kind: LedgerEntry.Kind,
                reason: String? = nil, at: Int64) {
        self.operationKey = operationKey
        self.memberId = memberId
        self.wallet = wallet
        self.delta = delta
        self.kind = kind
        self.reason = reason
        self.at = at
    }

    /// The durable result.
    public struct Outcome: Sendable, Hashable {
        public var ledgerId: Int64
        /// The wallet's available balance after this operation (after the original one on a replay: the current).
        public var balance: Int64
        /// True when the key had already been applied and nothing was written.
        public var replayed: Bool
    }

    // Wallet `w`'s available balance as the store derives it (`WalletTotals.availableBalance`). Whole texts built once:
    // the statement cache finds a static text by its address, not by hashing it per call.
    private static let balanceAfterOperation =
        "SELECT \(WalletTotals.availableBalance) FROM ledger l JOIN wallets w ON w.id = l.wallet_id WHERE l.id = ?"
    private static let wallet =
        "SELECT w.id, \(WalletTotals.availableBalance), w.pending FROM wallets w WHERE w.member_id = ? AND w.kind = ?"

    public func apply(_ context: WriteContext) throws -> Outcome {
        let connection = context.connection
        let once = ExactlyOnce(.walletMoves(prefix: ""), id: operationKey, field: .adjustmentId,
                               fingerprint: ExactlyOnce.walletMove(member: memberId, wallet: wallet.rawValue, delta: delta, kind: kind.rawValue))
        if case .replay(let stored) = try once.admit(connection) {
            let balance = try connection.int64(Self.balanceAfterOperation, [.integer(stored.row)]) ?? 0
            return Outcome(ledgerId: stored.row, balance: balance, replayed: true)
        }
        guard delta != 0 else { throw TillError.invalidRequest(field: "delta", reason: "must not be zero") }
        guard try connection.int64("SELECT 1 FROM members WHERE id = ?", [.integer(memberId)]) != nil else {
            throw TillError.memberNotFound(field: "memberId")
        }
        try context.execute("INSERT INTO wallets (member_id, kind) VALUES (?, ?) ON CONFLICT (member_id, kind) DO NOTHING",
                            [.integer(memberId), .text(wallet.rawValue)])
        // The wallet's row is a base; its ledger rows after `counted_through` add to it (as the store's own postings).
        let (walletId, balance, pending) = try connection.statement(Self.wallet)
            .firstRow([.integer(memberId), .text(wallet.rawValue)]) { ($0.int64(0), $0.int64(1), $0.int64(2)) }!
        guard let held = Arithmetic.add(balance, pending, atMost: .max), let after = Arithmetic.add(held, max(0, delta), atMost: .max),
              balance + min(0, delta) >= 0 else {
            throw TillError.insufficientBalance(field: "delta", wallet: wallet, requested: delta == .min ? .max : -delta, available: balance)
        }
        guard after <= ValueLimits.maxBalance else {
            throw TillError.invalidRequest(field: "delta", reason: "the wallet would hold more than \(ValueLimits.maxBalance)")
        }
        try context.execute("""
            INSERT INTO ledger (member_id, wallet_id, delta, kind, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, [.integer(memberId), .integer(walletId), .integer(delta), .text(kind.rawValue), .optional(reason), .integer(at)])
        let ledgerId = context.lastInsertRowID
        if FoldPoint.folds(row: ledgerId) {  // as the store's postings do
            try context.execute(WalletTotals.fold, [.integer(balance + delta), .integer(pending), .integer(walletId)])
        }
        try once.recordWalletMove(connection, ledgerId: ledgerId, kind: "wallet_credit", at: Timestamp(millisecondsSinceEpoch: at))
        return Outcome(ledgerId: ledgerId, balance: balance + delta, replayed: false)
    }
}
