import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// `member.search`: exact and contains matches together, exact first, at most 50.
@Suite struct BackOfficeSearchTests {
    /// 60 members whose names contain "ann", one of them with email "nna@example.com".
    private func crowd(_ f: OfficeFixture) throws {
        var rows = ""
        for i in 1...60 { rows += "{\"firstName\":\"Hanna\",\"lastName\":\"Nr\(i)\",\"phone\":\"+49170000\(1000 + i)\"}\n" }
        rows += "{\"firstName\":\"Zed\",\"email\":\"nna@example.com\"}\n"
        let r = try f.imported(MemberImport(rows: rows))
        #expect(r.created == 61 && r.errors.isEmpty)
    }

    @Test func resultsAreCappedAtFifty() throws {
        let f = try OfficeFixture()
        try crowd(f)
        #expect(try f.members("ann", limit: 100).count == 50)
        #expect(try f.members("ann", limit: 10).count == 10)
    }

    @Test func exactMatchesComeFirstThenContains() throws {
        let f = try OfficeFixture()
        try crowd(f)
        let rows = try f.members("nna@example.com")
        #expect(rows.first?.firstName == "Zed")
        // "anna@example.com" (Anna) contains the text: a contains match after the exact one.
        #expect(rows.contains { $0.memberKey == "M00000001" })
        #expect(rows.count == 2)
    }

    @Test func everyIdentifierFindsItsMember() throws {
        let f = try OfficeFixture()
        for query in ["M00000001", "C0000000001", "0151 12345678", "+4915112345678", "ANNA@example.com", "Anna", "nna", "12345678"] {
            #expect(try f.members(query).first?.memberKey == "M00000001", "query \(query)")
        }
        let anna = try f.members("M00000001")[0]
        #expect(anna.phone == "+4915112345678" && anna.email == "anna@example.com")
    }

    @Test func shortQueriesStillMatchNames() throws {
        let f = try OfficeFixture()
        #expect(try f.members("Be").map(\.memberKey) == ["M00000002"])
    }

    @Test func anonymizedMembersAreNotFoundByTheirFormerData() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberAnonymize(MemberRef(memberKey: "M00000002")))
        #expect(try f.members("Ben").isEmpty)
        #expect(try f.members("ben@example.com").isEmpty)
        #expect(try f.members("+4915112345679").isEmpty)
    }
}
