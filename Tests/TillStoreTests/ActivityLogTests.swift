import TillCore
import TillProtocol
import Testing
@testable import TillStore
import TillStoreTesting

/// The one activity writer (`ActivityLog`): every kind stores and reads back under its group, with the source and
/// the columns its origin names.
@Suite struct ActivityLogTests {
    @Test func everyKindReadsBackUnderItsGroupWithItsOrigin() throws {
        let folder = TemporaryFolder()
        let store = try Store.temporary(folder)
        defer { store.shutdown() }
        let member = try store.member("m")
        let pos = TerminalIdentity(branchId: "b-1", posId: "pos-1")
        let at = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        _ = try store.writeAndWait(ClosureWrite { context in
            try context.execute("INSERT INTO operators (id, name, key_hash, enabled, created_at) VALUES (7, 'alice', x'01', 1, 1)")
            for kind in ActivityKind.allCases {
                let origin: ActivityOrigin = kind.group == .purchase ? .terminal(pos, operationId: "T1") : .operator(id: 7)
                try ActivityLog(context.connection, origin: origin, at: at).append(kind, member: member, ActivityDetails(summary: kind.rawValue))
            }
            try ActivityLog(context.connection, origin: .operatorOnTerminal(operatorId: 7, pos, operationId: "V1"), at: at)
                .append(.purchaseVoided, member: member, ActivityDetails(summary: "by operator"))
        }).get()
        for group in ActivityGroup.allCases {
            let page = try store.read { try MemberActivity.page($0, ActivityQuery(memberKey: "m", group: group, limit: 100)) }
            let expected = ActivityKind.allCases.filter { $0.group == group }.map(\.rawValue)
                + (group == .purchase ? [ActivityKind.purchaseVoided.rawValue] : [])
            #expect(page.entries.map(\.kind).sorted() == expected.sorted(), "group \(group)")
            for entry in page.entries {
                #expect(entry.group == group)
                if entry.summary == "by operator" {
                    #expect(entry.source == .operator && entry.operatorName == "alice" && entry.terminal == pos && entry.transactionId == "V1")
                } else if group == .purchase {
                    #expect(entry.source == .pos && entry.terminal == pos && entry.transactionId == "T1" && entry.operatorId == nil)
                } else {
                    #expect(entry.source == .operator && entry.operatorId == 7 && entry.terminal == nil && entry.transactionId == nil)
                }
            }
        }
    }
}
