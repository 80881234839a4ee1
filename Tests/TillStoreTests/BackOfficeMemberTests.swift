import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// Membership through the back office: create, update, tags, notes, cards, block, verify, consent.
@Suite struct BackOfficeMemberTests {
    @Test func createNormalisesIdentifiersAndRecordsOperatorActivity() throws {
        let f = try OfficeFixture()
        let p = try f.profile(.memberCreate(MemberCreate(fields: MemberFields(firstName: "Dora", lastName: "Lind", phone: "0151 2223334", email: " Dora@Example.COM "))))
        #expect(p.status == .active)
        #expect(p.fields.phone == "+491512223334")
        #expect(p.fields.email == "dora@example.com")
        #expect(p.registrationSource == "operator")
        #expect(p.createdAt == f.clock.now)
        #expect(p.statusHistory.map(\.to) == [.active])
        let page = try f.activity(ActivityQuery(memberKey: p.memberKey))
        #expect(page.entries.first?.source == .operator)
        #expect(page.entries.first?.operatorId == f.operatorId)
        #expect(page.entries.first?.operatorName == "alice")
    }

    @Test func identifiersAreUniqueAsTheyAreNormalised() throws {
        let f = try OfficeFixture()
        // Anna holds +4915112345678.
        let e = f.error(.memberCreate(MemberCreate(fields: MemberFields(firstName: "X", phone: "0151 12345678"))))
        #expect(e?.code == "already_exists")
        #expect(e?.field == "phone")
        #expect(try f.sql("SELECT count(*) FROM members") == 3)
    }

    @Test func updateChangesOnlyGivenFields() throws {
        let f = try OfficeFixture()
        let p = try f.profile(.memberUpdate(MemberUpdate(memberKey: "M00000002", fields: MemberFields(lastName: "Berg", email: "ben.berg@example.com"))))
        #expect(p.fields.firstName == "Ben")
        #expect(p.fields.lastName == "Berg")
        #expect(p.fields.email == "ben.berg@example.com")
        #expect(p.fields.phone == "+4915112345679")
        // The old email is released: someone else may take it.
        _ = try f.profile(.memberCreate(MemberCreate(fields: MemberFields(email: "ben@example.com"))))
    }

    @Test func tagsAreCaseSensitive() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberTag(MemberTag(memberKey: "M00000001", tag: "VIP")))
        let p = try f.profile(.memberTag(MemberTag(memberKey: "M00000001", tag: "vip")))
        #expect(p.tags == ["VIP", "vip"])
        let q = try f.profile(.memberUntag(MemberTag(memberKey: "M00000001", tag: "VIP")))
        #expect(q.tags == ["vip"])
        #expect(f.error(.memberUntag(MemberTag(memberKey: "M00000001", tag: "Vip")))?.code == "not_found")
    }

    @Test func notesCarryAuthorAndTimeNewestFirst() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberNote(NoteAdd(memberKey: "M00000001", text: "Prefers oat milk")))
        f.clock.advance(ms: 60_000)
        let p = try f.profile(.memberNote(NoteAdd(memberKey: "M00000001", text: "Complained about a missing punch")))
        #expect(p.notes.map(\.text) == ["Complained about a missing punch", "Prefers oat milk"])
        #expect(p.notes.allSatisfy { $0.author == "alice" })
        #expect(p.notes[0].at == f.clock.now)
    }

    @Test func blockedMemberIsRefusedAtThePOSUntilUnblocked() throws {
        let f = try OfficeFixture()
        let p = try f.profile(.memberBlock(MemberRef(memberKey: "M00000002", reason: "fraud suspected")))
        #expect(p.status == .blocked)
        #expect(p.statusHistory.last?.reason == "fraud suspected")
        #expect(p.statusHistory.last?.operatorName == "alice")
        guard case .failure(let e) = f.purchase(f.coffee("T1", member: "M00000002")) else { Issue.record("purchase accepted"); return }
        #expect(e.code == "member_blocked")
        #expect(f.error(.memberBlock(MemberRef(memberKey: "M00000002")))?.code == "not_allowed")
        let q = try f.profile(.memberUnblock(MemberRef(memberKey: "M00000002")))
        #expect(q.status == .active)
        #expect(q.statusHistory.map(\.to) == [.active, .blocked, .active])
        #expect(throws: Never.self) { try f.purchase(f.coffee("T2", member: "M00000002")).get() }
    }

    @Test func verifyActivatesOnlyPendingMembers() throws {
        let f = try OfficeFixture()
        #expect(f.error(.memberVerify(MemberRef(memberKey: "M00000001")))?.code == "not_allowed")
        _ = try f.store.writeAndWait(ClosureWrite { try $0.execute("UPDATE members SET status = 'pending_verification' WHERE member_key = 'M00000003'") }).get()
        let p = try f.profile(.memberVerify(MemberRef(memberKey: "M00000003")))
        #expect(p.status == .active)
        #expect(p.statusHistory.last?.from == .pendingVerification)
    }

    @Test func consentAndUnsubscribe() throws {
        let f = try OfficeFixture()
        var p = try f.profile(.memberConsent(ConsentRecord(memberKey: "M00000001", channel: .terms, granted: true)))
        #expect(p.preferences.termsAcceptedAt == f.clock.now)
        p = try f.profile(.memberConsent(ConsentRecord(memberKey: "M00000001", channel: .sms, granted: true)))
        p = try f.profile(.memberConsent(ConsentRecord(memberKey: "M00000001", channel: .marketing, granted: true)))
        #expect(p.preferences.sms && p.preferences.optIn == .single)
        p = try f.profile(.memberUnsubscribe(Unsubscribe(memberKey: "M00000001", channel: .sms)))
        #expect(!p.preferences.sms)
        let page = try f.activity(ActivityQuery(memberKey: "M00000001", group: .communication))
        #expect(page.entries.map(\.kind) == ["unsubscribed"])
    }

    @Test func cardsAddAndReplace() throws {
        let f = try OfficeFixture()
        var p = try f.profile(.cardAdd(CardChange(memberKey: "M00000001", card: "C9")))
        #expect(p.cards == ["C0000000001", "C9"])
        #expect(f.error(.cardAdd(CardChange(memberKey: "M00000002", card: "C9")))?.code == "already_exists")
        p = try f.profile(.cardReplace(CardChange(memberKey: "M00000001", card: "C10", oldCard: "C9")))
        #expect(p.cards == ["C0000000001", "C10"])
        #expect(f.error(.cardReplace(CardChange(memberKey: "M00000001", card: "C11", oldCard: "C9")))?.code == "not_found")
        #expect(try f.loyalty.identify([MemberIdentifier(kind: .card, value: "C10")])[0].memberKey == "M00000001")
    }

    @Test func unknownMemberIsNotFound() throws {
        let f = try OfficeFixture()
        let e = f.error(.memberGet(MemberRef(memberKey: "M-NOPE")))
        #expect(e?.code == "not_found")
        #expect(e?.field == "memberKey")
    }
}
