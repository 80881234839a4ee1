import TillCore

/// The simulator's own account of what the server must hold: starting balances of the members it used plus every
/// acknowledged receipt and reversal, and the set of acknowledged transactions.
///
/// Guarantees: a receipt counts once however often its transaction is retried (replays are checked to be identical
/// to the first receipt instead); comparing points uses spendable + pending, since points move from pending to
/// spendable with time alone. Receipts are kept as a digest (the receipt's hash with `replay` cleared), so a long run
/// holds a few dozen bytes per transaction; digests are only comparable within one process.
public struct ExpectedWallets: Sendable {
    /// One acknowledged purchase: where it was posted and the digest of its first receipt.
    public struct Acknowledged: Sendable, Equatable {
        public var terminal: TerminalIdentity
        public var transactionId: String
        public var digest: Int
    }

    public struct Totals: Sendable, Equatable {
        public var points: Int64
        public var credit: Int64
    }

    private(set) var baseline: [String: Totals] = [:]
    private(set) var deltas: [String: Totals] = [:]
    private(set) var receipts: [String: Acknowledged] = [:]
    private(set) var reversals: Set<String> = []
    public private(set) var problems: [String] = []

    public init() {}

    /// The balance a member had before the run touched them (from `identify`).
    public mutating func noteBaseline(memberKey: String, balance: WalletBalance) {
        if baseline[memberKey] == nil {
            baseline[memberKey] = Totals(points: balance.points + balance.pendingPoints, credit: balance.credit)
        }
    }

    /// An acknowledged purchase. A replay must equal the receipt first acknowledged for that transaction.
    public mutating func acknowledge(_ receipt: Receipt) {
        let key = "\(receipt.terminal.branchId)/\(receipt.terminal.posId)/\(receipt.transactionId)"
        let digest = Self.digest(receipt)
        if let first = receipts[key] {
            if digest != first.digest { problems.append("replay of \(key) differs from the first receipt") }
            return
        }
        // A replay seen first (the original's answer was lost with its connection) counts like the original.
        receipts[key] = Acknowledged(terminal: receipt.terminal, transactionId: receipt.transactionId, digest: digest)
        for member in receipt.members {
            add(member.memberKey, points: member.pointsEarned - member.pointsSpent, credit: -member.creditSpent)
        }
    }

    /// An acknowledged void or return (counted once per reversal id).
    public mutating func acknowledge(_ reversal: ReversalReceipt, terminal: TerminalIdentity) {
        let key = "\(terminal.branchId)/\(terminal.posId)/\(reversal.kind.rawValue)/\(reversal.reversalId)"
        guard reversals.insert(key).inserted else { return }
        for member in reversal.members {
            add(member.memberKey, points: member.pointsRefunded - member.pointsTakenBack, credit: member.creditRefunded)
        }
    }

    /// Members whose expected balance is known.
    public var memberKeys: [String] { baseline.keys.sorted() }

    /// Acknowledged purchases, keyed `branch/pos/transactionId`.
    public var acknowledgedReceipts: [String: Acknowledged] { receipts }

    /// The digest a receipt is compared by: its hash with `replay` cleared.
    public static func digest(_ receipt: Receipt) -> Int {
        var normalised = receipt
        normalised.replay = false
        return normalised.hashValue
    }

    /// Folds in what another part of the run saw (one model per event loop, over disjoint terminals, so no
    /// transaction is in both). Baselines already in `self` win.
    public mutating func merge(_ other: ExpectedWallets) {
        for (key, base) in other.baseline where baseline[key] == nil { baseline[key] = base }
        for (key, ack) in other.receipts {
            if let mine = receipts[key] {
                if mine.digest != ack.digest { problems.append("replay of \(key) differs from the first receipt") }
                continue
            }
            receipts[key] = ack
        }
        for (key, delta) in other.deltas { add(key, points: delta.points, credit: delta.credit) }
        reversals.formUnion(other.reversals)
        problems.append(contentsOf: other.problems)
    }

    /// Records a problem found outside the model (a violation seen by a terminal).
    public mutating func note(problem: String) { problems.append(problem) }

    public func expected(_ memberKey: String) -> Totals? {
        guard let base = baseline[memberKey] else { return nil }
        let delta = deltas[memberKey] ?? Totals(points: 0, credit: 0)
        return Totals(points: base.points + delta.points, credit: base.credit + delta.credit)
    }

    /// Differences between what the server reports and what the receipts imply.
    public func mismatches(actual: [String: WalletBalance]) -> [String] {
        var out = problems
        for key in memberKeys {
            guard let want = expected(key) else { continue }
            guard let have = actual[key] else {
                out.append("\(key): not reported by the server")
                continue
            }
            let got = Totals(points: have.points + have.pendingPoints, credit: have.credit)
            if got != want {
                out.append("\(key): server holds points \(got.points) credit \(got.credit), receipts imply points \(want.points) credit \(want.credit)")
            }
        }
        return out
    }

    private mutating func add(_ memberKey: String, points: Int64, credit: Int64) {
        var totals = deltas[memberKey] ?? Totals(points: 0, credit: 0)
        totals.points += points
        totals.credit += credit
        deltas[memberKey] = totals
    }
}
