import TillCore
import TillProtocol

/// How a purchase's receipt is kept in `purchases.receipt`: binary (format 1), a fifth to a half of its JSON,
/// which is also the size of the journal record that carries it. Receipts stored before it, as compact JSON, still
/// read (a JSON object starts with `{`, never with the format byte).
///
/// Guarantees: `decode(encode(r)) == r` for every receipt (`replay` is not kept: it is set by whoever answers);
/// `decode` never traps: bytes that are neither format are `storageFailure`, naming the offset.
enum StoredReceipt {
    static let binary: UInt8 = 0x01

    static func encode(_ receipt: Receipt) -> [UInt8] {
        var w = BinaryWriter(capacity: 256)
        w.byte(binary)
        w.text(receipt.terminal.branchId)
        w.text(receipt.terminal.posId)
        w.text(receipt.transactionId)
        timestamp(receipt.openedAt, &w)
        w.text(receipt.currency)
        w.int(receipt.subtotal)
        w.int(receipt.itemDiscounts)
        w.int(receipt.orderDiscount)
        w.int(receipt.benefitDiscounts)
        w.int(receipt.tax)
        w.int(receipt.total)
        w.varint(UInt64(receipt.payments.count))
        for p in receipt.payments {
            w.text(p.means.rawValue)
            w.int(p.amount)
            optional(p.points, &w) { $0.int($1) }
            optional(p.memberKey, &w) { $0.text($1) }
        }
        w.varint(UInt64(receipt.members.count))
        for m in receipt.members {
            w.text(m.memberKey)
            w.int(m.pointsEarned)
            w.int(m.pointsPending)
            w.int(m.pointsSpent)
            w.int(m.creditSpent)
            w.varint(UInt64(m.punches.count))
            for p in m.punches {
                w.text(p.benefitId)
                w.text(p.name)
                w.int(p.punches)
                w.int(p.punchesAfter)
                w.int(p.punchesRequired)
                w.int(p.rewardsCompleted)
                w.bool(p.completed)
            }
            w.varint(UInt64(m.benefitsIssued.count))
            for b in m.benefitsIssued {
                w.text(b.benefitId)
                w.text(b.name)
                w.text(b.kind.rawValue)
                optional(b.validUntil, &w) { timestamp($1, &$0) }
            }
            w.int(m.balance.points)
            w.int(m.balance.pendingPoints)
            w.int(m.balance.credit)
        }
        w.varint(UInt64(receipt.redemptions.count))
        for r in receipt.redemptions {
            w.text(r.benefitId)
            w.text(r.name)
            w.text(r.memberKey)
            w.int(r.amount)
            w.varint(UInt64(r.lineIds.count))
            for id in r.lineIds { w.text(id) }
        }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(TillError) -> Receipt {
        guard bytes.first == binary else {
            do {
                return try StoredJSON.decode(Receipt.self, from: bytes)
            } catch {
                throw .storageFailure(reason: "stored receipt is neither binary nor a JSON receipt: \(error)")
            }
        }
        do {
            return try read(bytes)
        } catch {
            throw .storageFailure(reason: "stored receipt malformed at byte \(error.offset): \(error.reason)")
        }
    }

    private static func read(_ bytes: [UInt8]) throws(BinaryFormatError) -> Receipt {
        var r = BinaryReader(bytes, from: 1)
        let limit = bytes.count  // every element takes at least one byte
        let terminal = TerminalIdentity(branchId: try r.text(), posId: try r.text())
        let transactionId = try r.text()
        let openedAt = try timestamp(&r)
        let currency = try r.text()
        let (subtotal, itemDiscounts, orderDiscount) = (try r.int(), try r.int(), try r.int())
        let (benefitDiscounts, tax, total) = (try r.int(), try r.int(), try r.int())
        var payments: [ReceiptPayment] = []
        for _ in 0..<(try r.count(limit: limit)) {
            let means = try value(PaymentMeans.self, &r)
            let amount = try r.int()
            let points = try optional(&r) { (r: inout BinaryReader) throws(BinaryFormatError) in try r.int() }
            let memberKey = try optional(&r) { (r: inout BinaryReader) throws(BinaryFormatError) in try r.text() }
            payments.append(ReceiptPayment(means: means, amount: amount, points: points, memberKey: memberKey))
        }
        var members: [ReceiptMember] = []
        for _ in 0..<(try r.count(limit: limit)) {
            let key = try r.text()
            let (earned, pending, spent, credit) = (try r.int(), try r.int(), try r.int(), try r.int())
            var punches: [PunchResult] = []
            for _ in 0..<(try r.count(limit: limit)) {
                let (id, name) = (try r.text(), try r.text())
                let (count, after, required, rewards) = (try r.int(), try r.int(), try r.int(), try r.int())
                punches.append(PunchResult(benefitId: id, name: name, punches: count, punchesAfter: after,
                                           punchesRequired: required, completed: try r.bool(), rewardsCompleted: rewards))
            }
            var issued: [IssuedBenefit] = []
            for _ in 0..<(try r.count(limit: limit)) {
                let (id, name) = (try r.text(), try r.text())
                let kind = try value(BenefitKind.self, &r)
                let validUntil = try optional(&r) { (r: inout BinaryReader) throws(BinaryFormatError) in try timestamp(&r) }
                issued.append(IssuedBenefit(benefitId: id, name: name, kind: kind, validUntil: validUntil))
            }
            let balance = WalletBalance(points: try r.int(), pendingPoints: try r.int(), credit: try r.int())
            members.append(ReceiptMember(memberKey: key, pointsEarned: earned, pointsPending: pending, pointsSpent: spent,
                                         creditSpent: credit, punches: punches, benefitsIssued: issued, balance: balance))
        }
        var redemptions: [AppliedRedemption] = []
        for _ in 0..<(try r.count(limit: limit)) {
            let (id, name, key) = (try r.text(), try r.text(), try r.text())
            let amount = try r.int()
            var lineIds: [String] = []
            for _ in 0..<(try r.count(limit: limit)) { lineIds.append(try r.text()) }
            redemptions.append(AppliedRedemption(benefitId: id, name: name, memberKey: key, amount: amount, lineIds: lineIds))
        }
        guard r.atEnd else { throw BinaryFormatError(offset: r.offset, reason: "bytes after the receipt") }
        return Receipt(terminal: terminal, transactionId: transactionId, openedAt: openedAt, currency: currency,
                       subtotal: subtotal, itemDiscounts: itemDiscounts, orderDiscount: orderDiscount,
                       benefitDiscounts: benefitDiscounts, tax: tax, total: total, payments: payments, members: members,
                       redemptions: redemptions)
    }

    private static func timestamp(_ t: Timestamp, _ w: inout BinaryWriter) {
        w.int(t.millisecondsSinceEpoch)
        w.int(Int64(t.utcOffsetMinutes))
    }

    private static func timestamp(_ r: inout BinaryReader) throws(BinaryFormatError) -> Timestamp {
        let start = r.offset
        let milliseconds = try r.int()
        let offset = try r.int()
        guard let minutes = Int32(exactly: offset) else { throw BinaryFormatError(offset: start, reason: "UTC offset out of range") }
        return Timestamp(millisecondsSinceEpoch: milliseconds, utcOffsetMinutes: minutes)
    }

    private static func optional<T>(_ value: T?, _ w: inout BinaryWriter, _ write: (inout BinaryWriter, T) -> Void) {
        guard let value else { return w.bool(false) }
        w.bool(true)
        write(&w, value)
    }

    private static func optional<T>(_ r: inout BinaryReader,
                                    _ read: (inout BinaryReader) throws(BinaryFormatError) -> T) throws(BinaryFormatError) -> T? {
        try r.bool() ? try read(&r) : nil
    }

    private static func value<T: RawRepresentable<String>>(_ type: T.Type, _ r: inout BinaryReader) throws(BinaryFormatError) -> T {
        let start = r.offset
        let raw = try r.text()
        guard let value = T(rawValue: raw) else { throw BinaryFormatError(offset: start, reason: "unknown \(T.self) \(raw)") }
        return value
    }
}
