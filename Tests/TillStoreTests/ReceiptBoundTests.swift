import Testing
import TillCore
import TillJournalTesting
import TillProtocol
@testable import TillStore

/// The receipt bound (`ReceiptBound`): a receipt's JSON never takes more than `jsonBytesAtMost` of its stored
/// form, so a purchase whose stored receipt is small passes without encoding the JSON, and a larger one is checked
/// exactly.
@Suite struct ReceiptBoundTests {
    /// The JSON and stored sizes of `receipt`, and whether the JSON is within 32 bytes per stored byte (the
    /// documented derivation) plus the constant.
    func sizes(_ receipt: Receipt) -> (json: Int, stored: Int) {
        (StoredJSON.encode(receipt).count, StoredReceipt.encode(receipt).count)
    }

    /// The receipt with the most JSON per stored byte this test can build: one-byte integers under the longest
    /// keys, texts of bytes JSON escapes six for one, empty texts, and many elements.
    func widest(elements: Int, text: String) -> Receipt {
        Receipt(
            terminal: TerminalIdentity(branchId: text, posId: text), transactionId: text,
            openedAt: Timestamp(millisecondsSinceEpoch: -62_135_596_800_000, utcOffsetMinutes: -840), currency: text,
            subtotal: -64, itemDiscounts: -64, orderDiscount: -64, benefitDiscounts: -64, tax: -64, total: -64,
            payments: (0..<elements).map { _ in ReceiptPayment(means: .cash, amount: -64, points: -64, memberKey: text) },
            members: (0..<elements).map { _ in
                ReceiptMember(
                    memberKey: text, pointsEarned: -64, pointsPending: -64, pointsSpent: -64, creditSpent: -64,
                    punches: (0..<elements).map { _ in
                        PunchResult(benefitId: text, name: text, punches: -64, punchesAfter: -64, punchesRequired: -64,
                                    completed: false, rewardsCompleted: -64)
                    },
                    benefitsIssued: (0..<elements).map { _ in
                        IssuedBenefit(benefitId: text, name: text, kind: .punchCard,
                                      validUntil: Timestamp(millisecondsSinceEpoch: -62_135_596_800_000, utcOffsetMinutes: -840))
                    },
                    balance: WalletBalance(points: -64, pendingPoints: -64, credit: -64))
            },
            redemptions: (0..<elements).map { _ in
                AppliedRedemption(benefitId: text, name: text, memberKey: text, amount: -64,
                                  lineIds: (0..<elements).map { _ in text })
            })
    }

    @Test func theJSONIsWithinTheBoundOfTheStoredForm() {
        var rng = SeededRandom(seed: 12)
        var receipts = (0..<500).map { _ in StoredReceiptTests.receipt(&rng) }
        for elements in [0, 1, 3, 8] {
            for text in ["", "\u{01}", String(repeating: "\u{1F}", count: 40), "\"\\\t", "☕𝄞"] {
                receipts.append(widest(elements: elements, text: text))
            }
        }
        for receipt in receipts {
            let (json, stored) = sizes(receipt)
            #expect(json <= 32 * stored + 64, "\(json) bytes of JSON for \(stored) stored")
            #expect(json <= ReceiptBound.jsonBytesAtMost(storedBytes: stored))
        }
    }

    @Test func aReceiptPastTheQuickBoundIsCheckedExactly() throws {
        // Stored forms too large for the quick bound: one whose JSON is within the limit passes, one past it is refused.
        let within = widest(elements: 6, text: String(repeating: "a", count: 30))
        let (json, stored) = sizes(within)
        #expect(ReceiptBound.jsonBytesAtMost(storedBytes: stored) > ValueLimits.maxReceiptBytes)
        #expect(json <= ValueLimits.maxReceiptBytes)
        try ReceiptBound.check(within, stored: StoredReceipt.encode(within))

        let past = widest(elements: 12, text: String(repeating: "\u{01}", count: 30))
        #expect(sizes(past).json > ValueLimits.maxReceiptBytes)
        #expect(throws: TillError.self) { try ReceiptBound.check(past, stored: StoredReceipt.encode(past)) }
        // A small receipt passes on its stored size alone.
        let small = widest(elements: 1, text: "a")
        #expect(ReceiptBound.jsonBytesAtMost(storedBytes: sizes(small).stored) <= ValueLimits.maxReceiptBytes)
        try ReceiptBound.check(small, stored: StoredReceipt.encode(small))
    }
}
