import TillCore

extension MemberIdentifier: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(kind: try o.enumeration("kind", IdentifierKind.self), value: try o.required("value").nonEmptyString(maxLength: 256))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("kind", kind); w.field("value", value); w.endObject()  // each field in one run when plain
    }
}

extension LineItem: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(
            lineId: try o.id("lineId"), code: try o.id("code"), name: try o.string("name", maxLength: WireLimits.maxTextBytes),
            department: try o.optionalString("department", maxLength: WireLimits.maxTextBytes), quantity: try o.required("quantity").quantity(),
            unitPrice: try o.int("unitPrice", WireLimits.money), discount: try o.int("discount", WireLimits.money, default: 0),
            tags: ItemTags(try o.strings("tags", maxCount: WireLimits.maxTags)))
    }
    public func encode(to w: inout JSONWriter) {
        if !encodePlain(to: &w) { encodeFieldByField(to: &w) }
    }

    /// The usual line, with no string that needs an escape, in one run of the writer (the bytes of
    /// `encodeFieldByField`); false, with nothing written, otherwise.
    func encodePlain(to w: inout JSONWriter) -> Bool {
        var bound = 160 + lineId.utf8.count + code.utf8.count + name.utf8.count + (department?.utf8.count ?? 0)
        for tag in tags { bound += tag.utf8.count + 3 }
        return w.run(maxCount: bound) { r in
            r.raw(#"{"lineId":"#)
            guard r.plainString(lineId) else { return false }
            r.raw(#","code":"#)
            guard r.plainString(code) else { return false }
            r.raw(#","name":"#)
            guard r.plainString(name) else { return false }
            if let department {
                r.raw(#","department":"#)
                guard r.plainString(department) else { return false }
            }
            r.raw(#","quantity":"#); r.quantity(quantity)
            r.raw(#","unitPrice":"#); r.int(unitPrice)
            r.raw(#","discount":"#); r.int(discount)
            r.raw(#","tags":["#)
            for (k, tag) in tags.enumerated() {
                if k > 0 { r.byte(UInt8(ascii: ",")) }
                guard r.plainString(tag) else { return false }
            }
            r.raw("]}")
            return true
        }
    }

    func encodeFieldByField(to w: inout JSONWriter) {
        w.beginObject()
        w.field("lineId", lineId); w.field("code", code); w.field("name", name); w.field("department", department)
        w.field("quantity", quantity); w.field("unitPrice", unitPrice); w.field("discount", discount); w.field("tags", tags)
        w.endObject()
    }
}

extension Payment: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(means: try o.enumeration("means", PaymentMeans.self), amount: try o.int("amount", 1...WireLimits.money.upperBound),
                  memberKey: try o.optionalString("memberKey", maxLength: 128))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("means", means); w.field("amount", amount); w.field("memberKey", memberKey); w.endObject()
    }
}

extension PurchaseRequest: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        let currency = try o.string("currency", maxLength: 3)
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw .invalidRequest(field: o.childPath("currency"), reason: "must be an ISO 4217 code like EUR")
        }
        self.init(
            transactionId: try o.id("transactionId"), openedAt: try o.timestamp("openedAt"),
            orderType: try o.optionalEnumeration("orderType", OrderType.self) ?? .inStore,
            employee: try o.optionalString("employee", maxLength: WireLimits.maxTextBytes),
            members: try o.objects("members", maxCount: WireLimits.maxMembers),
            items: try o.objects("items", maxCount: WireLimits.maxItems, required: true),
            orderDiscount: try o.int("orderDiscount", WireLimits.money, default: 0), tax: try o.int("tax", WireLimits.money, default: 0),
            payments: try o.objects("payments", maxCount: WireLimits.maxPayments),
            redemptions: try o.array("redemptions", maxCount: WireLimits.maxRedemptions) { v throws(TillError) in try v.nonEmptyString(maxLength: 128) },
            currency: currency)
    }
    /// The body fields without braces (the request envelope inlines them next to `id` and `op`).
    public func encodeFields(to w: inout JSONWriter) {
        w.purchaseHead(transactionId: transactionId, openedAt: openedAt, orderType: orderType, employee: employee, members: members)
        w.field("items", items)
        w.purchaseTail(orderDiscount: orderDiscount, tax: tax, payments: payments.count, { payments[$0] }, redemptions: redemptions,
                       currency: currency)
    }
}

extension VoidRequest: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(voidId: try o.id("voidId"), transactionId: try o.id("transactionId"), reason: try o.optionalString("reason", maxLength: WireLimits.maxTextBytes))
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("voidId", voidId); w.field("transactionId", transactionId); w.field("reason", reason)
    }
}

extension ReturnLine: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(lineId: try o.id("lineId"), quantity: try o.required("quantity").quantity())
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("lineId", lineId); w.field("quantity", quantity); w.endObject()
    }
}

extension ReturnRequest: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        let lines: [ReturnLine] = try o.objects("lines", maxCount: WireLimits.maxItems, required: true)
        if lines.isEmpty { throw .invalidRequest(field: o.childPath("lines"), reason: "must not be empty") }
        self.init(returnId: try o.id("returnId"), transactionId: try o.id("transactionId"), lines: lines)
    }
    public func encodeFields(to w: inout JSONWriter) {
        w.field("returnId", returnId); w.field("transactionId", transactionId); w.field("lines", lines)
    }
}
