import Testing
@testable import TillCore

/// docs/rules.md, "Identification" (Example 8).
@Suite struct IdentificationTests {
    @Test(arguments: [
        ("DE", "0151 2345678", "+491512345678"), ("DE", "+49 (0)151 2345678", "+491512345678"),
        ("DE", "0049 151 2345678", "+491512345678"), ("DE", "+49 151/2345678", "+491512345678"),
        ("FR", "06 12 34 56 78", "+33612345678"), ("GB", "07911 123456", "+447911123456"),
        ("US", "(415) 555-2671", "+14155552671"), ("CA", "1 415 555 2671", "+14155552671"),
        ("IL", "050-123-4567", "+972501234567"), ("NL", "06 12345678", "+31612345678"),
        ("BE", "0470 12 34 56", "+32470123456"), ("AT", "0664 1234567", "+436641234567"),
        ("CH", "079 123 45 67", "+41791234567"), ("IT", "347 123 4567", "+393471234567"),
        ("IT", "06 1234 5678", "+390612345678"), ("ES", "612 34 56 78", "+34612345678"),
        ("DE", "+33 6 12 34 56 78", "+33612345678"),
    ])
    func phones(country: String, raw: String, e164: String) {
        #expect(PhoneNumber.e164(raw, defaultCountry: country) == e164)
    }

    @Test(arguments: ["abc", "12", "+49 151 23456x8", "0151 2345678 ext 3", "++49151", "(0151 2345678", "0000000"])
    func garbage(raw: String) {
        #expect(PhoneNumber.e164(raw, defaultCountry: "DE") == nil)
        #expect(throws: TillError.invalidRequest(field: "members[0]", reason: "not a phone number")) {
            try Identification.normalise(MemberIdentifier(kind: .phone, value: raw), defaultCountry: "DE", field: "members[0]")
        }
    }

    @Test func otherKinds() throws {
        #expect(try Identification.normalise(MemberIdentifier(kind: .email, value: "  Anna.M@Example.COM "), defaultCountry: "DE", field: "f").value == "anna.m@example.com")
        #expect(try Identification.normalise(MemberIdentifier(kind: .card, value: " 0042 "), defaultCountry: "DE", field: "f").value == "0042")
        #expect(throws: TillError.invalidRequest(field: "f", reason: "not an email address")) {
            try Identification.normalise(MemberIdentifier(kind: .email, value: "anna@"), defaultCountry: "DE", field: "f")
        }
        #expect(throws: TillError.invalidRequest(field: "f", reason: "empty identifier")) {
            try Identification.normalise(MemberIdentifier(kind: .memberKey, value: "  "), defaultCountry: "DE", field: "f")
        }
    }

    func resolve(_ matches: [MemberMatch], kinds: [IdentifierKind]? = nil, now: Timestamp = t0) throws -> [MemberAccount] {
        let ids = (kinds ?? matches.map { _ in .memberKey }).map { MemberIdentifier(kind: $0, value: "x") }
        return try Identification.resolve(ids, matches: matches, settings: shopSettings, now: now).accounts
    }

    @Test func membersFound() throws {
        let anna = MemberAccount(id: 1, memberKey: "ANNA")
        #expect(throws: TillError.memberNotFound(field: "members[1]")) { try resolve([MemberMatch(account: anna), MemberMatch(account: nil)]) }
        var gone = anna
        gone.status = .anonymized
        #expect(throws: TillError.memberNotFound(field: "members[0]")) { try resolve([MemberMatch(account: gone)]) }
        var blocked = anna
        blocked.status = .blocked
        #expect(throws: TillError.memberBlocked(field: "members[0]", memberKey: "ANNA")) { try resolve([MemberMatch(account: blocked)]) }
        #expect(throws: TillError.invalidRequest(field: "members[1]", reason: "member already identified on this purchase")) {
            try resolve([MemberMatch(account: anna), MemberMatch(account: anna)])
        }
        let six = (1...6).map { MemberMatch(account: MemberAccount(id: Int64($0), memberKey: "M\($0)")) }
        #expect(throws: TillError.invalidRequest(field: "members", reason: "at most 5 members per purchase")) { try resolve(six) }
    }

    @Test func appCodesAreShortLivedAndSingleUse() throws {
        let anna = MemberAccount(id: 1, memberKey: "ANNA")
        let code = AppCode(code: "123456", memberId: 1, issuedAt: t0)
        let ok = try Identification.resolve([MemberIdentifier(kind: .appCode, value: "123456")],
                                            matches: [MemberMatch(account: anna, appCode: code)], settings: shopSettings,
                                            now: Timestamp(millisecondsSinceEpoch: t0.millisecondsSinceEpoch + 300_000))
        #expect(ok.appCodes == ["123456"])
        #expect(throws: TillError.memberNotFound(field: "members[0]")) {
            try resolve([MemberMatch(account: anna, appCode: code)], kinds: [.appCode],
                        now: Timestamp(millisecondsSinceEpoch: t0.millisecondsSinceEpoch + 300_001))
        }
        var used = code
        used.consumed = true
        #expect(throws: TillError.memberNotFound(field: "members[0]")) { try resolve([MemberMatch(account: anna, appCode: used)], kinds: [.appCode]) }
    }

    @Test func identifyShowsUsableBenefitsSoonestFirst() {
        let anna = MemberAccount(id: 1, memberKey: "ANNA", firstName: "Anna", points: 40, pending: [PendingPoints(availableAt: at(days: 3), points: 7)], credit: 250, benefits: [
            HeldBenefit(id: "a", templateId: "FIVE", kind: .gift),
            HeldBenefit(id: "b", templateId: "TEN_PCT", kind: .gift, validUntil: at(days: 9)),
            HeldBenefit(id: "c", templateId: "COFFEE_CARD", kind: .punchCard, validUntil: at(days: 2), punches: 3),
            HeldBenefit(id: "d", templateId: "FIVE", kind: .gift, status: .used),
            HeldBenefit(id: "e", templateId: "FIVE", kind: .gift, validUntil: at(days: -1)),
        ])
        let m = Identification.member(anna, catalog: shopCatalog, now: t0)
        #expect(m.balance == WalletBalance(points: 40, pendingPoints: 7, credit: 250))
        #expect(m.benefits.map(\.benefitId) == ["c", "b", "a"])
        #expect(m.benefits[0].punches == 3 && m.benefits[0].punchesRequired == 5 && m.benefits[0].name == "Coffee card")
    }
}

/// Seeded: the same number typed nationally, internationally, with `00`, with `(0)` and with random separators
/// always gives the same E.164 form.
@Suite struct PhoneVariantTests {
    @Test(arguments: 0..<50)
    func variantsAgree(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let countries: [(String, String, Int)] = [("DE", "49", 11), ("FR", "33", 9), ("NL", "31", 9), ("GB", "44", 10), ("AT", "43", 10), ("IL", "972", 9)]
        let (country, code, length) = countries[Int(rng.int(0...Int64(countries.count - 1)))]
        var national = String(rng.int(1...9))
        while national.count < length { national += String(rng.int(0...9)) }
        func scatter(_ s: String) -> String {
            var out = ""
            for ch in s {
                out.append(ch)
                if rng.chance(25) { out += [" ", "-", ".", "/"][Int(rng.int(0...3))] }
            }
            return out
        }
        let expected = "+" + code + national
        for raw in ["0" + scatter(national), "+" + code + " " + scatter(national), "00" + code + scatter(national),
                    "+" + code + " (0)" + scatter(national), "  +" + code + scatter(national) + " "] {
            #expect(PhoneNumber.e164(raw, defaultCountry: country) == expected, "seed \(seed): \(raw)")
        }
    }
}

/// The byte paths for ASCII text (`PhoneNumber.scanASCII`, `Identification.asciiEmail`, the trim fast path) answer as
/// the general Character / Unicode paths do, on seeded random text from the characters that matter to them.
@Suite struct ASCIIPathTests {
    static func text(_ rng: inout SplitMix64, from alphabet: [Character], maxLength: Int64) -> String {
        String((0..<rng.int(0...maxLength)).map { _ in alphabet[Int(rng.int(0...Int64(alphabet.count - 1)))] })
    }

    @Test(arguments: 0..<20)
    func phoneScannersAgree(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let pieces = ["+", "49", "(0)", "(", ")", "0", "1", "234", "00", " ", "-", ".", "/", "x", "\t", "(12)"]
        for _ in 0..<2_000 {
            let s = (0..<rng.int(0...7)).map { _ in pieces[Int(rng.int(0...Int64(pieces.count - 1)))] }.joined()
            let ascii = PhoneNumber.scanASCII(s), general = PhoneNumber.scanCharacters(s)
            #expect(ascii?.digits == general?.digits && ascii?.international == general?.international, "seed \(seed): \(s.debugDescription)")
        }
    }

    @Test(arguments: 0..<20)
    func emailPathsAgree(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let alphabet = Array("abcXYZ@@..  9_-+\t\n")
        for _ in 0..<2_000 {
            let s = Self.text(&rng, from: alphabet, maxLength: 14)
            #expect(Identification.asciiEmail(s) == .some(Identification.unicodeEmail(s)), "seed \(seed): \(s.debugDescription)")
        }
        #expect(Identification.asciiEmail("anna@exämple.de") == .none)  // not ASCII: the Unicode path answers
        #expect(Identification.unicodeEmail("Ä@EXÄMPLE.DE") == "ä@exämple.de")
    }

    @Test(arguments: 0..<10)
    func trimAgrees(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let alphabet: [Character] = ["a", "Z", " ", "\t", "\n", "\u{00A0}", "\u{2003}", "é", "\u{7F}", "\u{1F}", "-"]
        for _ in 0..<2_000 {
            let s = Self.text(&rng, from: alphabet, maxLength: 8)
            let scalars = s.unicodeScalars
            let expected = scalars.firstIndex(where: { !$0.properties.isWhitespace }).map {
                String(scalars[$0...scalars.lastIndex(where: { !$0.properties.isWhitespace })!])
            } ?? ""
            #expect(s.trimmingSpaces() == expected, "seed \(seed): \(s.debugDescription)")
        }
    }
}
