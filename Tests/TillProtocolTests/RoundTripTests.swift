import Testing
import TillCore
@testable import TillProtocol

/// Random typed values from a seeded generator.
struct Gen {
    var rng: SeededRandom
    mutating func int(_ r: ClosedRange<Int64>) -> Int64 { Int64.random(in: r, using: &rng) }
    mutating func bool() -> Bool { Bool.random(using: &rng) }
    mutating func pick<T>(_ a: [T]) -> T { a[Int.random(in: 0..<a.count, using: &rng)] }
    mutating func string(nonEmpty: Bool = true) -> String {
        let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "€", "𝄞", "-", "_", "\u{7F}"]
        let n = Int(int(nonEmpty ? 1...12 : 0...12))
        return (0..<n).map { _ in pick(alphabet) }.joined()
    }
    mutating func optional<T>(_ make: (inout Gen) -> T) -> T? { bool() ? make(&self) : nil }
    mutating func timestamp() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: int(0...4_102_444_800_000), utcOffsetMinutes: Int32(pick([0, 60, -300, 330, 840, -720])))
    }
    mutating func purchase() -> PurchaseRequest {
        let items = (0..<int(1...12)).map { k in
            LineItem(lineId: "L\(k)", code: string(), name: string(nonEmpty: false), department: optional { $0.string() },
                     quantity: Quantity(thousandths: int(1...999_999)), unitPrice: int(WireLimits.money), discount: int(0...10_000),
                     tags: ItemTags((0..<int(0...3)).map { _ in string() }))
        }
        return PurchaseRequest(
            transactionId: string(), openedAt: timestamp(), orderType: pick(OrderType.allCases), employee: optional { $0.string() },
            members: (0..<int(0...5)).map { _ in MemberIdentifier(kind: pick(IdentifierKind.allCases), value: string()) },
            items: items, orderDiscount: int(0...1000), tax: int(0...1000),
            payments: (0..<int(0...3)).map { _ in Payment(means: pick(PaymentMeans.allCases), amount: int(1...100_000), memberKey: optional { $0.string() }) },
            redemptions: (0..<int(0...3)).map { _ in string() }, currency: pick(["EUR", "USD", "CHF"]))
    }
    mutating func receipt() -> Receipt {
        let p = purchase()
        return Receipt(
            terminal: TerminalIdentity(branchId: string(), posId: string()), transactionId: p.transactionId, openedAt: p.openedAt,
            currency: p.currency, subtotal: int(0...1_000_000), itemDiscounts: int(0...100), orderDiscount: int(0...100),
            benefitDiscounts: int(0...100), tax: int(0...100), total: int(0...1_000_000),
            payments: p.payments.map { ReceiptPayment(means: $0.means, amount: $0.amount, points: optional { $0.int(0...1000) }, memberKey: $0.memberKey) },
            members: (0..<int(0...3)).map { _ in
                ReceiptMember(memberKey: string(), pointsEarned: int(0...500), pointsPending: int(0...500), pointsSpent: int(0...500),
                              creditSpent: int(0...500),
                              punches: [PunchResult(benefitId: string(), name: string(), punches: int(-5...5), punchesAfter: int(0...10), punchesRequired: 10, completed: bool())],
                              benefitsIssued: [IssuedBenefit(benefitId: string(), name: string(), kind: pick(BenefitKind.allCases), validUntil: optional { $0.timestamp() })],
                              balance: WalletBalance(points: int(0...9999), pendingPoints: int(0...99), credit: int(0...9999)))
            },
            redemptions: [AppliedRedemption(benefitId: string(), name: string(), memberKey: string(), amount: int(0...999), lineIds: ["L0"])],
            replay: bool())
    }
}

@Suite struct RoundTripTests {
    @Test(arguments: 0..<200 as Range<UInt64>)
    func purchaseRequestsRoundTrip(seed: UInt64) throws {
        var g = Gen(rng: SeededRandom(seed: seed))
        let env = RequestEnvelope(id: g.bool() ? .int(g.int(Int64.min...Int64.max)) : .string(g.string()),
                                  request: g.bool() ? .purchase(g.purchase()) : .quote(g.purchase()))
        let frame = client.encodeRequest(env)
        var decoder = FrameDecoder()
        try decoder.append(frame)
        let decoded = try decodeOK(decoder.nextFrame()!)
        #expect(decoded == env)
        #expect(client.encodeRequest(decoded) == frame)  // byte-exact: encoding is canonical
    }

    @Test(arguments: 0..<200 as Range<UInt64>)
    func receiptsRoundTrip(seed: UInt64) throws {
        var g = Gen(rng: SeededRandom(seed: seed))
        let env = ResponseEnvelope(id: .int(g.int(0...1000)), op: .purchase, result: .purchase(g.receipt()))
        let frame = server.encodeResponse(env)
        #expect(try client.decodeResponse(payload(frame)) == env)
    }

    /// A quote listing a requested benefit nobody on the purchase holds (no `memberKey`) decodes back.
    @Test func quoteWithANotOwnedBenefitRoundTrips() throws {
        let quote = Quote(receipt: Fixtures.receipt, benefits: [RedeemableBenefit(benefitId: "G-404", name: "G-404", memberKey: "", redeemable: false,
                                                                           cause: .notOwned, amount: 0)], budget: [])
        let env = ResponseEnvelope(id: .int(1), op: .quote, result: .quote(quote))
        let bytes = payload(server.encodeResponse(env))
        #expect(!String(decoding: bytes, as: UTF8.self).contains(#""memberKey":"""#))
        #expect(try client.decodeResponse(bytes) == env)
    }

    /// Found by the fuzzer: a receipt's applied redemption without `memberKey` was read as `""`, which Till then wrote
    /// back as `"memberKey":""` and could not read again. An applied redemption always names its member.
    @Test func appliedRedemptionWithoutMemberKeyIsRefused() throws {
        let env = ResponseEnvelope(id: .int(1), op: .quote, result: .quote(Quote(receipt: Fixtures.receipt, benefits: [], budget: [])))
        let text = String(decoding: payload(server.encodeResponse(env)), as: UTF8.self)
        #expect(text.contains(#""redemptions":[{"#))
        let mutated = text.replacingOccurrences(of: #""memberKey":"\#(Fixtures.receipt.redemptions[0].memberKey)","amount""#,
                                                with: #""membjrKey":"x","amount""#)
        #expect(mutated != text)
        #expect(throws: TillError.self) { try client.decodeResponse(Array(mutated.utf8)) }
    }

    @Test func errorsRoundTrip() throws {
        for (op, e) in ExampleCatalog.errors {
            let env = ResponseEnvelope(id: .string("e"), op: op, error: e)
            #expect(try client.decodeResponse(payload(server.encodeResponse(env))) == env)
        }
        // A conflict names the id field that was reused and repeats the id under that name.
        for (op, field) in [(Op.void, OperationIdField.voidId), (.return, .returnId), (.walletAdjust, .adjustmentId)] {
            let env = ResponseEnvelope(id: .string("e"), op: op, error: .transactionConflict(field: field, id: "X-1"))
            let bytes = payload(server.encodeResponse(env))
            #expect(try client.decodeResponse(bytes) == env)
            #expect(String(decoding: bytes, as: UTF8.self).contains(#""field":"\#(field.rawValue)","\#(field.rawValue)":"X-1""#))
        }
    }

    @Test func fingerprintIgnoresFormattingButNotContent() throws {
        let a = #"{"id":1,"op":"void","voidId":"V1","transactionId":"T1"}"#
        let b = "{ \"transactionId\" : \"T\\u0031\",\n \"op\":\"void\", \"voidId\":\"V1\", \"id\":\"other\", \"unknown\":true }"
        let c = #"{"id":1,"op":"void","voidId":"V1","transactionId":"T2"}"#
        let fa = Fingerprint.of(try decodeOK(Array(a.utf8)).request)
        #expect(fa != nil)
        #expect(fa == Fingerprint.of(try decodeOK(Array(b.utf8)).request))
        #expect(fa != Fingerprint.of(try decodeOK(Array(c.utf8)).request))
        #expect(fa?.description.count == 32)
        // Defaults written out: omitting a default equals sending it.
        let p1 = StrictnessTests.purchase()
        let p2 = StrictnessTests.purchase(extra: #","orderType":"inStore","tax":0,"members":[]"#)
        #expect(Fingerprint.of(try decodeOK(Array(p1.utf8)).request) == Fingerprint.of(try decodeOK(Array(p2.utf8)).request))
        #expect(Fingerprint.of(.ping) == nil && Fingerprint.of(.quote(Fixtures.purchase)) == nil)
        // Stable across builds: a pinned value.
        #expect(Fingerprint.of(.void(VoidRequest(voidId: "V1", transactionId: "T1")))?.description == Self.pinnedVoidFingerprint)
    }

    static let pinnedVoidFingerprint = "f146bec44ed5c787431e484e6ed300fb"  // FNV-1a-128 of `void\n{"voidId":"V1","transactionId":"T1"}`
}
