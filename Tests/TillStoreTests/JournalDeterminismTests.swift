import Dispatch
import Foundation
import Synchronization
import Testing
import TillCore
import TillJournalTesting
import TillProtocol
@testable import TillStore
import TillStoreTesting

/// The journal holds effects, not commands: replaying the whole journal into an empty store rebuilds exactly the
/// database the daemon wrote (every table row for row, the search index), whatever mix of requests made it.
@Suite struct JournalDeterminismTests {
    @Test(arguments: [UInt64(0x5EED_0001), 0x5EED_0002])
    func theDatabaseEqualsAReplayOfTheWholeJournal(seed: UInt64) throws {
        let f = try OfficeFixture()
        var random = SeededRandom(seed: seed)
        var members = ["M00000001", "M00000002", "M00000003"]
        var purchases: [PurchaseRequest] = []
        var phones = 0
        var freedPhone: String?
        for step in 0..<160 {
            f.clock.advance(ms: Int64(random.next() % 90_000))
            let member = members[Int(random.next() % UInt64(members.count))]
            switch random.next() % 12 {
            case 0, 1, 2, 3:
                let request = f.coffee("T\(step)", member: member, cups: Int64(random.next() % 9) + 1)
                if case .success = f.purchase(request) { purchases.append(request) }
            case 4:
                if let earlier = purchases.randomElement(using: &random) { _ = f.purchase(earlier) }  // a resend
            case 5:
                if let earlier = purchases.randomElement(using: &random) {
                    _ = f.void(VoidRequest(voidId: "V\(step)", transactionId: earlier.transactionId))
                }
            case 6:
                _ = f.run(.walletAdjust(WalletAdjust(adjustmentId: "A\(step)", memberKey: member,
                                                      wallet: random.next() % 2 == 0 ? .points : .credit,
                                                      delta: Int64(random.next() % 500) - 100, reason: "goodwill")))
            case 7:
                phones += 1
                let phone = freedPhone ?? "0151 \(2_000_000 + phones)"
                freedPhone = nil
                if case .success(.member(let profile)) = f.run(.memberCreate(MemberCreate(fields: MemberFields(
                    firstName: "Member\(phones)", phone: phone, email: "m\(phones)@example.com")))) {
                    members.append(profile.memberKey)
                }
            case 8:
                _ = f.run(.memberUpdate(MemberUpdate(memberKey: member, fields: MemberFields(lastName: "Name\(step)"))))
            case 9:
                if members.count > 4, random.next() % 2 == 0 {
                    let gone = members.removeLast()
                    if case .success = f.run(.memberAnonymize(MemberRef(memberKey: gone, reason: "asked"))) {
                        freedPhone = "0151 \(2_000_000 + phones)"  // maybe theirs: reused by the next create, or refused
                    }
                } else {
                    _ = f.run(.memberBlock(MemberRef(memberKey: member, reason: "check")))
                }
            case 10:
                // A burst: several purchases in one batch, one of them refused before it changed anything (a
                // conflicting resend: answered in place), and a write refused after a change, so the batch runs
                // again with a savepoint per request.
                f.store.writer.pause()
                let group = DispatchGroup()
                group.enter()
                do {
                    try f.store.submit(ClosureWrite<Void> { context in
                        try context.execute("INSERT INTO activity_log (created_at, grp, type, source, details) VALUES (0, 'app', 'test', 'system', '{}')")
                        throw TillError.notAllowed(field: nil, reason: "refused after a change")
                    }) { _ in group.leave() }
                } catch {
                    group.leave()
                }
                for n in 0..<6 {
                    var request = f.coffee("B\(step)-\(n)", member: members[n % members.count], cups: Int64(n + 1))
                    if n == 3, let earlier = purchases.first { request = earlier; request.items[0].quantity = Quantity(units: 40) }
                    group.enter()
                    do {
                        try f.loyalty.purchase(request, terminal: f.pos, fingerprint: Fingerprint.of(.purchase(request))!.bytes) { _ in group.leave() }
                    } catch {
                        group.leave()
                    }
                }
                f.store.writer.resume()
                group.wait()
            default:
                if case .success(.catalog(let catalog)) = f.run(.catalogGet) { _ = f.run(.catalogSet(catalog)) }
            }
        }
        #expect(f.store.stats.batchesRerun > 0)
        #expect(f.store.stats.sqliteSyncedBatches == 0)
        f.store.shutdown()
        let written = try TableDump(path: f.folder.path("till.db"))

        // An empty store on a copy of the journal: start-up replays every record.
        let (rebuilt, replayedRecords) = try TableDump.replaying(journalOf: f.folder.path("till.db"))
        #expect(replayedRecords > 100)
        #expect(rebuilt.tables.keys.sorted() == written.tables.keys.sorted())
        for (table, rows) in written.tables {
            let replayedRows = rebuilt.tables[table] ?? []
            let difference = zip(rows, replayedRows).first { $0 != $1 }.map { "written \($0.0), replayed \($0.1)" } ?? "none in common rows"
            #expect(replayedRows == rows, "table \(table) differs after a replay of the journal: \(rows.count) rows written, \(replayedRows.count) replayed; first difference: \(difference)")
        }
        #expect(written.tables["purchases"]?.count ?? 0 > 50)
    }
}

/// Every row of every table of a store (and the search index's content), rendered and sorted, for comparisons.
struct TableDump {
    var tables: [String: [String]] = [:]

    /// The tables of an empty store that replayed a copy of the journal of the (stopped) store at `databasePath`,
    /// with the number of records its start-up replayed.
    static func replaying(journalOf databasePath: String) throws -> (TableDump, replayed: Int) {
        let folder = TemporaryFolder()
        let path = folder.path("replay.db")
        try FileManager.default.copyItem(atPath: databasePath + ".journal", toPath: path + ".journal")
        let store = try Store.open(StoreConfiguration(path: path))
        let replayed = store.stats.journalReplayed
        store.shutdown()
        return (try TableDump(path: path), replayed)
    }

    init(path: String) throws {
        let connection = try Connection(path: path, options: OpenOptions(mode: .readOnly))
        var names: [String] = []
        try connection.statement("""
            SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'member_search%'
            """).forEachRow { names.append($0.text(0)) }
        names.append("member_search")
        for name in names {
            let columns = name == "member_search" ? "rowid, names, identifiers" : "*"
            var rows: [String] = []
            try connection.statement("SELECT \(columns) FROM \"\(name)\"").forEachRow { row in
                rows.append((0..<row.count).map { index -> String in
                    if row.isNull(index) { return "NULL" }
                    if let value = row.optionalInt64(index) { return "\(value)" }
                    if let value = row.optionalText(index) { return "'\(value)'" }
                    return "x" + (row.optionalBlob(index) ?? []).map { String($0, radix: 16) }.joined()
                }.joined(separator: "|"))
            }
            tables[name] = rows.sorted()
        }
    }
}
