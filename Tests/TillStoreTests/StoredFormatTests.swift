import Testing
import TillCore
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// Purchases stored before the record became `R2` and the ticket lines `T2` keep their `R1` / `T1` blobs: the
/// ticket view, `purchase.list`, the verifier and a void read them as before.
@Suite struct StoredFormatTests {
    /// The `R1` text of an `R2` record (what the former writer stored): line rows without points and shares, then
    /// `e` / `E`, `B`, `S`, `X`, `P`, `C` rows. Fields stay escaped as they are: both versions escape alike.
    static func formerRecord(_ r2: String) -> String {
        let rows = r2.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        precondition(rows[0][0] == "R2")
        var head = rows[0]
        head[0] = "R1"
        var members: [String] = [], lines: [String] = [], points: [String] = [], budget: [String] = []
        var shares: [String] = [], rest: [String] = []
        var line = ""
        for f in rows.dropFirst() {
            switch f[0] {
            case "M": members.append(f.joined(separator: "\t"))
            case "L":
                line = f[1]
                lines.append(f[0...3].joined(separator: "\t"))
                if !f[4].isEmpty { points.append("e\t\(line)\t\(f[4])") }
                if !f[5].isEmpty { shares.append("S\t\(line)\t\(f[5])") }
            case "E": points.append("E\t\(line)\t\(f[1])\t\(f[2])")
            case "B": budget.append(f.joined(separator: "\t"))
            default: rest.append(f.joined(separator: "\t"))
            }
        }
        return ([head.joined(separator: "\t")] + members + lines + points + budget + shares + rest).joined(separator: "\n")
    }

    /// The `T1` blob of a `T2` one: each row with the record's line id, quantity and net, and its gross spelled out.
    static func formerLines(_ t2: String, record r2: String) -> String {
        let recorded = r2.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
            .filter { $0[0] == "L" }
        let rows = t2.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        precondition(rows.count == recorded.count)
        return (["T1"] + zip(rows, recorded).map { t, r in
            ["L", r[1], t[0], t[1], t[2], r[2], t[3].isEmpty ? r[3] : t[3], r[3]].joined(separator: "\t")
        }).joined(separator: "\n")
    }

    @Test func purchasesStoredInTheFormerFormatsStillRead() throws {
        let f = try OfficeFixture()
        let members = ["M00000001", "M00000002"]
        func balances() throws -> [WalletBalance] {
            try f.loyalty.identify(members.map { MemberIdentifier(kind: .memberKey, value: $0) }).map(\.balance)
        }
        let before = try balances()
        // Two members (points split over both), a discounted line (gross ≠ net), a points payment (shares per line).
        let request = PurchaseRequest(
            transactionId: "T1", openedAt: f.clock.now, members: members.map { MemberIdentifier(kind: .memberKey, value: $0) },
            items: [LineItem(lineId: "1", code: "SKU-0001", name: "Espresso, double", department: "coffee", quantity: Quantity(units: 3), unitPrice: 250),
                    LineItem(lineId: "2%", code: "SKU-0100", name: "Cake", department: "bakery", quantity: .one, unitPrice: 450, discount: 50)],
            payments: [Payment(means: .points, amount: 200), Payment(means: .cash, amount: 950)], currency: "EUR")
        let receipt = try f.purchase(request).get()
        #expect(receipt.members.map(\.pointsEarned) == [8, 7])  // 15 points split, the odd one to the first
        guard case .ticket(let fresh) = try f.run(.purchaseGet(TicketRef(terminal: f.pos, transactionId: "T1"))).get() else { throw Unexpected.response }
        guard case .purchases(let listed) = try f.run(.purchaseList(PurchaseQuery(memberKey: "M00000002"))).get() else { throw Unexpected.response }

        let (record, lines, storedReceipt) = try f.store.read { c in
            try c.statement("SELECT record, lines, receipt FROM purchases WHERE transaction_id = 'T1'").firstRow([]) {
                (String(decoding: $0.optionalBlob(0) ?? [], as: UTF8.self), String(decoding: $0.optionalBlob(1) ?? [], as: UTF8.self),
                 $0.optionalBlob(2) ?? [])
            }!
        }
        #expect(record.hasPrefix("R2\t") && lines.hasPrefix("T2\n"))
        // The receipt is kept in its binary form, smaller than the JSON it is answered as; receipts stored as JSON
        // before it (written back below) read the same.
        let formerReceipt = StoredJSON.encode(receipt)
        #expect(storedReceipt.first == StoredReceipt.binary && storedReceipt.count * 2 < formerReceipt.count)
        let formerRecord = Self.formerRecord(record), formerLines = Self.formerLines(lines, record: record)
        #expect(formerRecord.contains("\ne\t1\t") && formerRecord.contains("\nS\t2%25\t") && formerLines.contains("\tSKU-0100\tCake\t=bakery\t1000\t450\t"))
        #expect(try PurchaseRecord(text: formerRecord) == PurchaseRecord(text: record))
        _ = try f.store.writeAndWait(ClosureWrite { context in
            try context.execute("UPDATE purchases SET record = ?, lines = ?, receipt = ? WHERE transaction_id = 'T1'",
                                [.blob(Array(formerRecord.utf8)), .blob(Array(formerLines.utf8)), .blob(formerReceipt)])
        }).get()
        var replayed = receipt
        replayed.replay = true
        #expect(try f.purchase(request).get() == replayed)

        guard case .ticket(let former) = try f.run(.purchaseGet(TicketRef(terminal: f.pos, transactionId: "T1"))).get() else { throw Unexpected.response }
        #expect(former == fresh)
        guard case .purchases(let listedAgain) = try f.run(.purchaseList(PurchaseQuery(memberKey: "M00000002"))).get() else { throw Unexpected.response }
        #expect(listedAgain == listed)
        #expect(try f.store.verify().problems == [])
        let void = try f.void(VoidRequest(voidId: "V1", transactionId: "T1")).get()
        #expect(void.members.map(\.pointsTakenBack) == [8, 7])
        #expect(try balances() == before)
    }
}
