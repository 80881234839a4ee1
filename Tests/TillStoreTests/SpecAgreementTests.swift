import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// Points where PROTOCOL.md and the store used to disagree (issue 13): `identify` names `identifiers[i]` and shows a
/// blocked member's status; impossible birthdays are refused naming the field.
@Suite struct SpecAgreementTests {
    @Test func identifyErrorsNameTheIdentifierAndShowBlockedMembers() throws {
        let f = try OfficeFixture()
        let anna = MemberIdentifier(kind: .memberKey, value: "M00000001")
        #expect(throws: TillError.memberNotFound(field: "identifiers[1]")) {
            try f.loyalty.identify([anna, MemberIdentifier(kind: .memberKey, value: "NOPE")])
        }
        #expect(throws: TillError.invalidRequest(field: "identifiers[1]", reason: "not a phone number")) {
            try f.loyalty.identify([anna, MemberIdentifier(kind: .phone, value: "abc")])
        }
        #expect(throws: TillError.invalidRequest(field: "identifiers[1]", reason: "member already identified on this purchase")) {
            try f.loyalty.identify([anna, MemberIdentifier(kind: .email, value: "anna@example.com")])
        }
        // A blocked member: identify answers with the status (and no usable benefits); a purchase refuses them.
        _ = try f.profile(.memberBlock(MemberRef(memberKey: "M00000001", reason: "test")))
        let blocked = try f.loyalty.identify([anna])[0]
        #expect(blocked.status == .blocked && blocked.benefits.isEmpty)
        #expect(blocked.balance.points == 1_250)
        #expect(throws: TillError.memberBlocked(field: "members[0]", memberKey: "M00000001")) {
            try f.purchase(f.coffee("T1", member: "M00000001")).get()
        }
    }

    @Test(arguments: ["1990-02-30", "2023-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "1990-1-01", "+990-01-01", "1990-01-+1"])
    func impossibleBirthdaysAreRefused(birthday: String) throws {
        let f = try OfficeFixture()
        let create = f.error(.memberCreate(MemberCreate(fields: MemberFields(firstName: "Eve", birthday: birthday))))
        #expect(create?.code == "invalid_request" && create?.field == "birthday")
        let update = f.error(.memberUpdate(MemberUpdate(memberKey: "M00000001", fields: MemberFields(birthday: birthday))))
        #expect(update?.code == "invalid_request" && update?.field == "fields.birthday")
        let imported = try f.imported(MemberImport(rows: "{\"firstName\":\"Eve\",\"birthday\":\"\(birthday)\"}\n"))
        #expect(imported.created == 0 && imported.errors.first?.field == "birthday")
    }

    @Test(arguments: ["2024-02-29", "2000-02-29", "1990-12-31", "1990-04-30"])
    func realBirthdaysAreKept(birthday: String) throws {
        let f = try OfficeFixture()
        #expect(try f.profile(.memberCreate(MemberCreate(fields: MemberFields(firstName: "Eve", birthday: birthday)))).fields.birthday == birthday)
    }

    /// Imported rows obey the limits of the operator ops (PROTOCOL.md section 4), in NDJSON and in CSV.
    @Test func importedValuesObeyTheStringLimits() throws {
        let f = try OfficeFixture()
        let name = String(repeating: "n", count: 1024), tag = String(repeating: "t", count: 64)
        let ok = try f.imported(MemberImport(rows: "{\"firstName\":\"\(name)\",\"tags\":[\"\(tag)\"]}\n"))
        #expect(ok.created == 1 && ok.errors.isEmpty)
        let long = try f.imported(MemberImport(rows: "{\"firstName\":\"\(name)x\"}\n{\"lastName\":\"a\",\"tags\":[\"\(tag)x\"]}\n"))
        #expect(long.created == 0 && long.errors.map(\.field) == ["firstName", "tags"])
        let csv = try f.imported(MemberImport(rows: "firstName,customId\n\(name)x,c1\nAnna,\(String(repeating: "c", count: 129))\n", format: .csv))
        #expect(csv.created == 0 && csv.errors.map(\.field) == ["firstName", "customId"])
    }

    @Test func aReusedAdjustmentIdIsAConflictNamingAdjustmentId() throws {
        let f = try OfficeFixture()
        _ = try f.run(.walletAdjust(WalletAdjust(adjustmentId: "A1", memberKey: "M00000001", wallet: .points, delta: 5, reason: "x"))).get()
        let e = f.error(.walletAdjust(WalletAdjust(adjustmentId: "A1", memberKey: "M00000001", wallet: .points, delta: 6, reason: "x")))
        #expect(e == .transactionConflict(field: .adjustmentId, id: "A1"))
        #expect(e?.field == "adjustmentId")
    }

    /// `benefit.action send`: an unknown template is `not_found`, a withdrawn one `not_allowed` (PROTOCOL.md §7).
    @Test func sendingAnUnknownOrWithdrawnTemplate() throws {
        let f = try OfficeFixture()
        let unknown = f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "NOPE", count: 1)))
        #expect(unknown?.code == "not_found" && unknown?.field == "templateId")
        guard case .catalog(var c) = try f.run(.catalogGet).get() else { throw Unexpected.response }
        c.giftTemplates.removeAll { $0.templateId == "TEN_PERCENT" }
        _ = try f.run(.catalogSet(c)).get()
        let withdrawn = f.error(.benefitAction(BenefitAction(memberKey: "M00000003", action: .send, templateId: "TEN_PERCENT", count: 1)))
        #expect(withdrawn?.code == "not_allowed" && withdrawn?.field == "templateId")
    }

    /// `quote.benefits`: every active gift of the identified members plus every benefit the request names; punch
    /// cards only when named (PROTOCOL.md §6, quote).
    @Test func quoteListsActiveGiftsAndWhatTheRequestNames() throws {
        let f = try OfficeFixture()
        _ = try f.purchase(f.coffee("T1", member: "M00000001", cups: 2)).get()  // enrols Anna on the coffee card
        let card = try #require(try f.loyalty.identify([MemberIdentifier(kind: .memberKey, value: "M00000001")])[0].benefits.first { $0.kind == .punchCard })
        let plain = try f.loyalty.quote(f.coffee("Q1", member: "M00000001"), terminal: f.pos)
        #expect(Set(plain.benefits.map(\.benefitId)) == ["demo-M00000001-WELCOME_5", "demo-M00000001-TEN_PERCENT", "demo-M00000001-FREE_ESPRESSO"])
        var named = f.coffee("Q2", member: "M00000001")
        named.redemptions = [card.benefitId, "nobody-holds-this"]
        let quote = try f.loyalty.quote(named, terminal: f.pos)
        #expect(quote.benefits.first { $0.benefitId == card.benefitId }?.cause == .punchIncomplete)
        let stranger = try #require(quote.benefits.first { $0.benefitId == "nobody-holds-this" })
        #expect(stranger.cause == .notOwned && stranger.memberKey.isEmpty && !stranger.redeemable)
    }

    /// Activity entries a purchase wrote carry both times: `at` (when Till recorded it) and `openedAt` (the POS's).
    @Test func purchaseActivityKeepsServerTimeAndOpenedAt() throws {
        let f = try OfficeFixture()
        f.clock.advance(days: 3)
        var late = f.coffee("OFFLINE-1", member: "M00000003")
        late.openedAt = Timestamp(millisecondsSinceEpoch: f.clock.now.millisecondsSinceEpoch - 2 * 86_400_000)
        _ = try f.purchase(late).get()
        // A void whose id is also a purchase id: its entry is the void's, with no openedAt.
        _ = try f.purchase(f.coffee("V-1", member: "M00000002")).get()
        _ = try f.void(VoidRequest(voidId: "V-1", transactionId: "OFFLINE-1")).get()
        let entries = try f.activity(ActivityQuery(memberKey: "M00000003", group: .purchase)).entries
        let purchase = try #require(entries.first { $0.kind == "purchase" })
        #expect(purchase.at == f.clock.now)
        #expect(purchase.openedAt?.millisecondsSinceEpoch == late.openedAt.millisecondsSinceEpoch)
        let void = try #require(entries.first { $0.kind == "purchase_voided" })
        #expect(void.transactionId == "V-1" && void.openedAt == nil)
    }
}
