import TillCore
import TillProtocol

/// The reference messages: a purchase of 10 items, 1 member, 1 redemption (about 1 KiB on the wire), and its receipt.
enum Reference {
    static let openedAt = TimestampCodec.parse("2026-03-14T12:30:05.250+01:00")!

    static let purchase: PurchaseRequest = {
        let names = ["Espresso", "Cappuccino", "Croissant", "Pain au chocolat", "Orange juice", "Coffee beans (kg)",
                     "Muffin", "Bagel", "Water 50cl", "Cookie"]
        let items = names.enumerated().map { k, name in
            LineItem(lineId: "\(k + 1)", code: "SKU-\(1000 + k)", name: name, department: k < 2 ? "hot-drinks" : "bakery",
                     quantity: k == 5 ? Quantity(thousandths: 1250) : Quantity(units: Int64(k % 3 + 1)),
                     unitPrice: Int64(150 + 37 * k), discount: k == 2 ? 30 : 0, tags: k == 5 ? ["retail", "coffee"] : ["cafe"])
        }
        return PurchaseRequest(
            transactionId: "T-20260314-000123", openedAt: openedAt, orderType: .dineIn, employee: "emp-17",
            members: [MemberIdentifier(kind: .phone, value: "+33612345678")], items: items, orderDiscount: 0, tax: 0,
            payments: [Payment(means: .card, amount: 4200), Payment(means: .points, amount: 200, memberKey: "M-7Q2K9")],
            redemptions: ["G-000981"], currency: "EUR")
    }()

    static let receipt = Receipt(
        terminal: TerminalIdentity(branchId: "b-012", posId: "pos-3"), transactionId: purchase.transactionId, openedAt: openedAt,
        currency: "EUR", subtotal: 4680, itemDiscounts: 30, orderDiscount: 0, benefitDiscounts: 250, tax: 0, total: 4400,
        payments: [ReceiptPayment(means: .card, amount: 4200), ReceiptPayment(means: .points, amount: 200, points: 200, memberKey: "M-7Q2K9")],
        members: [ReceiptMember(
            memberKey: "M-7Q2K9", pointsEarned: 44, pointsPending: 44, pointsSpent: 200, creditSpent: 0,
            punches: [PunchResult(benefitId: "P-000311", name: "10 coffees", punches: 3, punchesAfter: 9, punchesRequired: 10, completed: false)],
            benefitsIssued: [], balance: WalletBalance(points: 980, pendingPoints: 44, credit: 500))],
        redemptions: [AppliedRedemption(benefitId: "G-000981", name: "Free espresso", memberKey: "M-7Q2K9", amount: 250, lineIds: ["1"])])

    /// The same basket with short names, no departments and no tags: about 1 KiB.
    static let compactPurchase: PurchaseRequest = {
        var p = purchase
        p.items = p.items.enumerated().map { k, item in
            LineItem(lineId: item.lineId, code: "A\(100 + k)", name: ["Espresso", "Latte", "Croissant", "Brioche", "Juice", "Beans",
                     "Muffin", "Bagel", "Water", "Cookie"][k], quantity: item.quantity, unitPrice: item.unitPrice, discount: item.discount)
        }
        p.employee = nil
        return p
    }()
    static let compactPayload: [UInt8] = Array(ClientCodec().encodeRequest(RequestEnvelope(id: .int(4711), request: .purchase(compactPurchase)))[4...])

    static let requestFrame: [UInt8] = ClientCodec().encodeRequest(RequestEnvelope(id: .int(4711), request: .purchase(purchase)))
    static var requestPayload: [UInt8] { Array(requestFrame[4...]) }
    static let response = ResponseEnvelope(id: .int(4711), op: .purchase, result: .purchase(receipt))
}
