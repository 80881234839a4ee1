import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// A punch card's count (`CardPunches`): a purchase that keeps the card active records its punches on its
/// `purchase_members` row, the member's fold point (`FoldPoint`) folds them into the card's row, and every other change
/// of a card (completion, reversal, operator) writes the row with its exact count.
@Suite struct CardPunchesTests {
    /// Anna's coffee card needs `required` punches; the demo's other cards and gifts stay.
    func fixture(required: Int64, second: Bool = false) throws -> OfficeFixture {
        let f = try OfficeFixture()
        var catalog = DemoProgram.catalog
        catalog.punchCards[0].punchesRequired = required
        if second {
            catalog.punchCards.append(PunchCardRule(id: "ESPRESSO_CARD", name: "Espresso card", codes: ["SKU-0001"],
                                                    punchesRequired: required, rewardGiftTemplateId: "FREE_ESPRESSO"))
        }
        try f.loyalty.configure(catalog: catalog, settings: DemoProgram.settings)
        return f
    }

    func cards(_ f: OfficeFixture, _ member: String = "M00000001") throws -> [BenefitSummary] {
        try f.benefits(.benefitList(BenefitListQuery(memberKey: member, kind: .punchCard)))
    }

    /// The card's row plus the punches recorded after it, summed here independently of `CardPunches.count`.
    func baseAndRows(_ f: OfficeFixture, card publicId: String) throws -> (base: Int64, rows: Int64) {
        try f.store.read { c in
            let (id, member, base, through) = try c.statement(
                "SELECT id, member_id, punches, punched_through FROM member_benefits WHERE public_id = ?"
            ).firstRow([.text(publicId)]) { ($0.int64(0), $0.int64(1), $0.int64(2), $0.int64(3)) }!
            let counted = try c.int64("SELECT counted_through FROM members WHERE id = ?", [.integer(member)]) ?? 0
            let rows = try c.int64("""
                SELECT coalesce(sum(punches), 0) FROM purchase_members
                WHERE member_id = ? AND punch_benefit_id = ? AND purchase_id > ?
                """, [.integer(member), .integer(id), .integer(max(through, counted))]) ?? -1
            return (base, rows)
        }
    }

    @Test func aPurchaseWritesTheCardRowOnlyAtFoldPoints() throws {
        let f = try fixture(required: 1_000)
        let cardUpdates = try f.recordUpdates(of: "member_benefits", keeping: "punched_through")
        let interval = Int(FoldPoint.interval)
        var punched: Int64 = 0
        for i in 1...(2 * interval + 2) {
            let cups = Int64(i % 3 + 1)
            let receipt = try f.purchase(f.coffee("T\(i)", member: "M00000001", cups: cups)).get()
            punched += cups
            #expect(receipt.members[0].punches.first?.punchesAfter == punched)  // the rules saw the exact count
        }
        // Purchase 1 issued the card (an insert); rows 64 and 128 folded it; the other 127 purchases wrote no card row.
        #expect(try cardUpdates() == 2)
        #expect(try f.sql("SELECT count(*) FROM member_benefits_updates WHERE value % \(FoldPoint.interval) <> 0") == 0)
        let card = try cards(f)
        #expect(card.count == 1 && card[0].punches == punched)
        let (base, rows) = try baseAndRows(f, card: card[0].benefitId)
        #expect(base + rows == punched && rows == 1 + 2)  // purchases 129 and 130: 1 and 2 cups
        #expect(try f.store.verify().problems == [])
    }

    @Test func theCompletingPunchIssuesTheRewardOnceAndOneShortDoesNot() throws {
        let f = try fixture(required: 8)
        let cardUpdates = try f.recordUpdates(of: "member_benefits")
        for i in 1...7 {
            let receipt = try f.purchase(f.coffee("T\(i)", member: "M00000001")).get()
            #expect(receipt.members[0].punches.first?.completed == false)
        }
        #expect(try cardUpdates() == 0)  // punch 1 issued the card, punches 2…7 are on the purchases' rows
        #expect(try cards(f).map(\.punches) == [7])
        let rewards = "SELECT count(*) FROM member_benefits WHERE kind = 'gift' AND issued_by_purchase_id IS NOT NULL"
        #expect(try f.sql(rewards) == 0)

        let completing = f.coffee("T8", member: "M00000001")
        let receipt = try f.purchase(completing).get()
        #expect(receipt.members[0].punches.first?.rewardsCompleted == 1)
        #expect(try f.sql(rewards) == 1)
        #expect(try cardUpdates() == 1)  // the full card's row, with its exact count, status and fold point
        #expect(try f.purchase(completing).get().replay == true)
        #expect(try f.sql(rewards) == 1)
        let all = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000001", kind: .punchCard)))
        #expect(all.map(\.status) == [.active, .used] && all.map(\.punches) == [0, 8])
        try #require(all.count == 2)
        let used = all[1].benefitId
        #expect(try baseAndRows(f, card: used) == (8, 0))
        #expect(try f.store.verify().problems == [])
    }

    @Test func voidsAndReturnsTakePunchesBackFromFoldedAndUnfoldedPurchases() throws {
        let f = try fixture(required: 1_000)
        let interval = Int(FoldPoint.interval)
        for i in 1...(interval + 3) {
            _ = try f.purchase(f.coffee("T\(i)", member: "M00000001", cups: 2)).get()
        }
        var expected = Int64(2 * (interval + 3))
        #expect(try cards(f).map(\.punches) == [expected])

        // T5 is folded (row 5 ≤ 64), T66 and T67 are not.
        _ = try f.void(VoidRequest(voidId: "V5", transactionId: "T5")).get()
        expected -= 2
        #expect(try cards(f).map(\.punches) == [expected])
        _ = try f.void(VoidRequest(voidId: "V66", transactionId: "T\(interval + 2)")).get()
        expected -= 2
        #expect(try cards(f).map(\.punches) == [expected])
        _ = try f.returnItems(ReturnRequest(returnId: "R67", transactionId: "T\(interval + 3)",
                                            lines: [ReturnLine(lineId: "1", quantity: .one)])).get()
        expected -= 1
        let card = try cards(f)
        #expect(card.map(\.punches) == [expected])
        let (base, rows) = try baseAndRows(f, card: card[0].benefitId)
        #expect(base == expected && rows == 0)  // a reversal writes the card's exact count

        // The purchases after the reversals are recorded again, and folding them changes nothing a reader sees.
        for i in (interval + 4)...(2 * interval) {
            _ = try f.purchase(f.coffee("T\(i)", member: "M00000001")).get()
            expected += 1
        }
        #expect(try cards(f).map(\.punches) == [expected])
        #expect(try baseAndRows(f, card: card[0].benefitId) == (expected, 0))
        let last = try f.purchase(f.coffee("T-last", member: "M00000001")).get()
        #expect(last.members[0].punches.first?.punchesAfter == expected + 1)
        #expect(try f.store.verify().problems == [])
    }

    @Test func anOperatorSeesAndChangesTheRecordedPunches() throws {
        let f = try fixture(required: 8)
        for i in 1...5 { _ = try f.purchase(f.coffee("T\(i)", member: "M00000001")).get() }
        let card = try cards(f)[0]
        #expect(card.punches == 5)
        #expect(f.error(.benefitAction(BenefitAction(memberKey: "M00000001", action: .use, benefitId: card.benefitId)))?.code
                    == "not_allowed")
        let punched = try f.benefits(.benefitAction(BenefitAction(memberKey: "M00000001", action: .punch,
                                                                  benefitId: card.benefitId, count: 2)))
        #expect(punched.map(\.punches) == [7])
        #expect(try baseAndRows(f, card: card.benefitId) == (7, 0))
        _ = try f.purchase(f.coffee("T6", member: "M00000001")).get()  // recorded: 8 of 8 would complete, so written
        let after = try f.benefits(.benefitList(BenefitListQuery(memberKey: "M00000001", kind: .punchCard)))
        #expect(after.map(\.status) == [.active, .used] && after.map(\.punches) == [0, 8])
        #expect(try f.store.verify().problems == [])
    }

    /// Two cards punched by one purchase: one is recorded on the purchase's row, the other's row is written.
    @Test func aPurchaseRecordsOneCardAndWritesTheOther() throws {
        let f = try fixture(required: 1_000, second: true)
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()  // issues both cards
        let cardUpdates = try f.recordUpdates(of: "member_benefits")
        for i in 2...10 { _ = try f.purchase(f.coffee("T\(i)", member: "M00000001", cups: 2)).get() }
        #expect(try cardUpdates() == 9)
        #expect(try cards(f).map(\.punches) == [19, 19])
        #expect(try f.sql("SELECT count(*) FROM purchase_members WHERE punch_benefit_id IS NOT NULL") == 9)
        #expect(try f.store.verify().problems == [])
    }

    /// Recorded punches, folds, completions, a void and an operator's punch: replaying the whole journal into an
    /// empty store makes the same rows (`JournalDeterminismTests` for the general mix).
    @Test func theJournalReplaysRecordedPunchesAndFolds() throws {
        let f = try fixture(required: 20)
        let members = ["M00000001", "M00000002", "M00000003"]
        for i in 1...140 {
            _ = try f.purchase(f.coffee("T\(i)", member: members[i % 3], cups: Int64(i % 4 + 1))).get()
            if i == 70 { _ = try f.void(VoidRequest(voidId: "V60", transactionId: "T60")).get() }
            if i == 100, let card = try cards(f, members[0]).first {
                _ = try f.run(.benefitAction(BenefitAction(memberKey: members[0], action: .punch, benefitId: card.benefitId, count: 3))).get()
            }
        }
        #expect(try f.sql("SELECT count(*) FROM member_benefits WHERE punched_through IN (64, 128)") ?? 0 > 0)
        #expect(try f.sql("SELECT count(*) FROM member_benefits WHERE status = 'used' AND kind = 'punchCard'") ?? 0 > 3)
        #expect(try f.store.verify().problems == [])
        f.store.shutdown()
        let written = try TableDump(path: f.folder.path("till.db"))
        let (rebuilt, _) = try TableDump.replaying(journalOf: f.folder.path("till.db"))
        for table in ["member_benefits", "purchase_members", "members", "purchases"] {
            #expect(rebuilt.tables[table] == written.tables[table], "table \(table) differs after a replay")
        }
        #expect(rebuilt.tables == written.tables)
    }

    /// `verify` reports punches recorded on another member's card or on a gift, and a used card with punches after
    /// its row.
    @Test func verifyReportsMisplacedAndUnfoldedPunches() throws {
        let f = try fixture(required: 8)
        for i in 1...3 { _ = try f.purchase(f.coffee("T\(i)", member: "M00000001")).get() }
        _ = try f.purchase(f.coffee("U1", member: "M00000002")).get()
        #expect(try f.store.verify().problems == [])
        _ = try f.store.writeAndWait(ClosureWrite { c in
            // Ben's row names Anna's card; Anna's card is used while two punches are still on her rows.
            try c.execute("""
                UPDATE purchase_members SET punch_benefit_id = (SELECT punch_benefit_id FROM purchase_members
                    WHERE punch_benefit_id IS NOT NULL LIMIT 1), punches = 1
                WHERE member_id = (SELECT id FROM members WHERE member_key = 'M00000002')
                """)
            try c.execute("""
                UPDATE member_benefits SET status = 'used'
                WHERE kind = 'punchCard' AND member_id = (SELECT id FROM members WHERE member_key = 'M00000001')
                """)
        }).get()
        let problems = try f.store.verify().problems
        #expect(problems.count == 2)
        #expect(problems.contains { $0.hasPrefix("purchase row 4 of member") && $0.contains("1 punches on benefit") })
        #expect(problems.contains { $0.hasSuffix("is used with 2 punches after its row") })
    }

    /// A v5 store's cards hold their exact counts; its purchase rows record no punches.
    @Test func migrationSixKeepsTheCountsOfAVersion5Store() throws {
        let folder = TemporaryFolder()
        let store = try storeMigrated(from: 5, in: folder) { c in
            try insertMember(7, key: "M7", on: c)
            try c.execute("INSERT INTO punch_card_templates (id, code, name, punches_required, created_at) VALUES (1, 'C', 'Card', 8, 0)")
            try c.execute("""
                INSERT INTO member_benefits (id, public_id, member_id, kind, punch_card_template_id, status, assigned_at, punches)
                VALUES (4, 'P-1', 7, 'punchCard', 1, 'active', 0, 5)
                """)
            try c.execute("""
                INSERT INTO purchases (id, branch_id, pos_id, transaction_id, fingerprint, opened_at, committed_at, status,
                    total_amount, receipt, record, lines) VALUES (3, 'B', 'P', 'T', x'00', 0, 0, 'final', 250, x'', x'', x'')
                """)
            try c.execute("INSERT INTO purchase_members (member_id, purchase_id, position, spend, visits) VALUES (7, 3, 0, 250, 1)")
        }
        defer { store.shutdown() }
        let (version, count, recorded) = try store.read { c in
            (try c.int64("PRAGMA user_version"),
             try c.int64("SELECT \(CardPunches.count) FROM member_benefits b WHERE b.id = 4"),
             try c.int64("SELECT count(*) FROM purchase_members WHERE punch_benefit_id IS NOT NULL OR punches <> 0"))
        }
        #expect(version == Schema.latestVersion)
        #expect(count == 5 && recorded == 0)
        #expect(try store.verify().problems == [])
    }
}
