/// Why a ledger entry moved a wallet (the `ledger.kind` column).
public enum LedgerKind: String, CaseIterable, Hashable, Sendable {
    case earn, spend, refund, clawback, adjust
}
