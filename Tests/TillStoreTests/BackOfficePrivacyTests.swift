import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// `member.export` and `member.anonymize`.
@Suite struct BackOfficePrivacyTests {
    @Test func anonymizeErasesAndReleasesIdentifiersForNewRegistrations() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberNote(NoteAdd(memberKey: "M00000001", text: "Lives at 3 Elm St")))
        let before = try f.store.read { try WalletTotals.balance($0, member: 1) }
        let p = try f.profile(.memberAnonymize(MemberRef(memberKey: "M00000001", reason: "right to be forgotten")))
        #expect(p.status == .anonymized)
        #expect(p.fields == MemberFields())
        #expect(p.cards.isEmpty && p.notes.isEmpty)
        #expect(p.balance == before)  // the books still add up
        #expect(try f.store.verify().isSound)
        #expect(try f.sql("SELECT count(*) FROM member_identifiers WHERE value LIKE '%anna%' OR value = '+4915112345678'") == 0)
        // Never identified again; the phone, email and card can be registered anew.
        #expect(throws: TillError.self) { try f.loyalty.identify([MemberIdentifier(kind: .memberKey, value: "M00000001")]) }
        let fresh = try f.profile(.memberCreate(MemberCreate(fields: MemberFields(firstName: "Anna", phone: "+4915112345678", email: "anna@example.com"))))
        _ = try f.profile(.cardAdd(CardChange(memberKey: fresh.memberKey, card: "C0000000001")))
        #expect(try f.loyalty.identify([MemberIdentifier(kind: .phone, value: "+4915112345678")])[0].memberKey == fresh.memberKey)
        // Irreversible: nothing more can be done to the anonymized member.
        #expect(f.error(.memberAnonymize(MemberRef(memberKey: "M00000001")))?.code == "not_allowed")
        #expect(f.error(.memberUnblock(MemberRef(memberKey: "M00000001")))?.code == "not_allowed")
    }

    @Test func exportHoldsEverythingAsNDJSON() throws {
        let f = try OfficeFixture()
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        _ = try f.profile(.memberTag(MemberTag(memberKey: "M00000001", tag: "VIP")))
        guard case .export(let export) = try f.run(.memberExport(MemberRef(memberKey: "M00000001"))).get() else { throw Unexpected.response }
        let lines = export.ndjson.split(separator: "\n")
        let types = lines.map { line -> String in
            let json = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return json["type"] as! String
        }
        #expect(types.first == "profile")
        for t in ["identifier", "benefit", "ledger", "purchase", "activity"] { #expect(types.contains(t), "missing \(t)") }
        #expect(export.ndjson.contains("anna@example.com") && export.ndjson.contains("VIP"))
    }
}
