import Dispatch
import Foundation
import Synchronization
import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// Operator writes and purchases are decided by the one writer, in one order, against the database as the batches
/// before them left it (uniqueness of identifiers, member status, the catalog): a race has one winner, and what an
/// answer said is what the next request sees.
@Suite struct OperatorRaceTests {
    @Test func twoCreatesWithOnePhoneInOneBatchHaveOneWinner() throws {
        let f = try OfficeFixture()
        let results = Mutex<[Result<OperatorResponse, TillError>]>([])
        let group = DispatchGroup()
        f.store.writer.pause()
        for name in ["Dora", "Dana"] {
            group.enter()
            f.office.handle(.memberCreate(MemberCreate(fields: MemberFields(firstName: name, phone: "0151 7770001"))),
                            operatorId: f.operatorId, operatorName: "alice") { result in
                results.withLock { $0.append(result) }
                group.leave()
            }
        }
        f.store.writer.resume()
        group.wait()
        let outcomes = results.withLock { $0 }
        #expect(outcomes.count { if case .success = $0 { true } else { false } } == 1)
        #expect(outcomes.compactMap { if case .failure(let e) = $0 { e.code } else { nil } } == ["already_exists"])
        #expect(try f.sql("SELECT count(*) FROM member_identifiers WHERE kind = 'phone' AND value = '+491517770001'") == 1)
    }

    @Test func anAnonymizedMembersPhoneIsFreeRightAfterTheAnswer() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberAnonymize(MemberRef(memberKey: "M00000001", reason: "right to be forgotten")))
        let fresh = try f.profile(.memberCreate(MemberCreate(fields: MemberFields(firstName: "Anna", phone: "+4915112345678"))))
        #expect(fresh.memberKey != "M00000001")
        #expect(fresh.fields.phone == "+4915112345678")
    }

    @Test func aPurchaseRightAfterTheBlockIsRefused() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberBlock(MemberRef(memberKey: "M00000002", reason: "fraud suspected")))
        let purchasesBefore = try f.sql("SELECT count(*) FROM purchases")
        guard case .failure(let error) = f.purchase(f.coffee("T-after-block", member: "M00000002")) else {
            Issue.record("a blocked member's purchase was accepted"); return
        }
        #expect(error.code == "member_blocked")
        #expect(try f.sql("SELECT count(*) FROM purchases") == purchasesBefore)
    }

    @Test func aPurchaseRightAfterACatalogChangeEarnsByTheNewCatalog() throws {
        let f = try OfficeFixture()
        let before = try f.purchase(f.coffee("T-old", member: "M00000003", cups: 4)).get()
        guard case .catalog(var catalog) = try f.run(.catalogGet).get() else { throw Unexpected.response }
        catalog.earnRules = [EarnRule(ruleId: "base", points: 7, perAmount: 100)]
        catalog.earnMultipliers = []
        _ = try f.run(.catalogSet(catalog)).get()
        let after = try f.purchase(f.coffee("T-new", member: "M00000003", cups: 4)).get()
        #expect(before.members[0].pointsEarned != after.members[0].pointsEarned)
        #expect(after.members[0].pointsEarned == 70)  // 10.00 EUR at 7 points per 1.00
    }
}
