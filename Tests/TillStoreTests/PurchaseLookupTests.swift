import Testing
@testable import TillStore
import TillStoreTesting

/// A purchase of a member not held in memory reads the member's wallets with their bases from an index alone (schema
/// v9). A column added to the query that the index lacks would make SQLite read a random table row per wallet and
/// purchase again; this test names it.
@Suite struct PurchaseLookupTests {
    @Test func aMembersWalletsAreReadFromACoveringIndex() throws {
        let f = try OfficeFixture()
        let plan = try f.store.read { c in
            var lines: [String] = []
            try c.statement("EXPLAIN QUERY PLAN " + WalletTotals.readMember).forEachRow([.integer(1)]) { lines.append($0.text(3)) }
            return lines
        }
        #expect(plan.contains { $0.contains("SEARCH w USING COVERING INDEX wallets_bases (member_id=?)") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }
}
