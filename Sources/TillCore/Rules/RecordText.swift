/// A compact, deterministic text form of `PurchaseRecord` for a store that keeps it as one blob.
///
/// Guarantees: `PurchaseRecord(text: r.text) == r` for every record; one row per line, tab-separated fields, with
/// `%`, tab, newline, carriage return and `,` percent-escaped; absent optionals are empty fields and present ones
/// start with `=`. Version 1 starts with `R1`.
extension PurchaseRecord {
    public var text: String {
        var rows: [[String]] = []
        rows.append([
            "R1", transactionId, reference, "\(purchasedAt.millisecondsSinceEpoch)", "\(purchasedAt.utcOffsetMinutes)",
            opt(pointsAvailableAt.map { "\($0.millisecondsSinceEpoch)" }),
            opt(pointsAvailableAt.map { "\($0.utcOffsetMinutes)" }), "\(total)", "\(tax)",
        ])
        for (id, key) in zip(memberIds, memberKeys) { rows.append(["M", "\(id)", key]) }
        for l in lines { rows.append(["L", l.lineId, "\(l.quantity.thousandths)", "\(l.net)"]) }
        for e in earned { rows.append(["E", e.lineId, "\(e.memberId)", "\(e.points)"]) }
        if let b = budget { rows.append(["B", "\(b.memberId)", b.wallet.rawValue, "\(b.amount)", "\(b.units)"]) }
        for s in paymentShares { rows.append(["S", s.lineId, "\(s.units)"]) }
        for r in redeemed { rows.append(["X", "\(r.memberId)", r.benefitId, "\(r.amount)"]) }
        for p in punchLines {
            rows.append([
                "P", p.templateId, opt(p.lineId), p.lineIds.map(Self.escape).joined(separator: ","), "\(p.punches)",
            ])
        }
        for c in cards {
            rows.append([
                "C", "\(c.memberId)", c.templateId, c.benefitId, "\(c.punchesAdded)", c.completed ? "1" : "0",
                opt(c.rewardBenefitId), c.issuedHere ? "1" : "0",
            ])
        }
        return rows.map { row in
            row.enumerated().map { i, f in
                // The comma list of P rows is escaped per element already.
                (row[0] == "P" && i == 3) ? f : Self.escape(f)
            }.joined(separator: "\t")
        }.joined(separator: "\n")
    }

    /// Parses `text`; throws `storageFailure` when it is not a record this version wrote.
    public init(text: String) throws(TillError) {
        func bad(_ why: String) -> TillError { .storageFailure(reason: "purchase record: \(why)") }
        var rows = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        guard let head = rows.first, head.count == 9, head[0] == "R1" else { throw bad("unknown header") }
        rows.removeFirst()
        func int(_ s: String) throws(TillError) -> Int64 {
            guard let v = Int64(Self.unescape(s)) else { throw bad("not an integer") }
            return v
        }
        func optional(_ s: String) -> String? { s.isEmpty ? nil : String(Self.unescape(s).dropFirst()) }
        let u = Self.unescape
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
            case ("L", 4):
                lines.append(Line(lineId: u(f[1]), quantity: Quantity(thousandths: try int(f[2])), net: try int(f[3])))
            case ("E", 4): earned.append(Earned(lineId: u(f[1]), memberId: try int(f[2]), points: try int(f[3])))
            case ("B", 5):
                guard let wallet = WalletKind(rawValue: u(f[2])) else { throw bad("unknown wallet") }
                budget = BudgetPayment(
                    memberId: try int(f[1]), wallet: wallet, amount: try int(f[3]), units: try int(f[4]))
            case ("S", 3): paymentShares.append(PaymentShare(lineId: u(f[1]), units: try int(f[2])))
            case ("X", 4): redeemed.append(Redeemed(memberId: try int(f[1]), benefitId: u(f[2]), amount: try int(f[3])))
            case ("P", 5):
                let ids =
                    f[3].isEmpty
                    ? []
                    : f[3].split(separator: ",", omittingEmptySubsequences: false).map { Self.unescape(String($0)) }
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

    private func opt(_ s: String?) -> String { s.map { "=" + $0 } ?? "" }

    static func escape(_ s: String) -> String {
        // Fast path: ids and numbers rarely need escaping, and walking Characters is slow.
        if !s.utf8.contains(where: { $0 == 0x25 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x2C }) { return s }
        var out = ""
        for ch in s {
            switch ch {
            case "%": out += "%25"
            case "\t": out += "%09"
            case "\n": out += "%0A"
            case "\r": out += "%0D"
            case ",": out += "%2C"
            default: out.append(ch)
            }
        }
        return out
    }

    static func unescape(_ s: String) -> String {
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
