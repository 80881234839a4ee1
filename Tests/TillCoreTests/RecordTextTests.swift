import Testing
@testable import TillCore

/// `PurchaseRecord.text`: the blob the store keeps for reversals. `R2` is written now; `R1` rows stored before it
/// must still read to the same record.
@Suite struct RecordTextTests {
    /// Two members, a line whose points are split the engine's way (7 → 4 + 3) and one whose are not, a points
    /// payment shared over both lines, a redemption, a per-line punch and a filled card.
    static let record = PurchaseRecord(
        transactionId: "T1", reference: "B1/P1/T1",
        purchasedAt: Timestamp(millisecondsSinceEpoch: 1000, utcOffsetMinutes: 60), pointsAvailableAt: nil,
        total: 700, tax: 0, memberIds: [1, 2], memberKeys: ["ANNA", "BEN"],
        lines: [.init(lineId: "L1", quantity: Quantity(thousandths: 2000), net: 630),
                .init(lineId: "L2", quantity: Quantity(thousandths: 1000), net: 70)],
        earned: [.init(lineId: "L1", memberId: 1, points: 4), .init(lineId: "L1", memberId: 2, points: 3),
                 .init(lineId: "L2", memberId: 1, points: 1), .init(lineId: "L2", memberId: 2, points: 5)],
        budget: .init(memberId: 1, wallet: .points, amount: 100, units: 1000),
        paymentShares: [.init(lineId: "L1", units: 900), .init(lineId: "L2", units: 100)],
        redeemed: [.init(memberId: 1, benefitId: "g", amount: 70)],
        punchLines: [.init(templateId: "COF", lineId: "L1", punches: 2)],
        cards: [.init(memberId: 1, templateId: "COF", benefitId: "B1/P1/T1#1", punchesAdded: 2, completed: false,
                      rewardBenefitId: nil, issuedHere: true)])

    static let head = "T1\tB1/P1/T1\t1000\t60\t\t\t700\t0\nM\t1\tANNA\nM\t2\tBEN\n"
    static let tail = "B\t1\tpoints\t100\t1000\nX\t1\tg\t70\nP\tCOF\t=L1\t\t2\nC\t1\tCOF\tB1/P1/T1#1\t2\t0\t\t1"

    /// A line id once per line: its split points and payment share ride on the `L` row.
    @Test func engineOrderedRecordsAreWrittenAsR2() throws {
        let expected = "R2\t" + Self.head + "L\tL1\t2000\t630\t7\t900\nL\tL2\t1000\t70\t\t100\nE\t1\t1\nE\t2\t5\n" + Self.tail
        #expect(Self.record.text == expected)
        #expect(try PurchaseRecord(text: expected) == Self.record)
    }

    /// The bytes the `R1` writer stored (line rows, then `e`/`E`, `B`, `S`, `X`, `P`, `C`) read to the same record.
    @Test func recordsStoredAsR1StillRead() throws {
        let r1 = "R1\t" + Self.head + "L\tL1\t2000\t630\nL\tL2\t1000\t70\ne\tL1\t7\nE\tL2\t1\t1\nE\tL2\t2\t5\n"
            + "B\t1\tpoints\t100\t1000\nS\tL1\t900\nS\tL2\t100\nX\t1\tg\t70\nP\tCOF\t=L1\t\t2\nC\t1\tCOF\tB1/P1/T1#1\t2\t0\t\t1"
        #expect(try PurchaseRecord(text: r1) == Self.record)
    }

    /// Shares or points out of the lines' order cannot ride on the lines: the record is written as `R1`, exactly.
    @Test func recordsOutOfLineOrderFallBackToR1() throws {
        var odd = Self.record
        odd.paymentShares.reverse()
        #expect(odd.text.hasPrefix("R1\t"))
        #expect(try PurchaseRecord(text: odd.text) == odd)
        var stray = Self.record
        stray.earned.append(.init(lineId: "gone", memberId: 2, points: 1))
        #expect(stray.text.hasPrefix("R1\t"))
        #expect(try PurchaseRecord(text: stray.text) == stray)
        var duplicate = Self.record
        duplicate.lines.append(duplicate.lines[0])
        duplicate.paymentShares.append(.init(lineId: "L1", units: 5))
        #expect(duplicate.text.hasPrefix("R2\t"))
        #expect(try PurchaseRecord(text: duplicate.text) == duplicate)
    }

    @Test func rowsOfTheOtherVersionAreRefused() {
        #expect(throws: TillError.self) { try PurchaseRecord(text: "R3\t" + Self.head + Self.tail) }
        #expect(throws: TillError.self) { try PurchaseRecord(text: "R2\t" + Self.head + "S\tL1\t900") }
        #expect(throws: TillError.self) { try PurchaseRecord(text: "R2\t" + Self.head + "E\t1\t1\nL\tL1\t2000\t630\t\t") }
        #expect(throws: TillError.self) { try PurchaseRecord(text: "R1\t" + Self.head + "L\tL1\t2000\t630\t7\t900") }
    }
}

extension RecordTextTests {
    /// Integers are written exactly as Swift's decimal description, at every digit count and both extremes.
    @Test func integersAreWrittenInDecimal() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, -1, -9, -10, .max, .min, .min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        // Words of eight digits that are all zeros, or zeros but for one end (the writer stores eight at a time).
        values += [100_000_001, 2_300_000_000, 1_000_000_000_000_000_007, 1_000_000_010_000_000_000, 12_345_678_900_000_000]
        var random = SplitMix64(seed: 13)
        for _ in 0..<1_000 { values.append(Int64(bitPattern: random.next()) >> Int64(random.next() % 63)) }
        for v in values {
            var w = RecordTextWriter()
            w.int(v)
            w.optInt(v)
            #expect(String(decoding: w.out, as: UTF8.self) == "\t\(v)\t=\(v)", "\(v)")
        }
    }
}
