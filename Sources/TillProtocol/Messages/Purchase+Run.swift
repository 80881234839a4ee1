import TillCore

/// The fields of a purchase before and after its `items`, each part in one run of the writer when no string needs an
/// escape (the usual purchase), for `PurchaseRequest.encodeFields` and for clients that keep purchases in a form of
/// their own (the simulator's drafts).
///
/// Guarantees: the bytes are exactly those of the field-by-field writes (`purchaseHeadFieldByField`,
/// `purchaseTailFieldByField`), which are taken whenever a string would need an escape.
extension JSONWriter {
    /// `transactionId`, `openedAt`, `orderType`, `employee` (omitted when nil) and `members`.
    public mutating func purchaseHead(transactionId: String, openedAt: Timestamp, orderType: OrderType, employee: String?,
                                      members: [MemberIdentifier]) {
        var bound = 128 + TimestampCodec.maxLength + transactionId.utf8.count + (employee?.utf8.count ?? 0)
        for member in members { bound += 48 + member.value.utf8.count }
        let plain = run(maxCount: bound) { r in
            r.key("transactionId")
            guard r.plainString(transactionId) else { return false }
            r.raw(#","openedAt":"#); r.timestamp(openedAt)
            r.raw(#","orderType":"#)
            guard r.plainString(orderType.rawValue) else { return false }
            if let employee {
                r.raw(#","employee":"#)
                guard r.plainString(employee) else { return false }
            }
            r.raw(#","members":["#)
            for (k, member) in members.enumerated() {
                r.raw(k == 0 ? #"{"kind":"# : #",{"kind":"#)
                guard r.plainString(member.kind.rawValue) else { return false }
                r.raw(#","value":"#)
                guard r.plainString(member.value) else { return false }
                r.byte(UInt8(ascii: "}"))
            }
            r.byte(UInt8(ascii: "]"))
            return true
        }
        if !plain {
            purchaseHeadFieldByField(transactionId: transactionId, openedAt: openedAt, orderType: orderType, employee: employee,
                                     members: members)
        }
    }

    /// `orderDiscount`, `tax`, `payments` (`paymentCount` of them, payment `k` from `payment(k)`), `redemptions` and
    /// `currency`.
    public mutating func purchaseTail(orderDiscount: MinorUnits, tax: MinorUnits, payments paymentCount: Int, _ payment: (Int) -> Payment,
                                      redemptions: [String], currency: String) {
        var bound = 160 + currency.utf8.count
        for k in 0..<paymentCount { bound += 96 + (payment(k).memberKey?.utf8.count ?? 0) }
        for redemption in redemptions { bound += 3 + redemption.utf8.count }
        let plain = run(maxCount: bound) { r in
            r.key("orderDiscount"); r.int(orderDiscount)
            r.raw(#","tax":"#); r.int(tax)
            r.raw(#","payments":["#)
            for k in 0..<paymentCount {
                let p = payment(k)
                r.raw(k == 0 ? #"{"means":"# : #",{"means":"#)
                guard r.plainString(p.means.rawValue) else { return false }
                r.raw(#","amount":"#); r.int(p.amount)
                if let memberKey = p.memberKey {
                    r.raw(#","memberKey":"#)
                    guard r.plainString(memberKey) else { return false }
                }
                r.byte(UInt8(ascii: "}"))
            }
            r.raw(#"],"redemptions":["#)
            for (k, redemption) in redemptions.enumerated() {
                if k > 0 { r.byte(UInt8(ascii: ",")) }
                guard r.plainString(redemption) else { return false }
            }
            r.raw(#"],"currency":"#)
            return r.plainString(currency)
        }
        if !plain {
            purchaseTailFieldByField(orderDiscount: orderDiscount, tax: tax, payments: (0..<paymentCount).map(payment),
                                     redemptions: redemptions, currency: currency)
        }
    }

    /// The head field by field (any string escaped as `string` escapes it).
    mutating func purchaseHeadFieldByField(transactionId: String, openedAt: Timestamp, orderType: OrderType, employee: String?,
                                           members: [MemberIdentifier]) {
        field("transactionId", transactionId); field("openedAt", openedAt); field("orderType", orderType)
        field("employee", employee); field("members", members)
    }

    /// The tail field by field.
    mutating func purchaseTailFieldByField(orderDiscount: MinorUnits, tax: MinorUnits, payments: [Payment], redemptions: [String],
                                           currency: String) {
        field("orderDiscount", orderDiscount); field("tax", tax); field("payments", payments)
        field("redemptions", redemptions); field("currency", currency)
    }
}
