import TillCore

// A reversal receipt reads back whatever a purchase's reversal can hold: its entries correspond to the purchase
// receipt's (one punch entry per template, revoked ⊆ issued, restored ⊆ redeemed), which `maxReceiptBytes` bounds;
// `status` lists every reversal of a purchase.
extension ReversalMember: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        // `pointsForgiven` defaults to 0: receipts stored before it existed replay without it.
        self.init(memberKey: try o.id("memberKey"), pointsTakenBack: try o.int("pointsTakenBack"),
                  pointsForgiven: try o.int("pointsForgiven", WireLimits.points, default: 0), pointsRefunded: try o.int("pointsRefunded"),
                  creditRefunded: try o.int("creditRefunded"), punches: try o.objects("punches", maxCount: receiptElements),
                  benefitsRestored: try o.strings("benefitsRestored", maxCount: receiptElements),
                  benefitsRevoked: try o.strings("benefitsRevoked", maxCount: receiptElements),
                  balance: try o.decode("balance"))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("memberKey", memberKey); w.field("pointsTakenBack", pointsTakenBack); w.field("pointsForgiven", pointsForgiven)
        w.field("pointsRefunded", pointsRefunded); w.field("creditRefunded", creditRefunded); w.field("punches", punches)
        w.field("benefitsRestored", benefitsRestored); w.field("benefitsRevoked", benefitsRevoked); w.field("balance", balance)
        w.endObject()
    }
}


extension ReversalReceipt: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(kind: try o.enumeration("kind", Kind.self), reversalId: try o.id("reversalId"), transactionId: try o.id("transactionId"),
                  amount: try o.int("amount"), members: try o.objects("members", maxCount: receiptElements), replay: try o.bool("replay", default: false))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("kind", kind); w.field("reversalId", reversalId); w.field("transactionId", transactionId)
        w.field("amount", amount); w.field("members", members); w.field("replay", replay); w.endObject()
    }
}

extension TransactionStatus: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(transactionId: try o.id("transactionId"), state: try o.enumeration("state", TransactionState.self),
                  receipt: try o.optionalDecode("receipt"), reversals: try o.objects("reversals", maxCount: .max),
                  reversalsOmitted: try o.int("reversalsOmitted", 0...Int64.max, default: 0))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("transactionId", transactionId); w.field("state", state); w.field("receipt", receipt)
        w.field("reversals", reversals)
        if reversalsOmitted > 0 { w.field("reversalsOmitted", reversalsOmitted) }
        w.endObject()
    }
}

extension BenefitSummary: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(benefitId: try o.id("benefitId"), name: try o.string("name"), kind: try o.enumeration("kind", BenefitKind.self),
                  status: try o.enumeration("status", BenefitStatus.self), validFrom: try o.optionalTimestamp("validFrom"),
                  validUntil: try o.optionalTimestamp("validUntil"), punches: try o.optionalInt("punches"),
                  punchesRequired: try o.optionalInt("punchesRequired"), assignedAt: try o.optionalTimestamp("assignedAt"),
                  redeemedAt: try o.optionalTimestamp("redeemedAt"), usedIn: try o.optionalString("usedIn", maxLength: OperationRef.maxReferenceBytes))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("benefitId", benefitId); w.field("name", name); w.field("kind", kind); w.field("status", status)
        w.field("validFrom", validFrom); w.field("validUntil", validUntil); w.field("punches", punches)
        w.field("punchesRequired", punchesRequired); w.field("assignedAt", assignedAt); w.field("redeemedAt", redeemedAt)
        w.field("usedIn", usedIn); w.endObject()
    }
}

extension IdentifiedMember: WireCodable {
    public init(wire o: JSONObjectReader) throws(TillError) {
        self.init(memberKey: try o.id("memberKey"), firstName: try o.optionalString("firstName"),
                  status: try o.enumeration("status", MemberStatus.self), balance: try o.decode("balance"), benefits: try o.objects("benefits"),
                  benefitsOmitted: try o.int("benefitsOmitted", 0...Int64.max, default: 0))
    }
    public func encode(to w: inout JSONWriter) {
        w.beginObject(); w.field("memberKey", memberKey); w.field("firstName", firstName); w.field("status", status)
        w.field("balance", balance); w.field("benefits", benefits)
        if benefitsOmitted > 0 { w.field("benefitsOmitted", benefitsOmitted) }
        w.endObject()
    }
}
