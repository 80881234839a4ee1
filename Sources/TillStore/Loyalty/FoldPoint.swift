/// When a member's hot state kept as a base plus later rows is folded into its base row (`MemberCounters`: a member's
/// spend and visits over its `purchase_members` rows, and with them its cards' punches, `CardPunches`; `WalletTotals`: a
/// wallet over its ledger rows).
///
/// Guarantees: a row whose id is a multiple of `interval` is a fold point, so the rows a reader sums after a base are
/// `interval` on average whatever the owner's share of the traffic (row ids are shared by every member), and the
/// decision depends on the row id alone: replaying the journal makes the same writes.
public enum FoldPoint {
    public static let interval: Int64 = 64

    /// Whether writing row `row` folds its owner.
    public static func folds(row: Int64) -> Bool { row % interval == 0 }
}
