/// How the order was taken. The wire form is the raw value.
public enum OrderType: String, CaseIterable, Hashable, Sendable {
    case inStore, dineIn, takeaway, pickup, delivery, online
}

/// How (part of) a purchase is paid.
public enum PaymentMeans: String, CaseIterable, Hashable, Sendable {
    case cash, card, other
    /// Budget payment from a member's points wallet: `amount` is the money value; Till converts it at the
    /// configured ratio and reports the points spent.
    case points
    /// Budget payment from a member's credit wallet, 1:1 in minor units.
    case credit
}

/// One payment line as the POS sends it.
public struct Payment: Hashable, Sendable {
    public var means: PaymentMeans
    /// Money value in minor units, > 0.
    public var amount: MinorUnits
    /// For `points` and `credit`: the member whose wallet pays; the first member of the purchase when nil.
    public var memberKey: String?

    public init(means: PaymentMeans, amount: MinorUnits, memberKey: String? = nil) {
        self.means = means
        self.amount = amount
        self.memberKey = memberKey
    }
}

/// One line of the basket.
public struct LineItem: Hashable, Sendable {
    /// Unique within the purchase; returns refer to it.
    public var lineId: String
    /// The shop's item code (SKU / PLU).
    public var code: String
    public var name: String
    /// Department code, if the POS has one.
    public var department: String?
    /// Exact quantity, > 0, at most three decimals (weighed items).
    public var quantity: Quantity
    /// Price of one unit in minor units, >= 0.
    public var unitPrice: MinorUnits
    /// Discount the POS already applied to the whole line, in minor units, 0 ... line gross.
    public var discount: MinorUnits
    /// Free-form labels from the POS (`cafe`, `retail`) that earning rates can select.
    public var tags: ItemTags
    private var memberwise = Memberwise()  // see `Memberwise`
}

extension LineItem {
    public init(
        lineId: String, code: String, name: String, department: String? = nil, quantity: Quantity,
        unitPrice: MinorUnits, discount: MinorUnits = 0, tags: ItemTags = ItemTags()
    ) {
        self.init(lineId: lineId, code: code, name: name, department: department, quantity: quantity, unitPrice: unitPrice,
                  discount: discount, tags: tags, memberwise: Memberwise())
    }
}

/// A purchase as posted by a terminal (also the body of `quote`).
///
/// `(branch, pos, transactionId)` identifies it; the terminal's identity comes from its session, not the body.
public struct PurchaseRequest: Hashable, Sendable {
    public var transactionId: String
    /// When the order was opened at the POS; may be in the past (offline terminals post late).
    public var openedAt: Timestamp
    public var orderType: OrderType
    public var employee: String?
    /// The members identified on this purchase, one identifier each; the first is the primary member.
    public var members: [MemberIdentifier]
    public var items: [LineItem]
    /// Discount on the whole order applied by the POS, in minor units.
    public var orderDiscount: MinorUnits
    /// Tax the POS adds on top of the discounted net, in minor units (0 for tax-inclusive prices).
    public var tax: MinorUnits
    public var payments: [Payment]
    /// Benefit ids (as returned by `identify`) the member asks to redeem.
    public var redemptions: [String]
    /// ISO 4217 code, e.g. `EUR`; must match the shop's configured currency.
    public var currency: String
    private var memberwise = Memberwise()  // see `Memberwise`
}

extension PurchaseRequest {
    public init(
        transactionId: String, openedAt: Timestamp, orderType: OrderType = .inStore, employee: String? = nil,
        members: [MemberIdentifier] = [], items: [LineItem], orderDiscount: MinorUnits = 0, tax: MinorUnits = 0,
        payments: [Payment] = [], redemptions: [String] = [], currency: String
    ) {
        self.init(transactionId: transactionId, openedAt: openedAt, orderType: orderType, employee: employee, members: members,
                  items: items, orderDiscount: orderDiscount, tax: tax, payments: payments, redemptions: redemptions,
                  currency: currency, memberwise: Memberwise())
    }
}

/// A zero-size stored property of the large model structs (`LineItem`, `PurchaseRequest`), always equal and adding
/// nothing to their hash. It only gives their synthesized memberwise initializers a signature of their own, so that
/// the public initializers can delegate to them: a hand-written initializer that assigns a large struct's fields one
/// by one makes the compiler (Swift 6.3, -O) build every value in a temporary and copy it (a retain and a release of
/// each string and array), the memberwise one does not. The decoders build one `LineItem` per line of every request.
private struct Memberwise: Hashable, Sendable {}

/// Cancels a whole purchase. `voidId` is the void's own idempotency id (unique per branch and POS).
public struct VoidRequest: Hashable, Sendable {
    public var voidId: String
    public var transactionId: String
    public var reason: String?
    public init(voidId: String, transactionId: String, reason: String? = nil) {
        self.voidId = voidId
        self.transactionId = transactionId
        self.reason = reason
    }
}

/// One returned line and how much of it.
public struct ReturnLine: Hashable, Sendable {
    public var lineId: String
    public var quantity: Quantity
    public init(lineId: String, quantity: Quantity) {
        self.lineId = lineId
        self.quantity = quantity
    }
}

/// A partial (or complete) return, by line and quantity. `returnId` is its own idempotency id.
public struct ReturnRequest: Hashable, Sendable {
    public var returnId: String
    public var transactionId: String
    public var lines: [ReturnLine]
    public init(returnId: String, transactionId: String, lines: [ReturnLine]) {
        self.returnId = returnId
        self.transactionId = transactionId
        self.lines = lines
    }
}
