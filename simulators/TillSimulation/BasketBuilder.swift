import TillCore

/// Builds the purchase bodies a cashier would send: baskets from `ShopCatalog`, members from the working set with a
/// random identifier kind, payments that add up to the total (Till refuses payments that do not).
///
/// Guarantees: deterministic for a given generator state; every body is valid for protocol v1 (at most 5 members,
/// 1 to 30 lines, unique line ids, non-negative money); `total(of:)` is the receipt total when no gift applies.
public struct BasketBuilder: Sendable {
    public let catalog: ShopCatalog
    public let population: Population
    /// Members `0 ..< workingSet` are the ones the run uses.
    public let workingSet: Int
    public let currency: String
    public static let identifierKinds: [IdentifierKind] = [.phone, .email, .card, .customId, .memberKey]
    /// "E1" … "E40", the cashiers' ids, made once.
    static let employees = (1...40).map { "E\($0)" }

    public init(catalog: ShopCatalog = ShopCatalog(), population: Population, workingSet: Int, currency: String = "EUR") {
        self.catalog = catalog
        self.population = population
        self.workingSet = max(1, min(workingSet, population.count))
        self.currency = currency
    }

    /// A random member of the working set.
    public func member(using random: inout SeededRandom) -> Int { random.int(0...(workingSet - 1)) }

    /// Member `n` presented with a random identifier kind.
    public func identifier(for n: Int, using random: inout SeededRandom) -> MemberIdentifier {
        population.identifier(n, kind: Self.identifierKinds[random.int(0...(Self.identifierKinds.count - 1))])
    }

    /// `count` distinct members, each with a random identifier kind.
    public func members(_ count: Int, using random: inout SeededRandom) -> [Int] {
        var chosen: [Int] = []
        while chosen.count < min(count, workingSet) {
            let n = member(using: &random)
            if !chosen.contains(n) { chosen.append(n) }
        }
        return chosen
    }

    /// A purchase body with a fresh basket, paid by cash or card (or with no payment lines at all, as many POS do).
    public func purchase(
        id: String, openedAt: Timestamp, members: [MemberIdentifier], using random: inout SeededRandom
    ) -> PurchaseRequest {
        draft(id: id, openedAt: openedAt, members: members, using: &random).request
    }

    /// The same purchase kept as a draft (the same draws, written to the wire without building its line items).
    public func draft(
        id: String, openedAt: Timestamp, members: [MemberIdentifier], using random: inout SeededRandom
    ) -> PurchaseDraft {
        var lines: [BasketLine] = []
        return draft(id: id, openedAt: openedAt, members: members, reusing: &lines, using: &random)
    }

    /// `draft`, its lines drawn into `spare`'s storage (taken: `spare` is left empty), so a caller that hands back the
    /// lines of finished drafts allocates none.
    func draft(
        id: String, openedAt: Timestamp, members: [MemberIdentifier], reusing spare: inout [BasketLine], using random: inout SeededRandom
    ) -> PurchaseDraft {
        var net: MinorUnits = 0, lines: [BasketLine] = []
        swap(&lines, &spare)
        catalog.basketLines(using: &random, into: &lines, net: &net)
        let orderType: OrderType = random.chance(85) ? .inStore : .takeaway
        let employee = random.chance(50) ? Self.employees[random.int(1...40) - 1] : nil
        let orderDiscount: MinorUnits = random.chance(5) && net > 500 ? 100 : 0
        let payment = random.chance(60) ? Payment(means: random.chance(70) ? .card : .cash, amount: net - orderDiscount) : nil
        return PurchaseDraft(transactionId: id, openedAt: openedAt, orderType: orderType, employee: employee, members: members,
                             lines: lines, orderDiscount: orderDiscount, payment: payment, currency: currency, catalog: catalog)
    }

    /// Replaces the payments with a budget payment of up to `maximum` minor units from `wallet` (of the first
    /// member), the rest by card. Leaves the request unpaid when its total is zero.
    public func payPart(of request: inout PurchaseRequest, from wallet: WalletKind, maximum: MinorUnits, using random: inout SeededRandom) {
        let total = Self.total(of: request)
        guard total > 0 else { request.payments = []; return }
        let budget = min(total, MinorUnits(random.int(1...Int(max(1, maximum)))))
        request.payments = [Payment(means: wallet == .points ? .points : .credit, amount: budget)]
        if total > budget { request.payments.append(Payment(means: .card, amount: total - budget)) }
    }

    /// Adds an espresso and enough to pass any gift's minimum spend; drops payments (the gift's discount is only
    /// known to the server).
    public func prepareForGift(_ request: inout PurchaseRequest) {
        let espresso = catalog.articles[0]
        let next = request.items.count + 1
        request.items.append(LineItem(lineId: String(next), code: espresso.code, name: espresso.name, department: espresso.department,
                                      quantity: .one, unitPrice: espresso.unitPrice))
        if Self.net(request.items) < 3_000 {
            request.items.append(LineItem(lineId: String(next + 1), code: "SKU-9999", name: "Gift basket", department: "household",
                                          quantity: .one, unitPrice: 3_000))
        }
        request.payments = []
    }

    /// Line gross: quantity × unit price, rounded half-up per line (Till's own rule, `Arithmetic.lineGross`).
    public static func gross(_ item: LineItem) -> MinorUnits { Arithmetic.lineGross(quantity: item.quantity, unitPrice: item.unitPrice) }

    /// Gross minus the POS's line discounts.
    public static func net(_ items: [LineItem]) -> MinorUnits { items.reduce(0) { $0 + gross($1) - $1.discount } }

    /// The total Till will compute for `request` when no gift is redeemed.
    public static func total(of request: PurchaseRequest) -> MinorUnits { net(request.items) - request.orderDiscount + request.tax }
}
