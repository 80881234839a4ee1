import TillCore

/// The most elements a receipt's arrays may hold when read: what Till writes is bounded by its size
/// (`ValueLimits.maxReceiptBytes`, checked on the write path), and no element takes less than a byte, so whatever
/// Till wrote reads back (resend, `status`, `purchase.get`).
let receiptElements = ValueLimits.maxReceiptBytes

extension TerminalIdentity: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) { self.init(branchId: try o.id("branchId"), posId: try o.id("posId")) }
    public func encode(to w: inout JSONWriter) { w.beginObject(); w.field("branchId", branchId); w.field("posId", posId); w.endObject() }
}

extension WalletBalance: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(points: try o.int("points"), pendingPoints: try o.int("pendingPoints"), credit: try o.int("credit"))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("points", points); w.field("pendingPoints", pendingPoints); w.field("credit", credit); w.endObject()
    }
}

extension PunchResult: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(benefitId: try o.id("benefitId"), name: try o.string("name"), punches: try o.int("punches"),
                  punchesAfter: try o.int("punchesAfter"), punchesRequired: try o.int("punchesRequired"), completed: try o.bool("completed"),
                  rewardsCompleted: try o.int("rewardsCompleted", 0...Int64.max, default: 0))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("benefitId", benefitId); w.field("name", name); w.field("punches", punches)
        w.field("punchesAfter", punchesAfter); w.field("punchesRequired", punchesRequired); w.field("completed", completed)
        w.field("rewardsCompleted", rewardsCompleted); w.endObject()
    }
}

extension IssuedBenefit: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(benefitId: try o.id("benefitId"), name: try o.string("name"), kind: try o.enumeration("kind", BenefitKind.self),
                  validUntil: try o.optionalTimestamp("validUntil"))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("benefitId", benefitId); w.field("name", name); w.field("kind", kind); w.field("validUntil", validUntil); w.endObject()
    }
}

extension ReceiptMember: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), pointsEarned: try o.int("pointsEarned"), pointsPending: try o.int("pointsPending"),
                  pointsSpent: try o.int("pointsSpent"), creditSpent: try o.int("creditSpent"), punches: try o.objects("punches", maxCount: receiptElements),
                  benefitsIssued: try o.objects("benefitsIssued", maxCount: receiptElements), balance: try o.decode("balance"))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("memberKey", memberKey); w.field("pointsEarned", pointsEarned); w.field("pointsPending", pointsPending)
        w.field("pointsSpent", pointsSpent); w.field("creditSpent", creditSpent); w.field("punches", punches)
        w.field("benefitsIssued", benefitsIssued); w.field("balance", balance); w.endObject()
    }
}

extension AppliedRedemption: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        // An applied redemption always belongs to a member on the purchase (unlike a quote's `RedeemableBenefit`).
        self.init(benefitId: try o.id("benefitId"), name: try o.string("name"), memberKey: try o.id("memberKey"),
                  amount: try o.int("amount"), lineIds: try o.strings("lineIds", maxCount: receiptElements))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("benefitId", benefitId); w.field("name", name); w.field("memberKey", memberKey)
        w.field("amount", amount); w.field("lineIds", lineIds); w.endObject()
    }
}

extension ReceiptPayment: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(means: try o.enumeration("means", PaymentMeans.self), amount: try o.int("amount"), points: try o.optionalInt("points"),
                  memberKey: try o.optionalString("memberKey"))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("means", means); w.field("amount", amount); w.field("points", points); w.field("memberKey", memberKey); w.endObject()
    }
}

extension Receipt: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(
            terminal: try o.decode("terminal"), transactionId: try o.id("transactionId"), openedAt: try o.timestamp("openedAt"),
            currency: try o.string("currency"), subtotal: try o.int("subtotal"), itemDiscounts: try o.int("itemDiscounts"),
            orderDiscount: try o.int("orderDiscount"), benefitDiscounts: try o.int("benefitDiscounts"), tax: try o.int("tax"),
            total: try o.int("total"), payments: try o.objects("payments", maxCount: receiptElements),
            members: try o.objects("members", maxCount: receiptElements),
            redemptions: try o.objects("redemptions", maxCount: receiptElements), replay: try o.bool("replay", default: false))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject()
        w.field("terminal", terminal); w.field("transactionId", transactionId); w.field("openedAt", openedAt)
        w.field("currency", currency); w.field("subtotal", subtotal); w.field("itemDiscounts", itemDiscounts)
        w.field("orderDiscount", orderDiscount); w.field("benefitDiscounts", benefitDiscounts); w.field("tax", tax)
        w.field("total", total); w.field("payments", payments); w.field("members", members)
        w.field("redemptions", redemptions); w.field("replay", replay)
        w.endObject()
    }
}

extension RedeemableBenefit: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        // `memberKey` is absent for a requested benefit no member on the purchase holds (cause `not_owned`).
        self.init(benefitId: try o.id("benefitId"), name: try o.string("name"), memberKey: try o.optionalID("memberKey") ?? "",
                  redeemable: try o.bool("redeemable"), cause: try o.optionalEnumeration("cause", NonRedeemableCause.self),
                  amount: try o.int("amount"))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("benefitId", benefitId); w.field("name", name)
        if !memberKey.isEmpty { w.field("memberKey", memberKey) }
        w.field("redeemable", redeemable); w.field("cause", cause); w.field("amount", amount); w.endObject()
    }
}

extension BudgetLimit: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), wallet: try o.enumeration("wallet", WalletKind.self), minAmount: try o.int("minAmount"),
                  maxAmount: try o.int("maxAmount"), ratioPoints: try o.optionalInt("ratioPoints"), ratioMoney: try o.optionalInt("ratioMoney"))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("memberKey", memberKey); w.field("wallet", wallet); w.field("minAmount", minAmount)
        w.field("maxAmount", maxAmount); w.field("ratioPoints", ratioPoints); w.field("ratioMoney", ratioMoney); w.endObject()
    }
}

extension Quote: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(receipt: try o.decode("receipt"), benefits: try o.objects("benefits"), budget: try o.objects("budget"),
                  benefitsOmitted: try o.int("benefitsOmitted", 0...Int64.max, default: 0))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("receipt", receipt); w.field("benefits", benefits); w.field("budget", budget)
        if benefitsOmitted > 0 { w.field("benefitsOmitted", benefitsOmitted) }
        w.endObject()
    }
}
