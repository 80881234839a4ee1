/// One priced line of a basket.
struct PricedLine: Hashable, Sendable {
    var item: LineItem
    /// quantity × unit price, rounded half-up.
    var gross: MinorUnits
    /// The line's share of the POS's order discount (largest remainder).
    var orderShare: MinorUnits = 0
    /// Discounts of redeemed gifts on this line.
    var benefit: MinorUnits = 0
    /// What is still to pay on the line before any redemption.
    var afterPOS: MinorUnits { gross - item.discount - orderShare }
    /// What is left to pay on the line after every discount.
    var net: MinorUnits { afterPOS - benefit }
}

/// A validated, priced basket.
///
/// Guarantees: `subtotal - itemDiscounts - orderDiscount - benefitDiscounts == Σ net` and every line's net is in
/// `0 ... gross`.
struct Basket: Sendable {
    static let maxQuantity: Int64 = ValueLimits.maxQuantityThousandths
    static let maxUnitPrice: MinorUnits = ValueLimits.maxMoney
    /// Lines per purchase: the wire's limit (PROTOCOL.md section 9, `WireLimits.maxItems`).
    static let maxLines = 500
    /// Per line, per payment, for tax, the subtotal and the total (`ValueLimits.maxMoney`): sums over 500 lines
    /// stay far from overflow, and every amount on the receipt is within the documented money range.
    static let maxAmount: MinorUnits = ValueLimits.maxMoney
    static let maxPayments = 20
    static let maxRedemptions = 50

    /// The lines; only `apply` changes them after init (so the indexes below stay true).
    private(set) var lines: [PricedLine]
    var orderDiscount: MinorUnits
    var tax: MinorUnits
    /// The code and department index of a long basket (more than `scannedUpTo` lines); nil for a short one, whose
    /// lines are scanned: comparing ten lines' codes costs less than building (and freeing) the index's arrays.
    private let index: LineIndex?
    /// The longest basket whose lines are found by scanning them (and whose line ids are checked pairwise).
    static let scannedUpTo = 32

    /// Whether some line has item code `code`.
    func has(code: String) -> Bool {
        if let index { return index.firstByCode[code] != nil }
        let lines = self.lines.span  // borrowed: no line is copied to read its code
        for i in lines.indices where lines[i].item.code == code { return true }
        return false
    }

    /// The indexes of the lines with item code `code`, in line order.
    func lines(code: String) -> [Int] {
        var out: [Int] = []
        guard let index else {
            let lines = self.lines.span
            for i in lines.indices where lines[i].item.code == code { out.append(i) }
            return out
        }
        var i = index.firstByCode[code] ?? -1
        while i >= 0 {
            out.append(i)
            i = index.nextByCode[i]
        }
        return out
    }

    /// The indexes of the lines whose code is in `codes` or whose department is in `departments`, in line order.
    func lines(codes: Set<String>, departments: Set<String>) -> [Int] {
        var out: [Int] = []
        guard let index else {
            // Each line's code and department compared with the (few) keys: `String ==`, as the sets' own lookup.
            let lines = self.lines.span
            for i in lines.indices where FewKeys.contains(codes, lines[i].item.code) || FewKeys.contains(departments, lines[i].item.department) {
                out.append(i)
            }
            return out
        }
        for code in codes { out += lines(code: code) }
        for department in departments {
            var i = index.firstByDepartment[department] ?? -1
            while i >= 0 {
                out.append(i)
                i = index.nextByDepartment[i]
            }
        }
        return codes.count + departments.count > 1 ? Array(Set(out)).sorted() : out
    }

    var subtotal: MinorUnits { lines.reduce(0) { $0 + $1.gross } }
    var itemDiscounts: MinorUnits { lines.reduce(0) { $0 + $1.item.discount } }
    var benefitDiscounts: MinorUnits { lines.reduce(0) { $0 + $1.benefit } }
    /// The basket after the POS's discounts, before redemptions: what `minSpend` compares with.
    /// Redemptions do not change it: computed once, in init.
    let afterPOS: MinorUnits
    var net: MinorUnits { Self.sum(lines) { $0.net } }
    var total: MinorUnits { net + tax }

    /// Validates the request's business rules (naming the offending field) and prices it.
    init(_ request: PurchaseRequest, currency: String) throws(TillError) {
        guard request.currency == currency else {
            throw .invalidRequest(field: "currency", reason: "shop currency is \(currency)")
        }
        guard !request.transactionId.isEmpty else { throw .invalidRequest(field: "transactionId", reason: "empty") }
        guard !request.items.isEmpty else { throw .invalidRequest(field: "items", reason: "at least one line") }
        guard request.items.count <= Self.maxLines else {
            throw .invalidRequest(field: "items", reason: "at most \(Self.maxLines) lines")
        }
        // Field names are built only on the way to an error: this runs for every purchase and quote.
        func field(_ i: Int, _ name: String) -> String { name.isEmpty ? "items[\(i)]" : "items[\(i)].\(name)" }
        let items = request.items
        var seen: LineKeys? = items.count > Self.scannedUpTo ? LineKeys(capacity: items.count) : nil  // long baskets only
        var lines: [PricedLine] = []
        lines.reserveCapacity(items.count)
        for i in items.indices {
            // `items[i]` in place throughout: a copied item would retain (and release) each of its strings, and the
            // line below copies it once more.
            guard !items[i].lineId.isEmpty else { throw .invalidRequest(field: field(i, "lineId"), reason: "empty") }
            let duplicate = seen == nil
                ? items[..<i].contains { $0.lineId == items[i].lineId } : seen!.updateValue(i, forKey: items[i].lineId) != nil
            guard !duplicate else { throw .invalidRequest(field: field(i, "lineId"), reason: "duplicate line id") }
            let quantity = items[i].quantity, unitPrice = items[i].unitPrice, discount = items[i].discount
            guard quantity.thousandths > 0, quantity.thousandths <= Self.maxQuantity else {
                throw .invalidRequest(field: field(i, "quantity"), reason: "must be > 0 and at most 1000000")
            }
            guard unitPrice >= 0, unitPrice <= Self.maxUnitPrice else {
                throw .invalidRequest(field: field(i, "unitPrice"), reason: "out of range")
            }
            let gross = Arithmetic.lineGross(quantity: quantity, unitPrice: unitPrice)
            guard gross <= Self.maxAmount else {
                throw .invalidRequest(field: field(i, ""), reason: "line amount above \(Self.maxAmount)")
            }
            guard discount >= 0, discount <= gross else {
                throw .invalidRequest(field: field(i, "discount"), reason: "must be between 0 and the line gross \(gross)")
            }
            lines.append(PricedLine(item: items[i], gross: gross))
        }
        // At most 1000 lines of at most 10^12 each: the sums below cannot overflow.
        let subtotal = lines.reduce(0) { $0 + $1.gross }
        guard subtotal <= Self.maxAmount else {
            throw .invalidRequest(field: "items", reason: "subtotal \(subtotal) above \(Self.maxAmount)")
        }
        let afterItems = lines.map { $0.gross - $0.item.discount }
        let room = afterItems.reduce(0, +)
        guard request.orderDiscount >= 0, request.orderDiscount <= room else {
            throw .invalidRequest(field: "orderDiscount", reason: "must be between 0 and \(room)")
        }
        guard request.tax >= 0, request.tax <= Self.maxAmount - (room - request.orderDiscount) else {
            throw .invalidRequest(field: "tax", reason: "must be between 0 and \(Self.maxAmount - (room - request.orderDiscount)) (the total is at most \(Self.maxAmount))")
        }
        if room > 0 && request.orderDiscount > 0 {
            for (i, share) in Arithmetic.allocate(request.orderDiscount, weights: afterItems).enumerated() {
                lines[i].orderShare = share
            }
        }
        self.lines = lines
        index = items.count > Self.scannedUpTo ? LineIndex(items) : nil
        afterPOS = Self.sum(lines) { $0.afterPOS }
        self.orderDiscount = request.orderDiscount
        self.tax = request.tax
        guard request.redemptions.count <= Self.maxRedemptions else {
            throw .invalidRequest(field: "redemptions", reason: "at most \(Self.maxRedemptions) redemptions")
        }
        guard request.payments.count <= Self.maxPayments else {
            throw .invalidRequest(field: "payments", reason: "at most \(Self.maxPayments) payments")
        }
        var redeemed = Set<String>()
        for (i, id) in request.redemptions.enumerated() where !redeemed.insert(id).inserted {
            throw .invalidRequest(field: "redemptions[\(i)]", reason: "benefit listed twice")
        }
        for (i, p) in request.payments.enumerated() where p.amount <= 0 || p.amount > Self.maxAmount {
            throw .invalidRequest(field: "payments[\(i)].amount", reason: "must be > 0 and at most \(Self.maxAmount)")
        }
    }

    /// Σ `value` over `lines`, by index: `reduce` iterates, and iterating copies each line (retaining and releasing
    /// its strings) before a computed property like `net` can be read from it — 500 copies per pass at the maxima.
    private static func sum(_ lines: [PricedLine], _ value: (borrowing PricedLine) -> MinorUnits) -> MinorUnits {
        var total: MinorUnits = 0
        for i in lines.indices { total += value(lines[i]) }
        return total
    }

    /// Adds a redemption's per-line discounts.
    mutating func apply(_ shares: LineShares) {
        for (i, amount) in zip(shares.lines, shares.amounts) { lines[i].benefit += amount }
    }
}

/// A long basket's lines by item code and by department, built once with one hash per line: per code (department)
/// its first line, and per line the next line with the same code (department), -1 after the last. Gifts and punch
/// cards find their lines with one lookup per code instead of comparing every line's code for every rule.
private struct LineIndex: Sendable {
    let firstByCode: LineKeys
    let firstByDepartment: LineKeys
    let nextByCode: [Int]
    let nextByDepartment: [Int]

    init(_ items: [LineItem]) {
        // Built from the last line back, so each chain runs in line order.
        var byCode = LineKeys(capacity: items.count)
        var byDepartment = LineKeys(capacity: 0)
        var nextCode = [Int].filled(-1, count: items.count)
        var nextDepartment = [Int].filled(-1, count: items.count)
        for i in items.indices.reversed() {
            nextCode[i] = byCode.updateValue(i, forKey: items[i].code) ?? -1
            if let department = items[i].department { nextDepartment[i] = byDepartment.updateValue(i, forKey: department) ?? -1 }
        }
        firstByCode = byCode
        firstByDepartment = byDepartment
        nextByCode = nextCode
        nextByDepartment = nextDepartment
    }
}
