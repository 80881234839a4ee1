/// One row of the wallet ledger.
///
/// Guarantees: `delta != 0`; `availableAt` is set only on points and means "not spendable before"; a clawback of
/// pending points carries the same `availableAt` as the earn it takes back, so pending groups never go negative.
public struct LedgerEntry: Hashable, Sendable {
    /// Why a wallet moved.
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        /// Points earned by a purchase.
        case earn
        /// Points or credit that paid (part of) a purchase.
        case spend
        /// A spend given back by a void or a return.
        case refund
        /// Earned points taken back by a void or a return.
        case clawback
        /// An operator's manual change (never produced by the rules engine).
        case adjust
    }

    public var memberId: Int64
    public var wallet: WalletKind
    public var delta: Int64
    public var kind: Kind
    public var availableAt: Timestamp?
    public init(memberId: Int64, wallet: WalletKind, delta: Int64, kind: Kind, availableAt: Timestamp? = nil) {
        self.memberId = memberId
        self.wallet = wallet
        self.delta = delta
        self.kind = kind
        self.availableAt = availableAt
    }
}

/// The new state of an existing benefit row (status, punches, `usedIn`): an UPDATE by `benefitId`.
public struct BenefitUpdate: Hashable, Sendable {
    public var memberId: Int64
    public var benefitId: String
    public var status: BenefitStatus
    public var punches: Int64
    public var usedIn: String?
    public init(memberId: Int64, benefitId: String, status: BenefitStatus, punches: Int64, usedIn: String?) {
        self.memberId = memberId
        self.benefitId = benefitId
        self.status = status
        self.punches = punches
        self.usedIn = usedIn
    }
}

/// A benefit row to INSERT.
public struct NewBenefit: Hashable, Sendable {
    public var memberId: Int64
    public var benefit: HeldBenefit
    public init(memberId: Int64, benefit: HeldBenefit) {
        self.memberId = memberId
        self.benefit = benefit
    }
}

/// Everything an operation changes, as rows. The store applies all of it in one transaction, in this order:
/// inserts of `benefitsIssued`, then `benefitUpdates` (the last update of a benefit id wins), then `ledger`, then
/// marks `appCodesConsumed`. `quote` produces the same value and applies nothing.
///
/// Guarantees: applying it to the accounts the engine was given never makes a balance negative.
public struct LoyaltyChanges: Hashable, Sendable {
    public var ledger: [LedgerEntry] = []
    public var benefitsIssued: [NewBenefit] = []
    public var benefitUpdates: [BenefitUpdate] = []
    public var appCodesConsumed: [String] = []
    public init(
        ledger: [LedgerEntry] = [], benefitsIssued: [NewBenefit] = [], benefitUpdates: [BenefitUpdate] = [],
        appCodesConsumed: [String] = []
    ) {
        self.ledger = ledger
        self.benefitsIssued = benefitsIssued
        self.benefitUpdates = benefitUpdates
        self.appCodesConsumed = appCodesConsumed
    }
}

/// What a purchase did, kept by the store so that a void or return can reverse it exactly. Plain arrays of small
/// structs: one table each, or one blob.
///
/// Guarantees: `earned`, `paymentShares` and `punchLines` refer to `lines` by `lineId`; amounts are >= 0.
public struct PurchaseRecord: Hashable, Sendable {
    /// One basket line: what was bought and its net after every discount.
    public struct Line: Hashable, Sendable {
        public var lineId: String
        public var quantity: Quantity
        public var net: MinorUnits
        public init(lineId: String, quantity: Quantity, net: MinorUnits) {
            self.lineId = lineId
            self.quantity = quantity
            self.net = net
        }
    }
    /// Points one member earned on one line.
    public struct Earned: Hashable, Sendable {
        public var lineId: String
        public var memberId: Int64
        public var points: Points
        public init(lineId: String, memberId: Int64, points: Points) {
            self.lineId = lineId
            self.memberId = memberId
            self.points = points
        }
    }
    /// The budget payment: how much money and how many wallet units (points or credit) it took.
    public struct BudgetPayment: Hashable, Sendable {
        public var memberId: Int64
        public var wallet: WalletKind
        public var amount: MinorUnits
        public var units: Int64
        public init(memberId: Int64, wallet: WalletKind, amount: MinorUnits, units: Int64) {
            self.memberId = memberId
            self.wallet = wallet
            self.amount = amount
            self.units = units
        }
    }
    /// The wallet units of the budget payment attributed to one line (the tax's share is the rest).
    public struct PaymentShare: Hashable, Sendable {
        public var lineId: String
        public var units: Int64
        public init(lineId: String, units: Int64) {
            self.lineId = lineId
            self.units = units
        }
    }
    /// A gift redeemed on the purchase.
    public struct Redeemed: Hashable, Sendable {
        public var memberId: Int64
        public var benefitId: String
        public var amount: MinorUnits
        public init(memberId: Int64, benefitId: String, amount: MinorUnits) {
            self.memberId = memberId
            self.benefitId = benefitId
            self.amount = amount
        }
    }
    /// Punches one line gave to one punch-card template (`lineId` nil: the per-purchase punch, taken back only when
    /// every qualifying line is fully returned; `lineIds` lists those lines).
    public struct PunchLine: Hashable, Sendable {
        public var templateId: String
        public var lineId: String?
        public var lineIds: [String]
        public var punches: Int64
        public init(templateId: String, lineId: String?, lineIds: [String] = [], punches: Int64) {
            self.templateId = templateId
            self.lineId = lineId
            self.lineIds = lineIds
            self.punches = punches
        }
    }
    /// A punch card the purchase punched, in the order punched.
    public struct Card: Hashable, Sendable {
        public var memberId: Int64
        public var templateId: String
        public var benefitId: String
        public var punchesAdded: Int64
        /// True when this purchase filled the card.
        public var completed: Bool
        /// The reward gift the filling issued.
        public var rewardBenefitId: String?
        /// True when this purchase issued the card itself (enrolment or renewal).
        public var issuedHere: Bool
        public init(
            memberId: Int64, templateId: String, benefitId: String, punchesAdded: Int64, completed: Bool,
            rewardBenefitId: String?, issuedHere: Bool
        ) {
            self.memberId = memberId
            self.templateId = templateId
            self.benefitId = benefitId
            self.punchesAdded = punchesAdded
            self.completed = completed
            self.rewardBenefitId = rewardBenefitId
            self.issuedHere = issuedHere
        }
    }

    public var transactionId: String
    /// The operation reference (`OperationRef.reference`) of the purchase.
    public var reference: String
    public var purchasedAt: Timestamp
    /// When the earned points become spendable (nil: at once).
    public var pointsAvailableAt: Timestamp?
    public var total: MinorUnits
    public var tax: MinorUnits
    /// Member ids in purchase order (the first is the primary member) and their keys.
    public var memberIds: [Int64]
    public var memberKeys: [String]
    public var lines: [Line]
    public var earned: [Earned]
    public var budget: BudgetPayment?
    public var paymentShares: [PaymentShare]
    public var redeemed: [Redeemed]
    public var punchLines: [PunchLine]
    public var cards: [Card]

    public init(
        transactionId: String, reference: String, purchasedAt: Timestamp, pointsAvailableAt: Timestamp?,
        total: MinorUnits, tax: MinorUnits, memberIds: [Int64], memberKeys: [String], lines: [Line], earned: [Earned],
        budget: BudgetPayment?, paymentShares: [PaymentShare], redeemed: [Redeemed], punchLines: [PunchLine],
        cards: [Card]
    ) {
        self.transactionId = transactionId
        self.reference = reference
        self.purchasedAt = purchasedAt
        self.pointsAvailableAt = pointsAvailableAt
        self.total = total
        self.tax = tax
        self.memberIds = memberIds
        self.memberKeys = memberKeys
        self.lines = lines
        self.earned = earned
        self.budget = budget
        self.paymentShares = paymentShares
        self.redeemed = redeemed
        self.punchLines = punchLines
        self.cards = cards
    }
}

/// The result of a purchase: the receipt, the rows to write, and the record to keep for reversals.
public struct PurchaseEvaluation: Hashable, Sendable {
    public var receipt: Receipt
    public var changes: LoyaltyChanges
    public var record: PurchaseRecord
    public init(receipt: Receipt, changes: LoyaltyChanges, record: PurchaseRecord) {
        self.receipt = receipt
        self.changes = changes
        self.record = record
    }
}

/// The result of a void or a return: the receipt and the rows to write. The store keeps the request's lines (for
/// a return) so that later reversals see them in `previouslyReturned`.
public struct ReversalEvaluation: Hashable, Sendable {
    public var receipt: ReversalReceipt
    public var changes: LoyaltyChanges
    /// For a return: the quantities it returned (what to persist). For a void: every remaining quantity.
    public var returnedLines: [ReturnLine]
    /// Earned points that could not be taken back because the member had already spent them (forgiven).
    public var pointsForgiven: Points
    public init(receipt: ReversalReceipt, changes: LoyaltyChanges, returnedLines: [ReturnLine], pointsForgiven: Points)
    {
        self.receipt = receipt
        self.changes = changes
        self.returnedLines = returnedLines
        self.pointsForgiven = pointsForgiven
    }
}
