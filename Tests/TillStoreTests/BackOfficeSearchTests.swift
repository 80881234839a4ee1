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

    /// Long digit queries (phone numbers) match through their last digits and a substring check: the same members, in
    /// the same order, as the whole phrase through the trigram index.
    @Test func digitQueriesMatchAsTheWholePhraseDoes() throws {
        let f = try OfficeFixture()
        try crowd(f)
        var rows = ""
        for i in 1...20 { rows += "{\"firstName\":\"Digit\",\"lastName\":\"N\(i)\",\"customId\":\"77\(1000 + i)0012\",\"phone\":\"+4916\(5550000 + i)\"}\n" }
        #expect(try f.imported(MemberImport(rows: rows)).created == 20)
        for query in ["+491700001012", "491700001", "1700001045", "+4916555000", "7710050012", "4916555001", "999999999", "1700001", "8881010012"] {
            let phrase = try f.store.read { c in
                var ids: [String] = []
                try c.statement("SELECT m.member_key FROM member_search s JOIN members m ON m.id = s.rowid WHERE member_search MATCH ? LIMIT 50")
                    .forEachRow([.text("\"" + query + "\"")]) { ids.append($0.text(0)) }
                return ids
            }
            let found = try f.members(query).map(\.memberKey)
            // Exact matches first (a phone normalised as at the POS), then the contains matches in index order.
            #expect(Set(found) == Set(phrase), "query \(query): \(found) vs \(phrase)")
            #expect(found.filter { phrase.contains($0) } == phrase.filter { found.contains($0) }, "query \(query): order")
        }
        #expect(MemberSearchQuery.digitTail("+4915112345678") == "345678" && MemberSearchQuery.digitTail("12345678") == nil)
        #expect(MemberSearchQuery.digitTail("+49 151 123456") == nil && MemberSearchQuery.digitTail("4915112345a") == nil)
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
