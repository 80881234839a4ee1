import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// `member.appCode.issue` / `member.appCode.revoke`: the codes `identify` and `purchase` accept as kind `appCode`
/// now have an issuer (issue 13: before, nothing issued one).
@Suite struct AppCodeTests {
    func issue(_ f: OfficeFixture, _ key: String) throws -> AppCodeInfo {
        guard case .appCode(let a) = try f.run(.appCodeIssue(MemberRef(memberKey: key))).get() else { throw Unexpected.response }
        return a
    }
    func revoke(_ f: OfficeFixture, _ code: String) throws -> AppCodeInfo {
        guard case .appCode(let a) = try f.run(.appCodeRevoke(AppCodeRef(code: code))).get() else { throw Unexpected.response }
        return a
    }
    func byCode(_ code: String) -> [MemberIdentifier] { [MemberIdentifier(kind: .appCode, value: code)] }

    @Test func anIssuedCodeIdentifiesOnceAndIsConsumedByAPurchase() throws {
        let f = try OfficeFixture()
        let a = try issue(f, "M00000001")
        #expect(a.code.utf8.count == 8 && a.code.allSatisfy(\.isNumber) && a.state == .active && a.memberKey == "M00000001")
        #expect(a.expiresAt.millisecondsSinceEpoch - a.issuedAt.millisecondsSinceEpoch == 300_000)
        #expect(try f.loyalty.identify(byCode(a.code))[0].memberKey == "M00000001")
        var purchase = f.coffee("T1", member: "M00000001")
        purchase.members = byCode(a.code)
        #expect(try f.purchase(purchase).get().members[0].memberKey == "M00000001")
        #expect(throws: TillError.memberNotFound(field: "identifiers[0]")) { try f.loyalty.identify(byCode(a.code)) }
        #expect(try revoke(f, a.code).state == .used)
        let second = try issue(f, "M00000001")
        #expect(second.code != a.code)
        let entries = try f.activity(ActivityQuery(memberKey: "M00000001", group: .app)).entries
        #expect(entries.map(\.kind) == ["app_code_issued", "app_code_issued"])
        #expect(!entries.contains { $0.summary.contains(a.code) })
    }

    @Test func revokedAndExpiredCodesIdentifyNobody() throws {
        let f = try OfficeFixture()
        let a = try issue(f, "M00000002")
        #expect(try revoke(f, a.code).state == .revoked)
        #expect(try revoke(f, a.code).state == .revoked)  // idempotent
        #expect(throws: TillError.memberNotFound(field: "identifiers[0]")) { try f.loyalty.identify(byCode(a.code)) }
        let b = try issue(f, "M00000002")
        f.clock.advance(ms: 300_001)
        #expect(throws: TillError.memberNotFound(field: "identifiers[0]")) { try f.loyalty.identify(byCode(b.code)) }
        #expect(try revoke(f, b.code).state == .revoked)
        #expect(f.error(.appCodeRevoke(AppCodeRef(code: "00000000")))?.field == "code")
        #expect(f.error(.appCodeRevoke(AppCodeRef(code: "00000000")))?.code == "not_found")
    }

    @Test func blockedAndUnknownMembersGetNoCode() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberBlock(MemberRef(memberKey: "M00000003")))
        #expect(f.error(.appCodeIssue(MemberRef(memberKey: "M00000003"))) == .memberBlocked(field: "memberKey", memberKey: "M00000003"))
        #expect(f.error(.appCodeIssue(MemberRef(memberKey: "NOPE")))?.code == "not_found")
        #expect(try f.sql("SELECT count(*) FROM app_codes") == 0)
    }
}
