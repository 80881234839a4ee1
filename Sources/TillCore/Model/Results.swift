/// A member as `identify` shows them to the cashier.
public struct IdentifiedMember: Hashable, Sendable {
    public var memberKey: String
    public var firstName: String?
    public var status: MemberStatus
    public var balance: WalletBalance
    public var benefits: [BenefitSummary]
    /// Benefits left out of `benefits` so that the answer fits the session's frame limit (0: none).
    public var benefitsOmitted: Int64
    public init(memberKey: String, firstName: String?, status: MemberStatus, balance: WalletBalance, benefits: [BenefitSummary],
                benefitsOmitted: Int64 = 0) {
        self.memberKey = memberKey
        self.firstName = firstName
        self.status = status
        self.balance = balance
        self.benefits = benefits
        self.benefitsOmitted = benefitsOmitted
    }
}

/// A benefit as the POS sees it.
public struct BenefitSummary: Hashable, Sendable {
    public var benefitId: String
    public var name: String
    public var kind: BenefitKind
    public var status: BenefitStatus
    public var validFrom: Timestamp?
    public var validUntil: Timestamp?
    /// Punch cards only.
    public var punches: Int64?
    public var punchesRequired: Int64?
    /// When the member got it (back-office views; absent at the POS).
    public var assignedAt: Timestamp?
    /// When it was used, and the operation (`branch/pos/transaction`) that used it (back-office views).
    public var redeemedAt: Timestamp?
    public var usedIn: String?
    public init(
        benefitId: String, name: String, kind: BenefitKind, status: BenefitStatus, validFrom: Timestamp?,
        validUntil: Timestamp?, punches: Int64? = nil, punchesRequired: Int64? = nil, assignedAt: Timestamp? = nil,
        redeemedAt: Timestamp? = nil, usedIn: String? = nil
    ) {
        self.assignedAt = assignedAt
        self.redeemedAt = redeemedAt
        self.usedIn = usedIn
        self.benefitId = benefitId
        self.name = name
        self.kind = kind
        self.status = status
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.punches = punches
        self.punchesRequired = punchesRequired
    }
}

/// Whether one of the member's benefits could be redeemed on the quoted basket, and why not.
public struct RedeemableBenefit: Hashable, Sendable {
    public var benefitId: String
    public var name: String
    public var memberKey: String
    public var redeemable: Bool
    public var cause: NonRedeemableCause?
    /// The discount it would apply to this basket (0 when not redeemable).
    public var amount: MinorUnits
    public init(benefitId: String, name: String, memberKey: String, redeemable: Bool, cause: NonRedeemableCause?, amount: MinorUnits) {
        self.benefitId = benefitId
        self.name = name
        self.memberKey = memberKey
        self.redeemable = redeemable
        self.cause = cause
        self.amount = amount
    }
}

/// How much of the quoted basket a member may pay from one wallet.
public struct BudgetLimit: Hashable, Sendable {
    public var memberKey: String
    public var wallet: WalletKind
    /// Smallest and largest money amount payable from this wallet on this basket (0...0 when not allowed).
    public var minAmount: MinorUnits
    public var maxAmount: MinorUnits
    /// For points: the exchange ratio, `ratioPoints` points buy `ratioMoney` minor units (e.g. 100 points = 100
    /// cents). Nil for credit (1:1).
    public var ratioPoints: Points?
    public var ratioMoney: MinorUnits?
    public init(
        memberKey: String, wallet: WalletKind, minAmount: MinorUnits, maxAmount: MinorUnits, ratioPoints: Points?,
        ratioMoney: MinorUnits?
    ) {
        self.memberKey = memberKey
        self.wallet = wallet
        self.minAmount = minAmount
        self.maxAmount = maxAmount
        self.ratioPoints = ratioPoints
        self.ratioMoney = ratioMoney
    }
}

/// The answer to `quote`: the receipt `purchase` would produce, plus what the cashier can still offer.
public struct Quote: Hashable, Sendable {
    public var receipt: Receipt
    public var benefits: [RedeemableBenefit]
    public var budget: [BudgetLimit]
    /// Entries left out of `benefits` so that the answer fits the session's frame limit (0: none).
    public var benefitsOmitted: Int64
    public init(receipt: Receipt, benefits: [RedeemableBenefit], budget: [BudgetLimit], benefitsOmitted: Int64 = 0) {
        self.receipt = receipt
        self.benefits = benefits
        self.budget = budget
        self.benefitsOmitted = benefitsOmitted
    }
}

/// What a void or a return gave back or took back for one member.
public struct ReversalMember: Hashable, Sendable {
    public var memberKey: String
    /// Earned points taken back (>= 0).
    public var pointsTakenBack: Points
    /// Earned points not taken back because the member had already spent them (>= 0; docs/rules.md §8).
    public var pointsForgiven: Points
    /// Points that paid for the purchase, refunded to the wallet (>= 0).
    public var pointsRefunded: Points
    public var creditRefunded: MinorUnits
    public var punches: [PunchResult]
    /// Gifts put back to active (void only).
    public var benefitsRestored: [String]
    /// Benefits the purchase had issued and that were taken back.
    public var benefitsRevoked: [String]
    public var balance: WalletBalance
    public init(
        memberKey: String, pointsTakenBack: Points, pointsForgiven: Points = 0, pointsRefunded: Points,
        creditRefunded: MinorUnits, punches: [PunchResult], benefitsRestored: [String], benefitsRevoked: [String],
        balance: WalletBalance
    ) {
        self.memberKey = memberKey
        self.pointsTakenBack = pointsTakenBack
        self.pointsForgiven = pointsForgiven
        self.pointsRefunded = pointsRefunded
        self.creditRefunded = creditRefunded
        self.punches = punches
        self.benefitsRestored = benefitsRestored
        self.benefitsRevoked = benefitsRevoked
        self.balance = balance
    }
}

/// The answer to `void` or `return`.
public struct ReversalReceipt: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case void, `return` }
    public var kind: Kind
    /// The void's or return's own id.
    public var reversalId: String
    public var transactionId: String
    /// Money value of what was reversed (the whole total for a void; the returned lines' net share for a return).
    public var amount: MinorUnits
    public var members: [ReversalMember]
    public var replay: Bool
    public init(kind: Kind, reversalId: String, transactionId: String, amount: MinorUnits, members: [ReversalMember], replay: Bool = false) {
        self.kind = kind
        self.reversalId = reversalId
        self.transactionId = transactionId
        self.amount = amount
        self.members = members
        self.replay = replay
    }
}

/// Where a transaction stands on the server (`status`).
public enum TransactionState: String, CaseIterable, Hashable, Sendable {
    case unknown, final, voided, partiallyReturned, returned
}

/// The answer to `status`: what the server holds for a transaction id, for a POS that lost a response.
public struct TransactionStatus: Hashable, Sendable {
    public var transactionId: String
    public var state: TransactionState
    /// The stored receipt (marked `replay`), nil when unknown.
    public var receipt: Receipt?
    public var reversals: [ReversalReceipt]
    /// The oldest reversals left out of `reversals` so that the answer fits the session's frame limit (0: none).
    public var reversalsOmitted: Int64
    public init(transactionId: String, state: TransactionState, receipt: Receipt?, reversals: [ReversalReceipt],
                reversalsOmitted: Int64 = 0) {
        self.transactionId = transactionId
        self.state = state
        self.receipt = receipt
        self.reversals = reversals
        self.reversalsOmitted = reversalsOmitted
    }
}
