import TillCore

/// The one exactly-once check of the store: before a keyed write request changes anything, it asks whether its id
/// is new, a replay of what is stored under the id, or a conflict with it. (A purchase asks only when it fails
/// before its first write, the insert of its row, whose unique index refuses a used id: `PostPurchase`.)
///
/// Guarantees: the answer is read inside the writer's transaction, so it holds until the request commits (one
/// writer); the same id with the same fingerprint is `.replay` with what was stored under the id; the same id with
/// any other fingerprint throws `TillError.transactionConflict` naming `field` and the id; an id that was never used
/// is `.new`. The fingerprint is compared byte for byte and nothing else decides a replay. Voids and returns share
/// one space per terminal (`.reversals`), so a `returnId` equal to an earlier `voidId` of the same terminal is a
/// conflict naming `returnId` (their fingerprints differ: the op is part of them).
public struct ExactlyOnce: Sendable {
    /// An id space: where ids are unique and what a replay answers from.
    public enum Space: Sendable, Hashable {
        /// A terminal's purchases: `purchases (branch_id, pos_id, transaction_id)`; the stored result is the receipt.
        case purchases(TerminalIdentity)
        /// A terminal's voids and returns, one space: `reversals (branch_id, pos_id, reversal_id)`; the stored
        /// result is the reversal receipt.
        case reversals(TerminalIdentity)
        /// Single wallet moves (an operator's `wallet.adjust`): `operations.key` (`prefix` + id) pointing at the
        /// move's ledger row; there is no stored result (the answer is read again: the current balance).
        case walletMoves(prefix: String)
    }

    /// What is stored under an id that was used before.
    public struct Stored: Sendable, Hashable {
        /// The row the id belongs to: the purchase, the reversal, or the ledger row of a wallet move.
        public var row: Int64
        /// The encoded answer stored with it (a purchase's `StoredReceipt`, a reversal's receipt JSON); empty for
        /// wallet moves.
        public var result: [UInt8]
    }

    /// The answer for a request.
    public enum Admission: Sendable, Hashable {
        /// Never used: apply the request (and record the id as part of it).
        case new
        /// Already applied with the same body: answer from `Stored`, marked replay, and write nothing.
        case replay(Stored)
    }

    public let space: Space
    public let id: String
    /// The field that names the id in the request (what a conflict reports).
    public let field: OperationIdField
    /// The request's fingerprint (for wallet moves, `ExactlyOnce.walletMove(…)`).
    public let fingerprint: [UInt8]

    public init(_ space: Space, id: String, field: OperationIdField, fingerprint: [UInt8]) {
        self.space = space
        self.id = id
        self.field = field
        self.fingerprint = fingerprint
    }

    /// New, replay, or throws `transactionConflict(field:id:)`.
    public func admit(_ connection: Connection) throws -> Admission {
        guard let (storedFingerprint, stored) = try lookup(connection) else { return .new }
        guard storedFingerprint == fingerprint else { throw TillError.transactionConflict(field: field, id: id) }
        return .replay(stored)
    }

    /// On the ledger (`unapplied`, `Ledger`): an id a request decided since the snapshot claimed is answered from what
    /// that request stored under it, as the store will hold it (a resend: `.replay`, another body: the conflict); an
    /// id such a request only named (a reversal names its purchase's) throws `UnappliedWrites.Conflict`, decided again
    /// once the snapshot holds it; any other id is looked up in the snapshot (`admit(_:)`). A request that goes on to
    /// claim the id registers what it stores with `UnappliedWrites.claim(fingerprint:stored:)`.
    func admit(_ connection: Connection, unapplied: UnappliedWrites?) throws -> Admission {
        guard let unapplied else { return try admit(connection) }
        let key = UnappliedWrites.key(space, id: id)
        if let claim = unapplied.claim(of: key) {
            guard claim.fingerprint == fingerprint else { throw TillError.transactionConflict(field: field, id: id) }
            return .replay(claim.stored)
        }
        try unapplied.admit(key: key)
        return try admit(connection)
    }

    /// Records the id of a new wallet move (the purchase and reversal spaces record theirs in the row they insert:
    /// `fingerprint` goes into its `fingerprint` column).
    public func recordWalletMove(_ connection: Connection, ledgerId: Int64, kind: String, at: Timestamp) throws {
        guard case .walletMoves(let prefix) = space else { preconditionFailure("only wallet moves are recorded in operations") }
        try connection.execute("INSERT INTO operations (key, kind, ledger_id, created_at) VALUES (?, ?, ?, ?)",
                            [.text(prefix + id), .text(kind), .integer(ledgerId), .integer(at.millisecondsSinceEpoch)])
    }

    /// The fingerprint of a wallet move: what makes two moves under one key the same request. The reason is not part
    /// of it (a resend with a retyped reason is the same adjustment).
    public static func walletMove(member: Int64, wallet: String, delta: Int64, kind: String) -> [UInt8] {
        Array("\(member)\u{1F}\(wallet)\u{1F}\(delta)\u{1F}\(kind)".utf8)
    }

    private func lookup(_ connection: Connection) throws -> ([UInt8], Stored)? {
        switch space {
        case .purchases(let terminal):
            return try connection.statement(
                "SELECT id, fingerprint, receipt FROM purchases WHERE branch_id = ? AND pos_id = ? AND transaction_id = ?"
            ).firstRow([.text(terminal.branchId), .text(terminal.posId), .text(id)]) { r in
                (r.optionalBlob(1) ?? [], Stored(row: r.int64(0), result: r.optionalBlob(2) ?? []))
            }
        case .reversals(let terminal):
            return try connection.statement(
                "SELECT id, fingerprint, result FROM reversals WHERE branch_id = ? AND pos_id = ? AND reversal_id = ?"
            ).firstRow([.text(terminal.branchId), .text(terminal.posId), .text(id)]) { r in
                (r.optionalBlob(1) ?? [], Stored(row: r.int64(0), result: r.optionalBlob(2) ?? []))
            }
        case .walletMoves(let prefix):
            // A key whose row has no ledger move (another kind of operation) never matches: a conflict.
            return try connection.statement("""
                SELECT l.id, l.member_id, w.kind, l.delta, l.kind
                FROM operations o LEFT JOIN ledger l ON l.id = o.ledger_id LEFT JOIN wallets w ON w.id = l.wallet_id
                WHERE o.key = ?
                """).firstRow([.text(prefix + id)]) { r in
                guard let ledger = r.optionalInt64(0), let member = r.optionalInt64(1), let wallet = r.optionalText(2),
                      let kind = r.optionalText(4) else { return ([], Stored(row: 0, result: [])) }
                return (ExactlyOnce.walletMove(member: member, wallet: wallet, delta: r.int64(3), kind: kind),
                        Stored(row: ledger, result: []))
            }
        }
    }
}
