/// A compact, deterministic text form of `PurchaseRecord` for a store that keeps it as one blob.
///
/// Guarantees: `PurchaseRecord(text: r.text) == r` for every record; one row per line, tab-separated fields, with
/// `%`, tab, newline, carriage return and `,` percent-escaped; absent optionals are empty fields and present ones
/// start with `=`. Two versions are read, and written as follows:
/// - `R2` (written when `earned` and `paymentShares` follow the lines' order, as the engine makes them): each `L`
///   row also carries the line's earned points when they are split over the members the engine's way (else an
///   empty field, followed by one `E` row (member, points) per member's share) and the line's payment share (empty:
///   none). A line id is written once.
/// - `R1` (any other record, and every record written before `R2`): `L` rows (line, quantity, net), then a line's
///   earned points as one `e` row (line, total) when split the engine's way, else one `E` row per member, then one
///   `S` row per payment share.
extension PurchaseRecord {
    public var text: String { String(decoding: textBytes, as: UTF8.self) }

    /// `text` as UTF-8 bytes, written directly (no intermediate rows or strings): what the store keeps.
    public var textBytes: [UInt8] {
        var w = RecordTextWriter()
        w.out.reserveCapacity(128 + 36 * lines.count + 16 * earned.count / max(1, memberIds.count))
        if !writeLinesV2(&w) {
            w.out.removeAll(keepingCapacity: true)
            writeHead(&w, version: "R1")
            writeLinesV1(&w)
        }
        if let b = budget { w.row("B"); w.int(b.memberId); w.field(b.wallet.rawValue); w.int(b.amount); w.int(b.units) }
        for r in redeemed { w.row("X"); w.int(r.memberId); w.field(r.benefitId); w.int(r.amount) }
        for p in punchLines {
            w.row("P"); w.field(p.templateId); w.optField(p.lineId)
            w.out.append(0x09)
            for (i, id) in p.lineIds.enumerated() {  // the comma list: each element escaped, commas literal
                if i > 0 { w.out.append(0x2C) }
                w.escaped(id)
            }
            w.int(p.punches)
        }
        for c in cards {
            w.row("C"); w.int(c.memberId); w.field(c.templateId); w.field(c.benefitId); w.int(c.punchesAdded)
            w.field(c.completed ? "1" : "0"); w.optField(c.rewardBenefitId); w.field(c.issuedHere ? "1" : "0")
        }
        return w.out
    }

    /// The header row and the member rows.
    private func writeHead(_ w: inout RecordTextWriter, version: StaticString) {
        version.withUTF8Buffer { w.out.append(contentsOf: $0) }
        w.field(transactionId); w.field(reference)
        w.int(purchasedAt.millisecondsSinceEpoch); w.int(Int64(purchasedAt.utcOffsetMinutes))
        if let p = pointsAvailableAt {
            w.optInt(p.millisecondsSinceEpoch); w.optInt(Int64(p.utcOffsetMinutes))
        } else {
            w.empty(); w.empty()
        }
        w.int(total); w.int(tax)
        for (id, key) in zip(memberIds, memberKeys) { w.row("M"); w.int(id); w.field(key) }
    }

    /// `R2`: the head, then per line one `L` row (line, quantity, net, split points or empty, share or empty) and
    /// the `E` rows (member, points) of a line whose points are not split the engine's way. False (and `w` holds
    /// garbage) when `earned` or `paymentShares` do not follow the lines' order: such a record is written as `R1`.
    private func writeLinesV2(_ w: inout RecordTextWriter) -> Bool {
        writeHead(&w, version: "R2")
        // By index throughout (no `for l in lines`, no slices of `earned`): a copied line or slice is retained and
        // released, 500 times per purchase at the maxima.
        var e = 0, s = 0
        for i in lines.indices {
            w.row("L"); w.field(lines[i].lineId); w.int(lines[i].quantity.thousandths); w.int(lines[i].net)
            var end = e
            while end < earned.count && earned[end].lineId == lines[i].lineId { end += 1 }
            var total: Points = 0
            for k in e..<end { total = Arithmetic.add(total, max(0, earned[k].points), atMost: .max) ?? -1 }
            let split = end > e && total > 0 && Self.isSplit(earned, e..<end, total: total, over: memberIds)
            if split { w.int(total) } else { w.empty() }
            if s < paymentShares.count && paymentShares[s].lineId == lines[i].lineId {
                w.int(paymentShares[s].units)
                s += 1
            } else {
                w.empty()
            }
            if !split { for k in e..<end { w.row("E"); w.int(earned[k].memberId); w.int(earned[k].points) } }
            e = end
        }
        return e == earned.count && s == paymentShares.count
    }

    /// `R1`'s line, earned and payment-share rows (the head is written by the caller).
    private func writeLinesV1(_ w: inout RecordTextWriter) {
        for l in lines { w.row("L"); w.field(l.lineId); w.int(l.quantity.thousandths); w.int(l.net) }
        // A line's points split the engine's way over every member (equal floors, the remainder to the first, zero
        // shares left out) are one `e` row with the line's total: a 5-member purchase writes a fifth of the rows.
        var start = 0
        while start < earned.count {
            var end = start + 1
            while end < earned.count && earned[end].lineId == earned[start].lineId { end += 1 }
            let run = earned[start..<end]
            var total: Points = 0
            for e in run { total = Arithmetic.add(total, max(0, e.points), atMost: .max) ?? -1 }
            if total > 0, Self.isSplit(earned, start..<end, total: total, over: memberIds) {
                w.row("e"); w.field(earned[start].lineId); w.int(total)
            } else {
                for e in run { w.row("E"); w.field(e.lineId); w.int(e.memberId); w.int(e.points) }
            }
            start = end
        }
        for s in paymentShares { w.row("S"); w.field(s.lineId); w.int(s.units) }
    }

    /// One line's `points` split over `memberIds` as the engine splits them: equal floors, the remainder to the
    /// first member, zero shares left out.
    static func split(_ points: Points, lineId: String, over memberIds: [Int64]) -> [Earned] {
        guard !memberIds.isEmpty else { return [] }
        let count = Int64(memberIds.count)
        let each = points / count
        return memberIds.enumerated().compactMap { m, id in
            let share = each + (m == 0 ? points % count : 0)
            return share > 0 ? Earned(lineId: lineId, memberId: id, points: share) : nil
        }
    }

    /// Whether `earned[run]` (one line's entries) is exactly `split(total, …, over: memberIds)`, without building it.
    static func isSplit(_ earned: [Earned], _ run: Range<Int>, total: Points, over memberIds: [Int64]) -> Bool {
        guard !memberIds.isEmpty else { return false }
        let count = Int64(memberIds.count)
        let each = total / count
        var k = run.lowerBound
        for m in memberIds.indices {
            let share = each + (m == 0 ? total % count : 0)
            guard share > 0 else { continue }
            guard k < run.upperBound, earned[k].memberId == memberIds[m], earned[k].points == share else { return false }
            k += 1
        }
        return k == run.upperBound
    }

    /// Parses `text`; throws `storageFailure` when it is not a record this version wrote.
    public init(text: String) throws(TillError) {
        func bad(_ why: String) -> TillError { .storageFailure(reason: "purchase record: \(why)") }
        var rows = RecordTextReader.rows(text)
        guard let head = rows.first, head.count == 9, head[0] == "R1" || head[0] == "R2" else { throw bad("unknown header") }
        let v2 = head[0] == "R2"
        rows.removeFirst()
        func int(_ s: String) throws(TillError) -> Int64 {
            guard let v = Int64(RecordTextReader.unescape(s)) else { throw bad("not an integer") }
            return v
        }
        func optional(_ s: String) -> String? { s.isEmpty ? nil : String(RecordTextReader.unescape(s).dropFirst()) }
        let u = RecordTextReader.unescape
        var availableAt: Timestamp?
        if let ms = optional(head[5]), let off = optional(head[6]), let m = Int64(ms), let o = Int32(off) {
            availableAt = Timestamp(millisecondsSinceEpoch: m, utcOffsetMinutes: o)
        }
        guard let offset = Int32(u(head[4])) else { throw bad("not an offset") }
        self.init(
            transactionId: u(head[1]), reference: u(head[2]),
            purchasedAt: Timestamp(millisecondsSinceEpoch: try int(head[3]), utcOffsetMinutes: offset),
            pointsAvailableAt: availableAt, total: try int(head[7]), tax: try int(head[8]), memberIds: [],
            memberKeys: [],
            lines: [], earned: [], budget: nil, paymentShares: [], redeemed: [], punchLines: [], cards: [])
        for f in rows {
            switch (f.first, f.count) {
            case ("M", 3):
                memberIds.append(try int(f[1]))
                memberKeys.append(u(f[2]))
            case ("L", 4) where !v2:
                lines.append(Line(lineId: u(f[1]), quantity: Quantity(thousandths: try int(f[2])), net: try int(f[3])))
            case ("L", 6) where v2:
                let lineId = u(f[1])
                lines.append(Line(lineId: lineId, quantity: Quantity(thousandths: try int(f[2])), net: try int(f[3])))
                if !f[4].isEmpty {
                    let total = try int(f[4])
                    guard total > 0, !memberIds.isEmpty else { throw bad("points of a line without members") }
                    earned += Self.split(total, lineId: lineId, over: memberIds)
                }
                if !f[5].isEmpty { paymentShares.append(PaymentShare(lineId: lineId, units: try int(f[5]))) }
            case ("E", 3) where v2:
                guard let line = lines.last else { throw bad("points before any line") }
                earned.append(Earned(lineId: line.lineId, memberId: try int(f[1]), points: try int(f[2])))
            case ("E", 4) where !v2: earned.append(Earned(lineId: u(f[1]), memberId: try int(f[2]), points: try int(f[3])))
            case ("e", 3) where !v2:
                let total = try int(f[2])
                guard total > 0, !memberIds.isEmpty else { throw bad("points of a line without members") }
                earned += Self.split(total, lineId: u(f[1]), over: memberIds)
            case ("B", 5):
                guard let wallet = WalletKind(rawValue: u(f[2])) else { throw bad("unknown wallet") }
                budget = BudgetPayment(
                    memberId: try int(f[1]), wallet: wallet, amount: try int(f[3]), units: try int(f[4]))
            case ("S", 3) where !v2: paymentShares.append(PaymentShare(lineId: u(f[1]), units: try int(f[2])))
            case ("X", 4): redeemed.append(Redeemed(memberId: try int(f[1]), benefitId: u(f[2]), amount: try int(f[3])))
            case ("P", 5):
                let ids =
                    f[3].isEmpty
                    ? []
                    : f[3].split(separator: ",", omittingEmptySubsequences: false).map { RecordTextReader.unescape(String($0)) }
                punchLines.append(
                    PunchLine(templateId: u(f[1]), lineId: optional(f[2]), lineIds: ids, punches: try int(f[4])))
            case ("C", 8):
                cards.append(
                    Card(
                        memberId: try int(f[1]), templateId: u(f[2]), benefitId: u(f[3]), punchesAdded: try int(f[4]),
                        completed: f[5] == "1", rewardBenefitId: optional(f[6]), issuedHere: f[7] == "1"))
            default: throw bad("unknown row")
            }
        }
    }

}

/// Reads what `RecordTextWriter` wrote.
///
/// Guarantees: `rows` splits on newline and tab exactly as the writer framed them (empty fields kept); `unescape`
/// inverts the writer's per-field escaping (a list field is split on `,` first, then each element unescaped).
public enum RecordTextReader {
    public static func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    public static func unescape(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var out = ""
        var it = s.makeIterator()
        while let ch = it.next() {
            guard ch == "%" else {
                out.append(ch)
                continue
            }
            let code = String([it.next() ?? " ", it.next() ?? " "])
            switch code {
            case "25": out += "%"
            case "09": out += "\t"
            case "0A": out += "\n"
            case "0D": out += "\r"
            case "2C": out += ","
            default: out += "%" + code
            }
        }
        return out
    }
}

/// Appends tab-separated text rows as bytes, escaping per UTF-8 byte (`%`, tab, LF, CR, `,` as `%XX`): the writer
/// of `PurchaseRecord.text`, and of any other compact row format the store keeps as a blob.
///
/// Guarantees: a field never contains a raw tab, newline, carriage return, comma or unescaped `%`, so rows split
/// on newline and fields on tab give back exactly the fields written (after unescaping).
public struct RecordTextWriter {
    public var out: [UInt8] = []

    public init(capacity: Int = 0) { out.reserveCapacity(capacity) }

    /// Starts a new row with its tag, one ASCII letter.
    public mutating func row(_ tag: Unicode.Scalar) {
        out.append(0x0A)
        out.append(UInt8(ascii: tag))
    }

    public mutating func field(_ s: String, first: Bool = false) { text(s, after: first ? nil : 0x09) }

    public mutating func optField(_ s: String?) {
        out.append(0x09)
        if let s { text(s, after: 0x3D) }
    }

    public mutating func empty() { out.append(0x09) }

    public mutating func escaped(_ s: String) { text(s, after: nil) }

    /// Appends `separator` (when given) and `s` escaped, with one capacity check for the worst case (every byte
    /// escaped): a field is short, so byte by byte into the reserved room beats copying runs between escapes.
    private mutating func text(_ s: String, after separator: UInt8?) {
        let bytes = s.utf8Span.span
        out.append(addingCapacity: 1 + 3 * bytes.count) { text in
            if let separator { text.append(separator) }
            for i in bytes.indices {
                let byte = bytes[i]
                let low: UInt8
                switch byte {
                case 0x25: low = 0x35  // %25
                case 0x09: low = 0x39  // %09
                case 0x0A: low = 0x41  // %0A
                case 0x0D: low = 0x44  // %0D
                case 0x2C: low = 0x43  // %2C
                default:
                    text.append(byte)
                    continue
                }
                text.append(0x25)
                text.append(byte >> 4 == 2 ? 0x32 : 0x30)
                text.append(low)
            }
        }
    }

    public mutating func int(_ v: Int64) { decimal(v, after: 0x09) }

    public mutating func optInt(_ v: Int64) {
        out.append(0x09)
        decimal(v, after: 0x3D)
    }

    /// Appends `separator` and `v` in decimal with one capacity check: the digits eight at a time as the bytes of
    /// one word (`eightDigits`), each word stored whole into the reserved bytes, the unused tail then dropped. About
    /// half the instructions of one append per digit, and the record writes four numbers per line.
    private mutating func decimal(_ v: Int64, after separator: UInt8) {
        var m = v.magnitude  // at most 2^63: 19 digits, in three words
        let low = m % 100_000_000
        m /= 100_000_000
        let middle = m % 100_000_000
        let high = m / 100_000_000
        let words = high > 0 ? 3 : middle > 0 ? 2 : 1
        let top = Self.eightDigits(words == 3 ? high : words == 2 ? middle : low)
        let topCount = top == 0 ? 1 : 8 - top.trailingZeroBitCount / 8  // the top word without its leading zeros
        let start = v < 0 ? 2 : 1  // after the separator and the sign
        let count = start + topCount + 8 * (words - 1)  // at most 2 + 3 + 16
        out.append(addingCapacity: 32) { span in
            span.append(repeating: 0x2D, count: 32)  // `-`: the sign's byte; the others are overwritten or dropped
            var text = span.mutableSpan
            text[0] = separator
            // The span's raw bytes (`mutableBytes` is marked `@unsafe` because it reinterprets elements; a `UInt8`
            // holds every bit pattern, so storing a word's bytes is sound, and the stores are bounds-checked).
            var bytes = text.mutableBytes
            let zeros: UInt64 = 0x3030_3030_3030_3030
            let first = (top | zeros) >> (64 - 8 * topCount)
            bytes.storeBytes(of: first.littleEndian, toByteOffset: start, as: UInt64.self)
            if words == 3 {
                let next = Self.eightDigits(middle) | zeros
                bytes.storeBytes(of: next.littleEndian, toByteOffset: start + topCount, as: UInt64.self)
            }
            if words > 1 {
                let last = Self.eightDigits(low) | zeros
                bytes.storeBytes(of: last.littleEndian, toByteOffset: count - 8, as: UInt64.self)
            }
            span.removeLast(32 - count)
        }
    }

    /// The eight decimal digits of `x` (< 10^8, leading zeros included) as the values 0...9 of one word's bytes,
    /// the most significant digit in the lowest byte: split per lane (÷ 10^4, ÷ 100, ÷ 10) with multiplications.
    static func eightDigits(_ x: UInt64) -> UInt64 {
        precondition(x < 100_000_000, "eight digits")
        var v = x / 10_000 | (x % 10_000) << 32  // two 32-bit lanes of four digits each
        let hundreds = (v &* 10_486) >> 20 & 0x0000_007F_0000_007F  // ÷ 100 per lane (exact below 43,699)
        v = hundreds | (v &- hundreds &* 100) << 16  // four 16-bit lanes of two digits
        let tens = (v &* 103) >> 10 & 0x000F_000F_000F_000F  // ÷ 10 per lane (exact below 179)
        return tens | (v &- tens &* 10) << 8  // eight bytes of one digit
    }
}
