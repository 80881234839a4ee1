import TillCore

/// The direct (single-pass) decoder of the hot answer, a `purchase` result: the envelope and its `Receipt` read
/// straight from the frame's bytes by a `WireScanner`, in any key order, with the same rules as the `WireDecodable`
/// readers of `Receipt+Wire.swift` (required fields, `null` as absent, defaults, lengths, ranges, unknown members
/// skipped with full validation). It throws `WireMiss` on anything else — an `error` answer, another op, a result
/// before its `op`, any refusal — and the caller then decodes the frame with the tape decoder, which decides and
/// names the error. So a client judging answers (the simulator's verdict) sees exactly what the tape decoder gives.
enum DirectResponseDecoder {
    // Wire names (the case names are the wire names), in the order the server writes them.
    private enum EnvelopeField: Int, CaseIterable { case id, op, result, error }
    private enum ReceiptField: Int, CaseIterable {
        case terminal, transactionId, openedAt, currency, subtotal, itemDiscounts, orderDiscount, benefitDiscounts, tax, total
        case payments, members, redemptions, replay
    }
    private enum TerminalField: Int, CaseIterable { case branchId, posId }
    private enum PaymentField: Int, CaseIterable { case means, amount, points, memberKey }
    private enum MemberField: Int, CaseIterable {
        case memberKey, pointsEarned, pointsPending, pointsSpent, creditSpent, punches, benefitsIssued, balance
    }
    private enum BalanceField: Int, CaseIterable { case points, pendingPoints, credit }
    private enum PunchField: Int, CaseIterable { case benefitId, name, punches, punchesAfter, punchesRequired, completed, rewardsCompleted }
    private enum IssuedField: Int, CaseIterable { case benefitId, name, kind, validUntil }
    private enum RedemptionField: Int, CaseIterable { case benefitId, name, memberKey, amount, lineIds }

    private static let envelopeFields = WireFields(EnvelopeField.self)
    private static let receiptFields = WireFields(ReceiptField.self)
    private static let terminalFields = WireFields(TerminalField.self)
    private static let paymentFields = WireFields(PaymentField.self)
    private static let memberFields = WireFields(MemberField.self)
    private static let balanceFields = WireFields(BalanceField.self)
    private static let punchFields = WireFields(PunchField.self)
    private static let issuedFields = WireFields(IssuedField.self)
    private static let redemptionFields = WireFields(RedemptionField.self)
    private static let paymentMeans = WireChoices(PaymentMeans.self)
    private static let benefitKinds = WireChoices(BenefitKind.self)

    private typealias D = DirectRequestDecoder
    /// `JSONObjectReader.id`: 1 to 128 bytes.
    private static let idBytes = WireLimits.maxIdBytes
    /// `JSONObjectReader.string`'s default bound.
    private static let textBytes = WireLimits.maxTextBytes

    /// The envelope of a successful `purchase` answer: `id` (not null), `op` `purchase`, `result` a receipt.
    static func purchaseAnswer(_ scanner: inout WireScanner) throws(WireMiss) -> ResponseEnvelope {
        let (id, receipt) = try purchaseAnswer(&scanner, keep: true)
        return ResponseEnvelope(id: id, purchase: receipt)
    }

    /// The id of a successful `purchase` answer, its receipt read and checked by exactly the same rules and not kept:
    /// the receipt's arrays (payments, members and their punches and benefits, redemptions) are read element by
    /// element and dropped, and its strings checked by `WireScanner.text`'s rules without being built (`keep` false),
    /// so nothing is allocated for them. It misses exactly where `purchaseAnswer` misses.
    static func acknowledgedPurchase(_ scanner: inout WireScanner) throws(WireMiss) -> RequestID {
        try purchaseAnswer(&scanner, keep: false).id
    }

    /// Both of the above: with `keep` false the receipt comes back with its arrays and strings empty.
    private static func purchaseAnswer(_ scanner: inout WireScanner, keep: Bool) throws(WireMiss) -> (id: RequestID, receipt: Receipt) {
        var s = scanner  // a local cursor the optimizer keeps in registers
        defer { scanner = s }
        var id: RequestID?, isPurchase = false, receipt: Receipt?
        try D.object(&s, envelopeFields, depth: 1) { f, s throws(WireMiss) in
            switch EnvelopeField(rawValue: f)! {
            case .id: id = try s.requestID()  // `null` is no request id: the tape decides
            case .op:
                let word = try s.word()
                guard s.token(word, is: "purchase") else { throw WireMiss() }
                isPurchase = true
            case .result:
                guard isPurchase else { throw WireMiss() }  // a result is read as the op says
                receipt = try self.receipt(&s, depth: 2, keep: keep)
            case .error: throw WireMiss()
            }
        }
        try s.end()
        guard let id, isPurchase, let receipt else { throw WireMiss() }
        return (id, receipt)
    }

    /// An array member read with `element` as `DirectRequestDecoder.array` reads it; when `keep` is false the elements
    /// are read, checked and dropped (the same misses, nothing allocated), and the result is empty.
    @inline(__always)
    private static func elements<T>(_ s: inout WireScanner, depth: Int, reserve: Int = 0, keep: Bool,
                                    _ element: (inout WireScanner) throws(WireMiss) -> T) throws(WireMiss) -> [T] {
        if keep { return try D.array(&s, depth: depth, maxCount: receiptElements, reserve: reserve, element) }
        if s.null() { return [] }
        guard try s.beginArray(depth: depth) else { return [] }
        var count = 0
        repeat {
            guard count < receiptElements else { throw WireMiss() }
            _ = try element(&s)
            count += 1
        } while try s.nextElement()
        return []
    }

    /// A receipt object at `depth`, as `Receipt(wire:)` reads it (its arrays left empty unless `keep`).
    private static func receipt(_ s: inout WireScanner, depth: Int, keep: Bool) throws(WireMiss) -> Receipt {
        var terminal: TerminalIdentity?, transactionId: String?, openedAt: Timestamp?, currency: String?
        var subtotal: Int64?, itemDiscounts: Int64?, orderDiscount: Int64?, benefitDiscounts: Int64?, tax: Int64?, total: Int64?
        var payments: [ReceiptPayment] = [], members: [ReceiptMember] = [], redemptions: [AppliedRedemption] = [], replay = false
        let inner = depth + 1, elements = depth + 2
        try D.object(&s, receiptFields, depth: depth) { f, s throws(WireMiss) in
            switch ReceiptField(rawValue: f)! {
            case .terminal: terminal = try self.terminal(&s, depth: inner, keep: keep)
            case .transactionId: transactionId = try s.text(maxLength: idBytes, nonEmpty: true, keep: keep)
            case .openedAt: openedAt = try s.timestamp()
            case .currency: currency = try s.text(maxLength: textBytes, keep: keep)
            case .subtotal: subtotal = try s.int(Int64.min...Int64.max)
            case .itemDiscounts: itemDiscounts = try s.int(Int64.min...Int64.max)
            case .orderDiscount: orderDiscount = try s.int(Int64.min...Int64.max)
            case .benefitDiscounts: benefitDiscounts = try s.int(Int64.min...Int64.max)
            case .tax: tax = try s.int(Int64.min...Int64.max)
            case .total: total = try s.int(Int64.min...Int64.max)
            case .payments:
                payments = try self.elements(&s, depth: inner, reserve: 2, keep: keep) { s throws(WireMiss) in try payment(&s, depth: elements, keep: keep) }
            case .members:
                members = try self.elements(&s, depth: inner, reserve: 1, keep: keep) { s throws(WireMiss) in
                    try member(&s, depth: elements, keep: keep)
                }
            case .redemptions:
                redemptions = try self.elements(&s, depth: inner, keep: keep) { s throws(WireMiss) in
                    try redemption(&s, depth: elements, keep: keep)
                }
            case .replay: if !s.null() { replay = try s.bool() }
            }
        }
        guard let terminal, let transactionId, let openedAt, let currency, let subtotal, let itemDiscounts, let orderDiscount,
              let benefitDiscounts, let tax, let total else { throw WireMiss() }
        return Receipt(terminal: terminal, transactionId: transactionId, openedAt: openedAt, currency: currency, subtotal: subtotal,
                       itemDiscounts: itemDiscounts, orderDiscount: orderDiscount, benefitDiscounts: benefitDiscounts, tax: tax,
                       total: total, payments: payments, members: members, redemptions: redemptions, replay: replay)
    }

    private static func terminal(_ s: inout WireScanner, depth: Int, keep: Bool) throws(WireMiss) -> TerminalIdentity {
        var branchId: String?, posId: String?
        try D.object(&s, terminalFields, depth: depth) { f, s throws(WireMiss) in
            switch TerminalField(rawValue: f)! {
            case .branchId: branchId = try s.text(maxLength: idBytes, nonEmpty: true, keep: keep)
            case .posId: posId = try s.text(maxLength: idBytes, nonEmpty: true, keep: keep)
            }
        }
        guard let branchId, let posId else { throw WireMiss() }
        return TerminalIdentity(branchId: branchId, posId: posId)
    }

    private static func payment(_ s: inout WireScanner, depth: Int, keep: Bool) throws(WireMiss) -> ReceiptPayment {
        var means: PaymentMeans?, amount: Int64?, points: Int64?, memberKey: String?
        try D.object(&s, paymentFields, depth: depth) { f, s throws(WireMiss) in
            switch PaymentField(rawValue: f)! {
            case .means: means = try s.choice(paymentMeans)
            case .amount: amount = try s.int(Int64.min...Int64.max)
            case .points: if !s.null() { points = try s.int(Int64.min...Int64.max) }
            case .memberKey: if !s.null() { memberKey = try s.text(maxLength: textBytes, keep: keep) }
            }
        }
        guard let means, let amount else { throw WireMiss() }
        return ReceiptPayment(means: means, amount: amount, points: points, memberKey: memberKey)
    }

    private static func member(_ s: inout WireScanner, depth: Int, keep: Bool) throws(WireMiss) -> ReceiptMember {
        var memberKey: String?, pointsEarned: Int64?, pointsPending: Int64?, pointsSpent: Int64?, creditSpent: Int64?
        var punches: [PunchResult] = [], benefitsIssued: [IssuedBenefit] = [], balance: WalletBalance?
        let inner = depth + 1, elements = depth + 2
        try D.object(&s, memberFields, depth: depth) { f, s throws(WireMiss) in
            switch MemberField(rawValue: f)! {
            case .memberKey: memberKey = try s.text(maxLength: idBytes, nonEmpty: true, keep: keep)
            case .pointsEarned: pointsEarned = try s.int(Int64.min...Int64.max)
            case .pointsPending: pointsPending = try s.int(Int64.min...Int64.max)
            case .pointsSpent: pointsSpent = try s.int(Int64.min...Int64.max)
            case .creditSpent: creditSpent = try s.int(Int64.min...Int64.max)
            case .punches:
                punches = try self.elements(&s, depth: inner, keep: keep) { s throws(WireMiss) in try punch(&s, depth: elements, keep: keep) }
            case .benefitsIssued:
                benefitsIssued = try self.elements(&s, depth: inner, keep: keep) { s throws(WireMiss) in try issued(&s, depth: elements, keep: keep) }
            case .balance: balance = try self.balance(&s, depth: inner)
            }
        }
        guard let memberKey, let pointsEarned, let pointsPending, let pointsSpent, let creditSpent, let balance else { throw WireMiss() }
        return ReceiptMember(memberKey: memberKey, pointsEarned: pointsEarned, pointsPending: pointsPending, pointsSpent: pointsSpent,
                             creditSpent: creditSpent, punches: punches, benefitsIssued: benefitsIssued, balance: balance)
    }

    private static func balance(_ s: inout WireScanner, depth: Int) throws(WireMiss) -> WalletBalance {
        var points: Int64?, pendingPoints: Int64?, credit: Int64?
        try D.object(&s, balanceFields, depth: depth) { f, s throws(WireMiss) in
            switch BalanceField(rawValue: f)! {
            case .points: points = try s.int(Int64.min...Int64.max)
            case .pendingPoints: pendingPoints = try s.int(Int64.min...Int64.max)
            case .credit: credit = try s.int(Int64.min...Int64.max)
            }
        }
        guard let points, let pendingPoints, let credit else { throw WireMiss() }
        return WalletBalance(points: points, pendingPoints: pendingPoints, credit: credit)
    }

    private static func punch(_ s: inout WireScanner, depth: Int, keep: Bool) throws(WireMiss) -> PunchResult {
        var benefitId: String?, name: String?, punches: Int64?, punchesAfter: Int64?, punchesRequired: Int64?, completed: Bool?
        var rewardsCompleted: Int64 = 0
        try D.object(&s, punchFields, depth: depth) { f, s throws(WireMiss) in
            switch PunchField(rawValue: f)! {
            case .benefitId: benefitId = try s.text(maxLength: idBytes, nonEmpty: true, keep: keep)
            case .name: name = try s.text(maxLength: textBytes, keep: keep)
            case .punches: punches = try s.int(Int64.min...Int64.max)
            case .punchesAfter: punchesAfter = try s.int(Int64.min...Int64.max)
            case .punchesRequired: punchesRequired = try s.int(Int64.min...Int64.max)
            case .completed: completed = try s.bool()
            case .rewardsCompleted: if !s.null() { rewardsCompleted = try s.int(0...Int64.max) }
            }
        }
        guard let benefitId, let name, let punches, let punchesAfter, let punchesRequired, let completed else { throw WireMiss() }
        return PunchResult(benefitId: benefitId, name: name, punches: punches, punchesAfter: punchesAfter, punchesRequired: punchesRequired,
                           completed: completed, rewardsCompleted: rewardsCompleted)
    }

    private static func issued(_ s: inout WireScanner, depth: Int, keep: Bool) throws(WireMiss) -> IssuedBenefit {
        var benefitId: String?, name: String?, kind: BenefitKind?, validUntil: Timestamp?
        try D.object(&s, issuedFields, depth: depth) { f, s throws(WireMiss) in
            switch IssuedField(rawValue: f)! {
            case .benefitId: benefitId = try s.text(maxLength: idBytes, nonEmpty: true, keep: keep)
            case .name: name = try s.text(maxLength: textBytes, keep: keep)
            case .kind: kind = try s.choice(benefitKinds)
            case .validUntil: if !s.null() { validUntil = try s.timestamp() }
            }
        }
        guard let benefitId, let name, let kind else { throw WireMiss() }
        return IssuedBenefit(benefitId: benefitId, name: name, kind: kind, validUntil: validUntil)
    }

    private static func redemption(_ s: inout WireScanner, depth: Int, keep: Bool) throws(WireMiss) -> AppliedRedemption {
        var benefitId: String?, name: String?, memberKey: String?, amount: Int64?, lineIds: [String] = []
        let inner = depth + 1
        try D.object(&s, redemptionFields, depth: depth) { f, s throws(WireMiss) in
            switch RedemptionField(rawValue: f)! {
            case .benefitId: benefitId = try s.text(maxLength: idBytes, nonEmpty: true, keep: keep)
            case .name: name = try s.text(maxLength: textBytes, keep: keep)
            case .memberKey: memberKey = try s.text(maxLength: idBytes, nonEmpty: true, keep: keep)
            case .amount: amount = try s.int(Int64.min...Int64.max)
            case .lineIds:
                lineIds = try self.elements(&s, depth: inner, keep: keep) { s throws(WireMiss) in try s.text(maxLength: textBytes, keep: keep) }
            }
        }
        guard let benefitId, let name, let memberKey, let amount else { throw WireMiss() }
        return AppliedRedemption(benefitId: benefitId, name: name, memberKey: memberKey, amount: amount, lineIds: lineIds)
    }
}
