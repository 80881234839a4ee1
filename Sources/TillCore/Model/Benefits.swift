/// The two kinds of benefit a member can hold.
public enum BenefitKind: String, CaseIterable, Hashable, Sendable {
    case gift
    case punchCard
}

/// Where a member's benefit stands.
public enum BenefitStatus: String, CaseIterable, Hashable, Sendable {
    case active
    /// Redeemed (a gift) or used (a full punch card).
    case used
    case expired
    /// Removed by an operator, or taken back by a void.
    case deleted
}

/// Why a benefit cannot be redeemed on this purchase (`benefit_not_redeemable` carries it; `quote` reports it).
public enum NonRedeemableCause: String, CaseIterable, Hashable, Sendable {
    case expired
    case used
    case notYetValid = "not_yet_valid"
    case notOwned = "not_owned"
    case conditionsNotMet = "conditions_not_met"
    case punchIncomplete = "punch_incomplete"
}
