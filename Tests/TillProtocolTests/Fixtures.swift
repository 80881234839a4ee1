import TillCore
@testable import TillProtocol

/// Typed values used by the example frames, the benchmark-like tests and the round-trip tests.
enum Fixtures {
    static func ts(_ s: String) -> Timestamp { TimestampCodec.parse(s)! }

    static let terminal = TerminalIdentity(branchId: "b-012", posId: "pos-3")
    static let openedAt = ts("2026-03-14T12:30:05.250+01:00")
    static let balance = WalletBalance(points: 1180, pendingPoints: 42, credit: 500)

    static let purchase = PurchaseRequest(
        transactionId: "T-20260314-000123", openedAt: openedAt, orderType: .dineIn, employee: "emp-17",
        members: [MemberIdentifier(kind: .phone, value: "+33612345678")],
        items: [
            LineItem(lineId: "1", code: "ESP", name: "Espresso", department: "hot-drinks", quantity: Quantity(units: 2), unitPrice: 250, tags: ["coffee"]),
            LineItem(lineId: "2", code: "CRS", name: "Croissant", department: "bakery", quantity: .one, unitPrice: 180, discount: 30),
            LineItem(lineId: "3", code: "BNS", name: "Coffee beans (kg)", quantity: Quantity(thousandths: 1250), unitPrice: 2400, tags: ["retail", "coffee"]),
        ],
        orderDiscount: 0, tax: 0,
        payments: [Payment(means: .card, amount: 3200), Payment(means: .points, amount: 200, memberKey: "M-7Q2K9")],
        redemptions: ["G-000981"], currency: "EUR")

    static let receiptMember = ReceiptMember(
        memberKey: "M-7Q2K9", pointsEarned: 42, pointsPending: 42, pointsSpent: 200, creditSpent: 0,
        punches: [PunchResult(benefitId: "P-000311", name: "10 coffees", punches: 2, punchesAfter: 10, punchesRequired: 10, completed: true, rewardsCompleted: 1)],
        benefitsIssued: [IssuedBenefit(benefitId: "G-001022", name: "Free coffee", kind: .gift, validUntil: ts("2026-04-13T23:59:59+01:00"))],
        balance: balance)

    static let receipt = Receipt(
        terminal: terminal, transactionId: purchase.transactionId, openedAt: openedAt, currency: "EUR", subtotal: 3680,
        itemDiscounts: 30, orderDiscount: 0, benefitDiscounts: 250, tax: 0, total: 3400,
        payments: [ReceiptPayment(means: .card, amount: 3200), ReceiptPayment(means: .points, amount: 200, points: 200, memberKey: "M-7Q2K9")],
        members: [receiptMember],
        redemptions: [AppliedRedemption(benefitId: "G-000981", name: "Free espresso", memberKey: "M-7Q2K9", amount: 250, lineIds: ["1"])])

    static let quote = Quote(
        receipt: receipt,
        benefits: [
            RedeemableBenefit(benefitId: "G-000981", name: "Free espresso", memberKey: "M-7Q2K9", redeemable: true, cause: nil, amount: 250),
            RedeemableBenefit(benefitId: "G-000777", name: "Birthday cake", memberKey: "M-7Q2K9", redeemable: false, cause: .notYetValid, amount: 0),
        ],
        budget: [
            BudgetLimit(memberKey: "M-7Q2K9", wallet: .points, minAmount: 100, maxAmount: 1180, ratioPoints: 100, ratioMoney: 100),
            BudgetLimit(memberKey: "M-7Q2K9", wallet: .credit, minAmount: 0, maxAmount: 500, ratioPoints: nil, ratioMoney: nil),
        ])

    static let reversalMember = ReversalMember(
        memberKey: "M-7Q2K9", pointsTakenBack: 42, pointsForgiven: 3, pointsRefunded: 200, creditRefunded: 0,
        punches: [PunchResult(benefitId: "P-000311", name: "10 coffees", punches: -2, punchesAfter: 8, punchesRequired: 10, completed: false)],
        benefitsRestored: ["G-000981"], benefitsRevoked: ["G-001022"], balance: WalletBalance(points: 1338, pendingPoints: 0, credit: 500))

    static let voidRequest = VoidRequest(voidId: "V-000045", transactionId: purchase.transactionId, reason: "customer changed their mind")
    static let voidReceipt = ReversalReceipt(kind: .void, reversalId: "V-000045", transactionId: purchase.transactionId, amount: 3400, members: [reversalMember])
    static let returnRequest = ReturnRequest(returnId: "R-000012", transactionId: purchase.transactionId,
                                             lines: [ReturnLine(lineId: "3", quantity: Quantity(thousandths: 500))])
    static let returnReceipt = ReversalReceipt(
        kind: .return, reversalId: "R-000012", transactionId: purchase.transactionId, amount: 1200,
        members: [ReversalMember(memberKey: "M-7Q2K9", pointsTakenBack: 12, pointsRefunded: 0, creditRefunded: 0, punches: [],
                                 benefitsRestored: [], benefitsRevoked: [], balance: WalletBalance(points: 1168, pendingPoints: 30, credit: 500))])

    static let benefits = [
        BenefitSummary(benefitId: "G-000981", name: "Free espresso", kind: .gift, status: .active, validFrom: ts("2026-03-01T00:00:00Z"), validUntil: ts("2026-03-31T23:59:59Z")),
        BenefitSummary(benefitId: "P-000311", name: "10 coffees", kind: .punchCard, status: .active, validFrom: nil, validUntil: nil, punches: 8, punchesRequired: 10),
    ]
    static let identified = IdentifiedMember(memberKey: "M-7Q2K9", firstName: "Camille", status: .active, balance: balance, benefits: benefits)

    static let fields = MemberFields(firstName: "Camille", lastName: "Martin", phone: "+33612345678", email: "camille@example.com", birthday: "1990-05-17")
    static let profile = MemberProfile(
        memberKey: "M-7Q2K9", status: .active, fields: fields, cards: ["4000123412341234"], tags: ["vip"],
        notes: [MemberNote(at: ts("2026-03-02T09:00:00Z"), author: "alice", text: "Prefers oat milk")],
        preferences: MemberPreferences(sms: true, email: true, termsAcceptedAt: ts("2025-11-20T08:15:00Z"), optIn: .double),
        balance: balance, createdAt: ts("2025-11-20T08:15:00Z"), registrationSource: "pos", lifetimeSpend: 48_250, visits: 17,
        statusHistory: [StatusChange(at: ts("2025-11-20T08:15:00Z"), from: nil, to: .active, source: .pos)])
    static let keyInfo = KeyInfo(keyId: "k-term-0007", role: .terminal, terminal: terminal, name: "front counter", enabled: true, createdAt: ts("2026-01-10T08:00:00Z"))
    static let operatorKey = KeyInfo(keyId: "k-op-0002", role: .operator, terminal: nil, name: "alice", enabled: true, createdAt: ts("2026-01-10T08:00:00Z"))
    static let catalog = Catalog(
        giftTemplates: [GiftTemplate(templateId: "free-coffee", name: "Free coffee", amountOff: 250, itemCodes: ["CAP", "ESP"], validDays: 30),
                        GiftTemplate(templateId: "half-price-beans", name: "Beans half price", percentOffEachLine: 50, itemCodes: ["BEANS"],
                                     minSubtotal: 1000, validDays: nil)],
        punchTemplates: [PunchTemplate(templateId: "ten-coffees", name: "10 coffees", punchesRequired: 10, itemCodes: ["CAP", "ESP"],
                                       rewardTemplateId: "free-coffee", counting: .perUnit, renew: true, autoEnroll: true)],
        earnRules: [EarnRule(ruleId: "base", points: 1, perAmount: 100), EarnRule(ruleId: "beans-x2", points: 2, perAmount: 100, tag: "retail"),
                    EarnRule(ruleId: "beans-5", points: 5, perAmount: 100, itemCode: "BEANS")],
        earnMultipliers: [EarnMultiplier(department: "BAKERY", percent: 200)],
        earnExclusions: EarnExclusions(itemCodes: ["GIFTCARD"], departments: ["TOBACCO"]),
        budget: BudgetSettings(pointsEnabled: true, creditEnabled: true, ratioPoints: 100, ratioMoney: 100, minAmount: 100, maxAmount: 5000),
        pendingDays: 14)
    static let ticket = TransactionStatus(transactionId: purchase.transactionId, state: .partiallyReturned,
                                          receipt: { var r = receipt; r.replay = true; return r }(), reversals: [returnReceipt])
}
