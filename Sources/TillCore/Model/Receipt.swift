/// A member's wallet balances after an operation.
public struct WalletBalance: Hashable, Sendable {
    /// Points that can be spent now.
    public var points: Points
    /// Points earned but still inside the pending period: not spendable yet.
    public var pendingPoints: Points
    /// Credit in minor units.
    public var credit: MinorUnits
    public init(points: Points, pendingPoints: Points, credit: MinorUnits) {
        self.points = points
        self.pendingPoints = pendingPoints
        self.credit = credit
    }
}

/// What one operation did to a member's punch cards of one template, summarised once per template: however many
/// units were bought and cards filled, one entry (so a receipt's size does not grow with the quantity).
public struct PunchResult: Hashable, Sendable {
    /// The card the member holds after the operation (the one punched next; the last one filled when the template
    /// does not renew).
    public var benefitId: String
    public var name: String
    /// Punches added by this operation over all cards of the template (negative on void and return).
    public var punches: Int64
    /// Punches on `benefitId` after the operation.
    public var punchesAfter: Int64
    public var punchesRequired: Int64
    /// True when this operation filled at least one card.
    public var completed: Bool
    /// Cards this operation filled (each issued its reward gift, listed in `benefitsIssued`); 0 on reversals.
    public var rewardsCompleted: Int64
    public init(
        benefitId: String, name: String, punches: Int64, punchesAfter: Int64, punchesRequired: Int64, completed: Bool,
        rewardsCompleted: Int64 = 0
    ) {
        self.benefitId = benefitId
        self.name = name
        self.punches = punches
        self.punchesAfter = punchesAfter
        self.punchesRequired = punchesRequired
        self.completed = completed
        self.rewardsCompleted = rewardsCompleted
    }
}

/// A benefit given to a member by an operation (a punch card's reward gift, a fresh punch card).
public struct IssuedBenefit: Hashable, Sendable {
    public var benefitId: String
    public var name: String
    public var kind: BenefitKind
    public var validUntil: Timestamp?
    public init(benefitId: String, name: String, kind: BenefitKind, validUntil: Timestamp?) {
        self.benefitId = benefitId
        self.name = name
        self.kind = kind
        self.validUntil = validUntil
    }
}

/// What one purchase did to one member.
public struct ReceiptMember: Hashable, Sendable {
    public var memberKey: String
    public var pointsEarned: Points
    /// Of `pointsEarned`, how many wait out the pending period before they can be spent.
    public var pointsPending: Points
    public var pointsSpent: Points
    public var creditSpent: MinorUnits
    public var punches: [PunchResult]
    public var benefitsIssued: [IssuedBenefit]
    public var balance: WalletBalance
    public init(
        memberKey: String, pointsEarned: Points, pointsPending: Points, pointsSpent: Points, creditSpent: MinorUnits,
        punches: [PunchResult], benefitsIssued: [IssuedBenefit], balance: WalletBalance
    ) {
        self.memberKey = memberKey
        self.pointsEarned = pointsEarned
        self.pointsPending = pointsPending
        self.pointsSpent = pointsSpent
        self.creditSpent = creditSpent
        self.punches = punches
        self.benefitsIssued = benefitsIssued
        self.balance = balance
    }
}

/// One redeemed benefit and the discount it applied.
public struct AppliedRedemption: Hashable, Sendable {
    public var benefitId: String
    public var name: String
    public var memberKey: String
    /// Discount in minor units (0 for a benefit that gives no money off).
    public var amount: MinorUnits
    /// The lines the discount was applied to.
    public var lineIds: [String]
    public init(benefitId: String, name: String, memberKey: String, amount: MinorUnits, lineIds: [String]) {
        self.benefitId = benefitId
        self.name = name
        self.memberKey = memberKey
        self.amount = amount
        self.lineIds = lineIds
    }
}

/// A payment as recorded on the receipt.
public struct ReceiptPayment: Hashable, Sendable {
    public var means: PaymentMeans
    public var amount: MinorUnits
    /// Points deducted for a `points` payment; nil otherwise.
    public var points: Points?
    public var memberKey: String?
    public init(means: PaymentMeans, amount: MinorUnits, points: Points? = nil, memberKey: String? = nil) {
        self.means = means
        self.amount = amount
        self.points = points
        self.memberKey = memberKey
    }
}

/// The receipt summary Till answers a purchase with.
///
/// Guarantees: integer minor units throughout and
/// `total == subtotal - itemDiscounts - orderDiscount - benefitDiscounts + tax`, and the payments add up to `total`
/// when the POS sent payments.
public struct Receipt: Hashable, Sendable {
    public var terminal: TerminalIdentity
    public var transactionId: String
    public var openedAt: Timestamp
    public var currency: String
    /// Sum of line gross amounts (quantity × unit price, rounded half-up per line).
    public var subtotal: MinorUnits
    public var itemDiscounts: MinorUnits
    public var orderDiscount: MinorUnits
    public var benefitDiscounts: MinorUnits
    public var tax: MinorUnits
    public var total: MinorUnits
    public var payments: [ReceiptPayment]
    public var members: [ReceiptMember]
    public var redemptions: [AppliedRedemption]
    /// True when this is the stored receipt of an earlier identical request (a retry), not a new application.
    public var replay: Bool

    public init(
        terminal: TerminalIdentity, transactionId: String, openedAt: Timestamp, currency: String,
        subtotal: MinorUnits, itemDiscounts: MinorUnits, orderDiscount: MinorUnits, benefitDiscounts: MinorUnits,
        tax: MinorUnits, total: MinorUnits, payments: [ReceiptPayment], members: [ReceiptMember],
        redemptions: [AppliedRedemption], replay: Bool = false
    ) {
        self.terminal = terminal
        self.transactionId = transactionId
        self.openedAt = openedAt
        self.currency = currency
        self.subtotal = subtotal
        self.itemDiscounts = itemDiscounts
        self.orderDiscount = orderDiscount
        self.benefitDiscounts = benefitDiscounts
        self.tax = tax
        self.total = total
        self.payments = payments
        self.members = members
        self.redemptions = redemptions
        self.replay = replay
    }
}
