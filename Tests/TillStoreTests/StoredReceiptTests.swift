import Testing
import TillCore
import TillJournalTesting
import TillProtocol
@testable import TillStore

/// The binary form purchases keep their receipt in: every receipt comes back equal, receipts stored as JSON still
/// read, and damaged bytes are a typed error, never a trap.
@Suite struct StoredReceiptTests {
    static func text(_ rng: inout SeededRandom, empty: Bool = true) -> String {
        let pieces = ["a", "Z", "0", "é", "☕", "%", "\t", "\"", "\\", " ", "𝄞", "-", "/", "#"]
        return String((0..<Int.random(in: (empty ? 0 : 1)...12, using: &rng)).map { _ in
            Character(pieces.randomElement(using: &rng)!)
        })
    }

    static func int(_ rng: inout SeededRandom) -> Int64 {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: Int64.random(in: -3...3, using: &rng)
        case 1: Int64.random(in: 0...1_000_000_000_000, using: &rng)
        case 2: [Int64.min, Int64.max, -1_000_000_000_000].randomElement(using: &rng)!
        default: Int64.random(in: Int64.min...Int64.max, using: &rng)
        }
    }

    static func timestamp(_ rng: inout SeededRandom) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: int(&rng), utcOffsetMinutes: Int32.random(in: -840...840, using: &rng))
    }

    static func receipt(_ rng: inout SeededRandom) -> Receipt {
        func some<T>(_ n: ClosedRange<Int>, _ make: (inout SeededRandom) -> T) -> [T] {
            (0..<Int.random(in: n, using: &rng)).map { _ in make(&rng) }
        }
        return Receipt(
            terminal: TerminalIdentity(branchId: text(&rng, empty: false), posId: text(&rng, empty: false)),
            transactionId: text(&rng, empty: false), openedAt: timestamp(&rng), currency: "EUR",
            subtotal: int(&rng), itemDiscounts: int(&rng), orderDiscount: int(&rng), benefitDiscounts: int(&rng),
            tax: int(&rng), total: int(&rng),
            payments: some(0...4) { r in
                ReceiptPayment(means: PaymentMeans.allCases.randomElement(using: &r)!, amount: int(&r),
                               points: Bool.random(using: &r) ? int(&r) : nil, memberKey: Bool.random(using: &r) ? text(&r) : nil)
            },
            members: some(0...3) { r in
                ReceiptMember(
                    memberKey: text(&r, empty: false), pointsEarned: int(&r), pointsPending: int(&r), pointsSpent: int(&r),
                    creditSpent: int(&r),
                    punches: (0..<Int.random(in: 0...3, using: &r)).map { _ in
                        PunchResult(benefitId: text(&r), name: text(&r), punches: int(&r), punchesAfter: int(&r),
                                    punchesRequired: int(&r), completed: Bool.random(using: &r), rewardsCompleted: int(&r))
                    },
                    benefitsIssued: (0..<Int.random(in: 0...3, using: &r)).map { _ in
                        IssuedBenefit(benefitId: text(&r), name: text(&r), kind: BenefitKind.allCases.randomElement(using: &r)!,
                                      validUntil: Bool.random(using: &r) ? timestamp(&r) : nil)
                    },
                    balance: WalletBalance(points: int(&r), pendingPoints: int(&r), credit: int(&r)))
            },
            redemptions: some(0...3) { r in
                AppliedRedemption(benefitId: text(&r), name: text(&r), memberKey: text(&r), amount: int(&r),
                                  lineIds: (0..<Int.random(in: 0...5, using: &r)).map { _ in text(&r) })
            })
    }

    @Test(arguments: 0..<20 as Range<UInt64>) func everyReceiptComesBackEqual(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        for _ in 0..<50 {
            let receipt = Self.receipt(&rng)
            let bytes = StoredReceipt.encode(receipt)
            #expect(bytes.first == StoredReceipt.binary)
            #expect(try StoredReceipt.decode(bytes) == receipt)
        }
    }

    /// Receipts kept before the binary form, as compact JSON, read the same (replay: false as stored).
    @Test func receiptsStoredAsJSONStillRead() throws {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<100 {
            var receipt = Self.receipt(&rng)
            receipt.currency = "EUR"
            receipt.members = receipt.members.map { var m = $0; m.memberKey = m.memberKey.isEmpty ? "M" : m.memberKey; return m }
            let json = StoredJSON.encode(receipt)
            guard let fromJSON = try? StoredJSON.decode(Receipt.self, from: json) else { continue }  // values the wire refuses
            #expect(try StoredReceipt.decode(json) == fromJSON)
        }
    }

    /// Every truncation and thousands of random edits either decode or throw `storageFailure`: no trap, no hang.
    @Test func damagedBytesAreATypedError() {
        var rng = SeededRandom(seed: 11)
        let bytes = StoredReceipt.encode(Self.receipt(&rng))
        for length in 0..<bytes.count {
            do {
                _ = try StoredReceipt.decode(Array(bytes[..<length]))
                if length > 0 { Issue.record("a receipt cut at \(length) of \(bytes.count) bytes decoded") }
            } catch {
                guard case .storageFailure = error else { Issue.record("\(error)"); continue }
            }
        }
        for _ in 0..<3_000 {
            var damaged = StoredReceipt.encode(Self.receipt(&rng))
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 1..<damaged.count, using: &rng)
                damaged[at] = UInt8.random(in: 0...255, using: &rng)
            }
            do { _ = try StoredReceipt.decode(damaged) } catch {
                guard case .storageFailure = error else { Issue.record("\(error)"); continue }
            }
        }
    }
}

/// `BinaryWriter.text`: a length and the text's UTF-8 bytes, for small and heap strings, ASCII or not, whole or cut
/// from a larger one; `BinaryReader.text` reads each back.
@Suite struct BinaryTextTests {
    @Test func textsComeBackEqual() throws {
        let long = String(repeating: "añ€😀", count: 100)
        let texts = ["", "a", "fifteen-bytes!!", "sixteen-bytes!!!", "é", "\u{1F600}", long,
                     String(long.dropFirst(3).prefix(17)), "tab\tand%\n"]
        var w = BinaryWriter()
        for t in texts { w.text(t) }
        var expected: [UInt8] = []
        for t in texts {
            var length = BinaryWriter()
            length.varint(UInt64(t.utf8.count))
            expected += length.bytes + Array(t.utf8)
        }
        #expect(w.bytes == expected)
        var r = BinaryReader(w.bytes)
        for t in texts { #expect(try r.text() == t) }
        #expect(r.atEnd)
    }
}
