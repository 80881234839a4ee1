import TillCore

/// The direct (single-pass) decoder of the hot requests, `purchase`, `quote` and `identify`: typed fields read
/// straight from the frame's bytes by a `WireScanner`, in any key order, with the same rules as the `WireDecodable`
/// readers of `Purchase+Wire.swift` and `IdentifyRequest` (required fields, `null` as absent, defaults, limits,
/// ranges). It throws `WireMiss` on anything else, errors included; the caller then decodes the frame with the tape
/// decoder, which names the error. A member one op does not read is still checked by the rules of the op that reads
/// it (and a miss sends the frame to the tape), so the direct path is never laxer than the tape.
enum DirectRequestDecoder {
    // Wire names, in the order our encoder writes them (the case names are the wire names).
    private enum EnvelopeField: Int, CaseIterable {
        case id, op, transactionId, openedAt, orderType, employee, members, items, orderDiscount, tax, payments, redemptions, currency
        case identifiers
    }
    fileprivate enum ItemField: Int, CaseIterable { case lineId, code, name, department, quantity, unitPrice, discount, tags }
    private enum PaymentField: Int, CaseIterable { case means, amount, memberKey }
    private enum IdentifierField: Int, CaseIterable { case kind, value }

    private static let envelopeFields = WireFields(EnvelopeField.self)
    fileprivate static let itemFields = WireFields(ItemField.self)
    private static let paymentFields = WireFields(PaymentField.self)
    private static let identifierFields = WireFields(IdentifierField.self)
    private static let orderTypes = WireChoices(OrderType.self)
    private static let paymentMeans = WireChoices(PaymentMeans.self)
    private static let identifierKinds = WireChoices(IdentifierKind.self)

    /// The envelope (`id`, `op`) and body of a `purchase`, `quote` or `identify` frame.
    static func envelope(_ scanner: inout WireScanner) throws(WireMiss) -> RequestEnvelope {
        var s = scanner  // a local cursor the optimizer keeps in registers
        defer { scanner = s }
        var id: RequestID?, op: Op?, transactionId: String?, openedAt: Timestamp?, currency: String?
        var orderType = OrderType.inStore, employee: String?, members: [MemberIdentifier] = [], items: [LineItem]?
        var orderDiscount: Int64 = 0, tax: Int64 = 0, payments: [Payment] = [], redemptions: [String] = []
        var identifiers: [MemberIdentifier]?
        try object(&s, envelopeFields, depth: 1) { f, s throws(WireMiss) in
            switch EnvelopeField(rawValue: f)! {
            case .id: id = try s.requestID()
            case .op:
                let word = try s.word()
                if s.token(word, is: "purchase") { op = .purchase } else if s.token(word, is: "quote") { op = .quote }
                else if s.token(word, is: "identify") { op = .identify } else { throw WireMiss() }
            case .transactionId: transactionId = try s.text(maxLength: 128, nonEmpty: true)
            case .openedAt: openedAt = try s.timestamp()
            case .orderType: if !s.null() { orderType = try s.choice(orderTypes) }
            case .employee: if !s.null() { employee = try s.text(maxLength: WireLimits.maxTextBytes) }
            case .members: members = try array(&s, maxCount: WireLimits.maxMembers) { s throws(WireMiss) in try identifier(&s) }
            case .items:
                if !s.null() { items = try lineItems(&s) }
            case .orderDiscount: if !s.null() { orderDiscount = try s.int(WireLimits.money) }
            case .tax: if !s.null() { tax = try s.int(WireLimits.money) }
            case .payments: payments = try array(&s, maxCount: WireLimits.maxPayments, reserve: 2) { s throws(WireMiss) in try payment(&s) }
            case .redemptions:
                redemptions = try array(&s, maxCount: WireLimits.maxRedemptions) { s throws(WireMiss) in try s.text(maxLength: 128, nonEmpty: true) }
            case .currency: currency = try s.upperCaseCode(length: 3)
            case .identifiers:
                // Required and non-empty (`null` included in the tape's refusal): an empty result is a miss.
                identifiers = try array(&s, maxCount: WireLimits.maxMembers) { s throws(WireMiss) in try identifier(&s) }
            }
        }
        try s.end()
        if op == .identify {
            guard let id, let identifiers, !identifiers.isEmpty else { throw WireMiss() }
            return RequestEnvelope(id: id, request: .identify(IdentifyRequest(identifiers: identifiers)))
        }
        guard let id, let op, let transactionId, let openedAt, let items, let currency else { throw WireMiss() }
        let purchase = PurchaseRequest(
            transactionId: transactionId, openedAt: openedAt, orderType: orderType, employee: employee, members: members,
            items: items, orderDiscount: orderDiscount, tax: tax, payments: payments, redemptions: redemptions, currency: currency)
        return RequestEnvelope(id: id, request: op == .purchase ? .purchase(purchase) : .quote(purchase))
    }

    /// The members of an object at `depth`: each known one, after the duplicate check, to `member`; unknown ones
    /// skipped with full validation. Returns which known members arrived.
    @inline(__always) @discardableResult
    static func object(_ s: inout WireScanner, _ fields: WireFields, depth: Int,
                               _ member: (Int, inout WireScanner) throws(WireMiss) -> Void) throws(WireMiss) -> WireMembers {
        var m = WireMembers(), expected = 0
        guard try s.beginObject(depth: depth) else { throw WireMiss() }
        repeat {
            guard let f = s.field(in: fields, expected: &expected) else {
                try m.skipUnknown(try s.key(), &s, depth: depth + 1)
                continue
            }
            try m.known(f)
            try member(f, &s)
        } while try s.nextMember()
        return m
    }

    /// An array member of an object (the envelope's by default: the array at depth 2, elements at depth 3); `null`
    /// reads as empty.
    @inline(__always)
    static func array<T>(_ s: inout WireScanner, depth: Int = 2, maxCount: Int, reserve: Int = 0,
                         _ element: (inout WireScanner) throws(WireMiss) -> T) throws(WireMiss) -> [T] {
        if s.null() { return [] }
        guard try s.beginArray(depth: depth) else { return [] }
        var out: [T] = []
        out.reserveCapacity(reserve)
        repeat {
            guard out.count < maxCount else { throw WireMiss() }
            out.append(try element(&s))
        } while try s.nextElement()
        return out
    }

    fileprivate static var requiredItemFields: UInt64 {  // a constant: no global to initialize
        1 << UInt64(ItemField.lineId.rawValue) | 1 << UInt64(ItemField.code.rawValue) | 1 << UInt64(ItemField.name.rawValue)
            | 1 << UInt64(ItemField.quantity.rawValue) | 1 << UInt64(ItemField.unitPrice.rawValue)
    }

    /// `tags` of a line item: depth 4, strings of at most 1,024 bytes; `null` reads as empty. One or two tags (the
    /// usual case) are kept inline in the `ItemTags`, without an array.
    fileprivate static func tags(_ s: inout WireScanner, maxCount: Int) throws(WireMiss) -> ItemTags {
        if s.null() { return [] }
        guard try s.beginArray(depth: 4) else { return [] }
        let first = try s.text(maxLength: WireLimits.maxTextBytes)
        guard try s.nextElement() else { return ItemTags(first) }
        guard maxCount >= 2 else { throw WireMiss() }
        let second = try s.text(maxLength: WireLimits.maxTextBytes)
        guard try s.nextElement() else { return ItemTags(first, second) }
        var out = [first, second]
        repeat {
            guard out.count < maxCount else { throw WireMiss() }
            out.append(try s.text(maxLength: WireLimits.maxTextBytes))
        } while try s.nextElement()
        return ItemTags(out)
    }

    /// A payment object at depth 3: in our encoder's member order (`means`, `amount`, `memberKey`?) in one straight
    /// pass, else read again from its start by the general member loop (as line items).
    private static func payment(_ scanner: inout WireScanner) throws(WireMiss) -> Payment {
        typealias F = PaymentField
        var s = scanner  // a local cursor the optimizer keeps in registers
        defer { scanner = s }
        let fields = paymentFields, start = s.i
        if try s.beginObject(depth: 3), s.field(fields, F.means.rawValue) {
            let means = try s.choice(paymentMeans)
            if try s.nextMember(is: F.amount.rawValue, of: fields) {
                let amount = try s.int(1...WireLimits.money.upperBound)
                let memberKey: String? =
                    if try s.nextMember(is: F.memberKey.rawValue, of: fields), !s.null() { try s.text(maxLength: 128) } else { nil }
                if try !s.nextMember() { return Payment(means: means, amount: amount, memberKey: memberKey) }
            }
        }
        s.i = start
        var means: PaymentMeans?, amount: Int64?, memberKey: String?
        try object(&s, fields, depth: 3) { f, s throws(WireMiss) in
            switch PaymentField(rawValue: f)! {
            case .means: means = try s.choice(paymentMeans)
            case .amount: amount = try s.int(1...WireLimits.money.upperBound)
            case .memberKey: if !s.null() { memberKey = try s.text(maxLength: 128) }
            }
        }
        guard let means, let amount else { throw WireMiss() }
        return Payment(means: means, amount: amount, memberKey: memberKey)
    }

    /// A member identifier at depth 3: `kind`, `value` in one straight pass, else as `payment`.
    private static func identifier(_ scanner: inout WireScanner) throws(WireMiss) -> MemberIdentifier {
        var s = scanner  // a local cursor the optimizer keeps in registers
        defer { scanner = s }
        let fields = identifierFields, start = s.i
        if try s.beginObject(depth: 3), s.field(fields, IdentifierField.kind.rawValue) {
            let kind = try s.choice(identifierKinds)
            if try s.nextMember(is: IdentifierField.value.rawValue, of: fields) {
                let value = try s.text(maxLength: 256, nonEmpty: true)
                if try !s.nextMember() { return MemberIdentifier(kind: kind, value: value) }
            }
        }
        s.i = start
        var kind: IdentifierKind?, value: String?
        try object(&s, fields, depth: 3) { f, s throws(WireMiss) in
            switch IdentifierField(rawValue: f)! {
            case .kind: kind = try s.choice(identifierKinds)
            case .value: value = try s.text(maxLength: 256, nonEmpty: true)
            }
        }
        guard let kind, let value else { throw WireMiss() }
        return MemberIdentifier(kind: kind, value: value)
    }
}

extension DirectRequestDecoder {
    /// The `items` array (depth 2, `null` already handled). Items with their members in our encoder's order take
    /// `canonicalLineItem`; any other is read again from its start by `lineItem`, decoded in place in the array's
    /// storage (appended blank, then its fields assigned through `inout`).
    fileprivate static func lineItems(_ s: inout WireScanner) throws(WireMiss) -> [LineItem] {
        guard try s.beginArray(depth: 2) else { return [] }
        let fields = itemFields  // read once, not per item
        var out: [LineItem] = []
        out.reserveCapacity(16)
        repeat {
            guard out.count < WireLimits.maxItems else { throw WireMiss() }
            let start = s.i
            if try !canonicalLineItem(&s, fields, into: &out) {
                s.i = start
                out.append(LineItem(lineId: "", code: "", name: "", quantity: Quantity(thousandths: 0), unitPrice: 0))
                try lineItem(&s, fields, into: &out[out.count - 1])
            }
        } while try s.nextElement()
        return out
    }

    /// The usual line item in one straight pass: its members exactly in our encoder's order (`lineId`, `code`,
    /// `name`, `department`?, `quantity`, `unitPrice`, `discount`?, `tags`?), read with the same rules as `lineItem`,
    /// and appended to `items`. False, with the cursor anywhere in the item and `items` unchanged, on any other order
    /// or an unknown member (a duplicate is one of those): the caller then reads the item again with `lineItem`.
    private static func canonicalLineItem(_ scanner: inout WireScanner, _ fields: WireFields,
                                          into items: inout [LineItem]) throws(WireMiss) -> Bool {
        typealias F = ItemField
        var s = scanner  // a local cursor the optimizer keeps in registers
        defer { scanner = s }
        guard try s.beginObject(depth: 3), s.field(fields, F.lineId.rawValue) else { return false }
        let lineId = try s.text(maxLength: 128, nonEmpty: true)
        guard try s.nextMember(is: F.code.rawValue, of: fields) else { return false }
        let code = try s.text(maxLength: 128, nonEmpty: true)
        guard try s.nextMember(is: F.name.rawValue, of: fields) else { return false }
        let name = try s.text(maxLength: WireLimits.maxTextBytes)
        let department: String? =
            if try s.nextMember(is: F.department.rawValue, of: fields), !s.null() { try s.text(maxLength: WireLimits.maxTextBytes) } else { nil }
        guard try s.nextMember(is: F.quantity.rawValue, of: fields) else { return false }
        let quantity = try s.positiveQuantity()
        guard try s.nextMember(is: F.unitPrice.rawValue, of: fields) else { return false }
        let unitPrice = try s.int(WireLimits.money)
        let discount: Int64 =
            if try s.nextMember(is: F.discount.rawValue, of: fields), !s.null() { try s.int(WireLimits.money) } else { 0 }
        let tags = if try s.nextMember(is: F.tags.rawValue, of: fields) { try Self.tags(&s, maxCount: WireLimits.maxTags) } else { ItemTags() }
        guard try !s.nextMember() else { return false }
        items.append(LineItem(lineId: lineId, code: code, name: name, department: department, quantity: quantity,
                              unitPrice: unitPrice, discount: discount, tags: tags))
        return true
    }

    /// A line item object at depth 3 in any member order, its fields assigned to `item` (which holds the defaults);
    /// the member bitset says which required fields arrived.
    fileprivate static func lineItem(_ scanner: inout WireScanner, _ fields: WireFields, into item: inout LineItem) throws(WireMiss) {
        typealias D = DirectRequestDecoder
        var s = scanner  // a local cursor the optimizer keeps in registers
        defer { scanner = s }
        var m = WireMembers(), expected = 0
        guard try s.beginObject(depth: 3) else { throw WireMiss() }
        repeat {
            guard let f = s.field(in: fields, expected: &expected) else {
                try m.skipUnknown(try s.key(), &s, depth: 4)
                continue
            }
            try m.known(f)
            switch D.ItemField(rawValue: f)! {
            case .lineId: item.lineId = try s.text(maxLength: 128, nonEmpty: true)
            case .code: item.code = try s.text(maxLength: 128, nonEmpty: true)
            case .name: item.name = try s.text(maxLength: WireLimits.maxTextBytes)
            case .department: if !s.null() { item.department = try s.text(maxLength: WireLimits.maxTextBytes) }
            case .quantity: item.quantity = try s.positiveQuantity()
            case .unitPrice: item.unitPrice = try s.int(WireLimits.money)
            case .discount: if !s.null() { item.discount = try s.int(WireLimits.money) }
            case .tags: item.tags = try D.tags(&s, maxCount: WireLimits.maxTags)
            }
        } while try s.nextMember()
        guard m.has(D.requiredItemFields) else { throw WireMiss() }
    }
}
