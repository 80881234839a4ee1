import Testing
import TillCore
import TillProtocol
@testable import TillStore

/// A purchase's activity entry is read from its `purchase_members` row since schema v7 (`MemberActivity`): it says
/// what the log row a v6 store wrote said, lists where that row listed, and pages over both sources without skipping
/// or repeating an entry.
@Suite struct PurchaseEntryTests {
    static let keys = ["M00000001", "M00000002", "M00000003"]

    /// A seeded mix on `f`: purchases of one or two members (some paying with credit, some redeeming a gift, some
    /// filling coffee cards), terminal voids, operator returns, tags and wallet adjustments; the clock often stands
    /// still, so entries of different writes share their millisecond.
    static func shop(_ f: OfficeFixture, seed: UInt64) {
        var random = SplitMix64(state: seed)
        var posted: [String] = []
        var gifts = ["demo-M00000001-TEN_PERCENT", "demo-M00000001-FREE_ESPRESSO", "demo-M00000002-WELCOME_5"]
        for step in 0..<60 {
            if random.next() % 3 == 0 { f.clock.advance(ms: Int64(random.next() % 5_000)) }
            let member = keys[Int(random.next() % 3)]
            switch random.next() % 8 {
            case 0, 1, 2, 3:
                let cups = Int64(random.next() % 9) + 1
                var request = f.coffee("T\(step)", member: member, cups: cups)
                if random.next() % 3 == 0 {
                    let other = keys[(keys.firstIndex(of: member)! + 1) % 3]
                    request.members.append(MemberIdentifier(kind: .memberKey, value: other))
                }
                if random.next() % 3 == 0 {
                    request.payments = [Payment(means: .credit, amount: 100, memberKey: member),
                                        Payment(means: .cash, amount: 250 * cups - 100)]
                }
                if random.next() % 4 == 0, let gift = gifts.first(where: { $0.contains(member) }) {
                    request.redemptions = [gift]
                    gifts.removeAll { $0 == gift }
                    request.payments = []  // paid by the gift and cash below: the rules say what is left
                    if let quote = try? f.loyalty.quote(request, terminal: f.pos) {
                        request.payments = [Payment(means: .cash, amount: quote.receipt.total)]
                    }
                }
                if case .success = f.purchase(request) { posted.append(request.transactionId) }
            case 4:
                if let earlier = posted.randomElement(using: &random) {
                    _ = f.void(VoidRequest(voidId: "V\(step)", transactionId: earlier))
                }
            case 5:
                if let earlier = posted.randomElement(using: &random) {
                    _ = f.run(.purchaseReturn(OperatorReturn(terminal: f.pos, request: ReturnRequest(
                        returnId: "R\(step)", transactionId: earlier, lines: [ReturnLine(lineId: "1", quantity: .one)]))))
                }
            case 6:
                _ = f.run(.walletAdjust(WalletAdjust(adjustmentId: "A\(step)", memberKey: member,
                                                      wallet: random.next() % 2 == 0 ? .points : .credit,
                                                      delta: Int64(random.next() % 300) + 1, reason: "goodwill")))
            default:
                _ = f.run(.memberTag(MemberTag(memberKey: member, tag: "t\(step)")))
            }
        }
    }

    /// Every entry of `member` in one page, with `group` and `before`.
    static func all(_ f: OfficeFixture, _ member: String, group: ActivityGroup? = nil, before: Timestamp? = nil) throws -> [ActivityEntry] {
        let page = try f.activity(ActivityQuery(memberKey: member, group: group, before: before, limit: 500))
        #expect(page.nextCursor == nil)
        return page.entries
    }

    @Test(arguments: [UInt64(0xAC71_0001), 0xAC71_0002])
    func smallPagesListEveryEntryOnceInTheOrderOfOnePage(seed: UInt64) throws {
        let f = try OfficeFixture()
        Self.shop(f, seed: seed)
        #expect(try f.sql("SELECT count(*) FROM purchase_members WHERE entry_after IS NOT NULL") ?? 0 > 20)
        #expect(try f.sql("SELECT count(*) FROM activity_log WHERE type = 'benefit_redeemed'") ?? 0 > 0)
        #expect(try f.sql("SELECT count(*) FROM activity_log WHERE type = 'punch_card_completed'") ?? 0 > 0)
        #expect(try f.sql("SELECT count(*) FROM activity_log WHERE type = 'purchase_voided'") ?? 0 > 0)
        #expect(try f.sql("SELECT count(*) FROM activity_log WHERE type = 'purchase_returned'") ?? 0 > 0)
        let middle = Timestamp(millisecondsSinceEpoch: try f.sql("SELECT committed_at FROM purchases ORDER BY id LIMIT 1 OFFSET 10") ?? 0)
        for member in Self.keys {
            for group in [nil, ActivityGroup.purchase, .benefits, .legalMembership] {
                for before in [nil, middle] {
                    let expected = try Self.all(f, member, group: group, before: before)
                    #expect(expected.map(\.at) == expected.map(\.at).sorted(by: >))
                    for limit in [Int64(1), 2, 3] {
                        var listed: [ActivityEntry] = []
                        var cursor: String?
                        repeat {
                            let page = try f.activity(ActivityQuery(memberKey: member, group: group, before: before, cursor: cursor, limit: limit))
                            #expect(page.entries.count <= Int(limit))
                            #expect(page.nextCursor.map { $0.utf8.count <= 256 } ?? true)
                            listed += page.entries
                            cursor = page.nextCursor
                        } while cursor != nil && listed.count <= expected.count
                        #expect(listed == expected, "\(member) group \(String(describing: group)) before \(String(describing: before)) limit \(limit)")
                    }
                }
            }
        }
        #expect(try f.store.verify().problems == [])
    }

    /// The same shop twice: once as this build keeps it, once with the log rows a v6 store wrote for each purchase
    /// (a trigger inserts each where v6 appended it, right after the member's row; their details are what v6
    /// computed from the purchase's ledger rows), its member rows then marked as made before v7 (and so folded into
    /// their wallets, as the v8 migration does). Both list alike.
    @Test(arguments: [UInt64(0xAC71_0003), 0xAC71_0004])
    func derivedEntriesAreWhatTheLogRowsSaid(seed: UInt64) throws {
        let derived = try OfficeFixture()
        Self.shop(derived, seed: seed)
        let logged = try OfficeFixture()
        _ = try logged.store.writeAndWait(ClosureWrite { c in
            try c.execute("""
                CREATE TRIGGER v6_purchase_entry AFTER INSERT ON purchase_members BEGIN
                    INSERT INTO activity_log (created_at, member_id, grp, type, source, branch_id, pos_id, transaction_id)
                    SELECT committed_at, new.member_id, 'purchase', 'purchase', 'pos', branch_id, pos_id, transaction_id
                    FROM purchases WHERE id = new.purchase_id;
                END
                """)
        }).get()
        Self.shop(logged, seed: seed)
        _ = try logged.store.writeAndWait(ClosureWrite { c in
            try c.execute("DROP TRIGGER v6_purchase_entry")
            var rows: [(id: Int64, member: Int64, purchase: Int64, total: Int64, place: String)] = []
            try c.statement("""
                SELECT a.id, a.member_id, p.id, p.total_amount, p.branch_id || '/' || p.pos_id FROM activity_log a
                JOIN purchases p ON p.branch_id = a.branch_id AND p.pos_id = a.pos_id AND p.transaction_id = a.transaction_id
                WHERE a.type = 'purchase'
                """).forEachRow { rows.append(($0.int64(0), $0.int64(1), $0.int64(2), $0.int64(3), $0.text(4))) }
            for row in rows {
                var ledger: [LedgerEntry] = []
                try c.statement("""
                    SELECT l.member_id, w.kind, l.delta FROM ledger l JOIN wallets w ON w.id = l.wallet_id WHERE l.purchase_id = ?
                    """).forEachRow([.integer(row.purchase)]) {
                    ledger.append(LedgerEntry(memberId: $0.int64(0), wallet: $0.text(1) == "points" ? .points : .credit,
                                              delta: $0.int64(2), kind: .earn))
                }
                // PostPurchase's summary at v6, word for word.
                let summary = "Purchase of \(MoneyText.format(row.total, digits: MoneyText.minorDigits("EUR"))) EUR at \(row.place)"
                let details = ActivityLog.details(summary, member: row.member, ledger: ledger, currency: "EUR")
                try c.execute("UPDATE activity_log SET details = ? WHERE id = ?",
                              [.text(String(decoding: StoredJSON.encode(details), as: UTF8.self)), .integer(row.id)])
            }
            try c.execute("UPDATE purchase_members SET entry_after = NULL, points_delta = 0, credit_delta = 0")
            // Rows of purchases made before v7 are in their wallets' bases since the v8 migration folded them.
            try c.execute("""
                UPDATE wallets SET
                    balance = balance + (SELECT coalesce(sum(l.delta), 0) FROM ledger l
                                         WHERE l.wallet_id = wallets.id AND l.id > wallets.counted_through),
                    counted_through = (SELECT coalesce(max(id), 0) FROM ledger),
                    purchases_through = (SELECT coalesce(max(id), 0) FROM purchases)
                """)
        }).get()
        #expect(try derived.sql("SELECT count(*) FROM activity_log WHERE type = 'purchase'") == 0)
        #expect(try logged.sql("SELECT count(*) FROM activity_log WHERE type = 'purchase'")
                == derived.sql("SELECT count(*) FROM purchase_members"))
        var compared: [ActivityEntry] = []
        for member in Self.keys {
            let expected = try Self.all(logged, member)
            let listed = try Self.all(derived, member)
            #expect(listed.count == expected.count)
            for (a, b) in zip(listed, expected) { #expect(a == b) }
            compared += expected
        }
        let purchases = compared.filter { $0.kind == "purchase" }
        #expect(purchases.count > 20)
        #expect(purchases.contains { $0.creditDelta != nil } && purchases.contains { ($0.pointsDelta ?? 0) > 0 })
        #expect(try derived.store.verify().problems == [])
        #expect(try logged.store.verify().problems == [])
    }

    @Test func aPurchaseWritesNoActivityRowOfItsOwn() throws {
        let f = try OfficeFixture()
        let before = try f.sql("SELECT count(*) FROM activity_log")
        var request = f.coffee("T1", member: "M00000001")
        request.members.append(MemberIdentifier(kind: .memberKey, value: "M00000002"))
        _ = try f.purchase(request).get()
        _ = try f.purchase(f.coffee("T2", member: "M00000003", cups: 2)).get()
        #expect(try f.sql("SELECT count(*) FROM activity_log") == before)
        #expect(try f.activity(ActivityQuery(memberKey: "M00000002", group: .purchase)).entries.map(\.transactionId) == ["T1"])
    }

    @Test func aVoidLeavesThePurchaseEntryAsItWas() throws {
        let f = try OfficeFixture()
        f.clock.advance(ms: 1_000)
        var request = f.coffee("T1", member: "M00000001", cups: 4)
        request.payments = [Payment(means: .credit, amount: 300, memberKey: "M00000001"), Payment(means: .cash, amount: 700)]
        let receipt = try f.purchase(request).get()
        let earned = receipt.members[0].pointsEarned
        #expect(earned > 0)
        let entry = try #require(try f.activity(ActivityQuery(memberKey: "M00000001", group: .purchase)).entries.first)
        #expect(entry.summary == "Purchase of 10.00 EUR at B1/P1, +\(earned) points, -3.00 EUR credit")
        #expect(entry.pointsDelta == earned && entry.creditDelta == -300)
        #expect(entry.source == .pos && entry.terminal == f.pos && entry.transactionId == "T1" && entry.openedAt == request.openedAt)
        #expect(entry.at == f.clock.now && entry.group == .purchase && entry.kind == "purchase")
        f.clock.advance(ms: 1_000)
        _ = try f.void(VoidRequest(voidId: "V1", transactionId: "T1")).get()
        let after = try f.activity(ActivityQuery(memberKey: "M00000001", group: .purchase)).entries
        #expect(after.map(\.kind) == ["purchase_voided", "purchase"])
        #expect(after.last == entry)
        #expect(after.first?.pointsDelta == -earned && after.first?.creditDelta == 300)
        #expect(try f.store.verify().problems == [])
    }

    /// A cursor names a place in the order: `<at>:<id>` after a log row (as before v7), `<at>:<after>:<purchase>`
    /// after a purchase's entry; anything else is refused naming `cursor`.
    @Test func cursorsOfBothFormsContinueAndOthersAreRefused() throws {
        let f = try OfficeFixture()
        _ = try f.profile(.memberTag(MemberTag(memberKey: "M00000001", tag: "a")))
        _ = try f.profile(.memberTag(MemberTag(memberKey: "M00000001", tag: "b")))
        f.clock.advance(ms: 1_000)
        _ = try f.purchase(f.coffee("T1", member: "M00000001")).get()
        let first = try f.activity(ActivityQuery(memberKey: "M00000001", limit: 1))
        #expect(first.entries.map(\.kind) == ["purchase"])
        let cursor = try #require(first.nextCursor)
        #expect(cursor.split(separator: ":").count == 3)
        let rest = try f.activity(ActivityQuery(memberKey: "M00000001", cursor: cursor, limit: 1))
        #expect(rest.entries.map(\.summary) == ["Tagged b"])
        let logRow = try #require(rest.nextCursor)
        #expect(logRow.split(separator: ":").count == 2)
        let tagged = try #require(try f.sql("SELECT max(id) FROM activity_log WHERE type = 'tagged'"))
        let at = rest.entries[0].at.millisecondsSinceEpoch
        #expect(logRow == "\(at):\(tagged)")
        // A pre-v7 cursor at the purchase's time and a log id above the tag lists the purchase's entry, then the tag.
        let older = try f.activity(ActivityQuery(memberKey: "M00000001", cursor: "\(f.clock.now.millisecondsSinceEpoch):\(tagged + 1_000)"))
        #expect(older.entries.map(\.summary).dropFirst() == ["Tagged b", "Tagged a"] && older.entries.first?.kind == "purchase")
        for bad in ["nonsense", "1:2:0", "1:2:-3", "1:2:3:4", "1::3", ":1"] {
            #expect(f.error(.activityList(ActivityQuery(memberKey: "M00000001", cursor: bad)))?.field == "cursor", "\(bad)")
        }
    }

    /// A v6 store's purchase entries stay its log rows (the migration moves nothing) and read back as written; a
    /// purchase after the migration lists above them, and pages over both sources.
    @Test func migrationSevenKeepsTheLoggedEntriesOfAVersion6Store() throws {
        let folder = TemporaryFolder()
        let store = try storeMigrated(from: 6, in: folder) { c in
            try insertMember(7, key: "OLD1", on: c)
            try c.execute("INSERT INTO member_identifiers (member_id, kind, value, created_at) VALUES (7, 'memberKey', 'OLD1', 0)")
            try c.execute("""
                INSERT INTO purchases (id, branch_id, pos_id, transaction_id, fingerprint, opened_at, committed_at, status,
                    total_amount, receipt, record, lines) VALUES (3, 'B', 'P', 'T-old', x'00', 1000, 5000, 'final', 1250, x'', x'', x'')
                """)
            try c.execute("INSERT INTO purchase_members (member_id, purchase_id, position, spend, visits) VALUES (7, 3, 0, 1250, 1)")
            try c.execute("""
                INSERT INTO activity_log (id, created_at, member_id, grp, type, source, branch_id, pos_id, transaction_id, details) VALUES
                    (1, 4000, 7, 'legal_membership', 'tagged', 'operator', NULL, NULL, NULL, '{"summary":"Tagged vip"}'),
                    (2, 5000, 7, 'purchase', 'purchase', 'pos', 'B', 'P', 'T-old',
                     '{"summary":"Purchase of 12.50 EUR at B/P, +12 points, -1.00 EUR credit","pointsDelta":12,"creditDelta":-100}'),
                    (3, 5000, 7, 'benefits', 'benefit_redeemed', 'pos', 'B', 'P', 'T-old', '{"summary":"Redeemed Gift (g-1) in B/P T-old"}')
                """)
        }
        defer { store.shutdown() }
        #expect(try store.read { try $0.int64("PRAGMA user_version") } == Schema.latestVersion)
        #expect(try store.read { try $0.int64("SELECT count(*) FROM purchase_members WHERE entry_after IS NULL AND points_delta = 0 AND credit_delta = 0") } == 1)
        let old = B1.pos
        func list(limit: Int64 = 100, cursor: String? = nil) throws -> ActivityPage {
            try store.read { try MemberActivity.page($0, ActivityQuery(memberKey: "OLD1", cursor: cursor, limit: limit)) }
        }
        let at = Timestamp(millisecondsSinceEpoch: 5000)
        let expected = [
            ActivityEntry(at: at, group: .benefits, kind: "benefit_redeemed", summary: "Redeemed Gift (g-1) in B/P T-old", source: .pos,
                          terminal: old, transactionId: "T-old", openedAt: Timestamp(millisecondsSinceEpoch: 1000)),
            ActivityEntry(at: at, group: .purchase, kind: "purchase", summary: "Purchase of 12.50 EUR at B/P, +12 points, -1.00 EUR credit",
                          source: .pos, terminal: old, transactionId: "T-old", openedAt: Timestamp(millisecondsSinceEpoch: 1000),
                          pointsDelta: 12, creditDelta: -100),
            ActivityEntry(at: Timestamp(millisecondsSinceEpoch: 4000), group: .legalMembership, kind: "tagged", summary: "Tagged vip",
                          source: .operator),
        ]
        #expect(try list().entries == expected)

        let loyalty = LoyaltyStore(store: store)
        _ = try loyalty.installDemoCatalogIfEmpty()
        var request = basket("T-new", member: "OLD1")
        request.openedAt = Timestamp(millisecondsSinceEpoch: 6000)
        let receipt = try store.writeAndWait(loyalty.purchaseRequest(request, terminal: old, fingerprint: fp(.purchase(request)))).get()
        let entries = try list().entries
        #expect(entries.dropFirst().elementsEqual(expected))
        let new = try #require(entries.first)
        #expect(new.kind == "purchase" && new.transactionId == "T-new" && new.openedAt == request.openedAt && new.at > at)
        #expect(new.summary == "Purchase of 9.50 EUR at B/P" + (receipt.members[0].pointsEarned > 0 ? ", +\(receipt.members[0].pointsEarned) points" : ""))
        var paged: [ActivityEntry] = []
        var cursor: String?
        repeat {
            let page = try list(limit: 1, cursor: cursor)
            paged += page.entries
            cursor = page.nextCursor
        } while cursor != nil && paged.count < 10
        #expect(paged == entries)
        #expect(try store.verify().problems == [])
    }
}

private enum B1 {
    static let pos = TerminalIdentity(branchId: "B", posId: "P")
}
