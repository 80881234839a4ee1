import Foundation
import Testing
import TillClient
import TillCore
import TillProtocol
@testable import TillServer

/// The audit trail in the daemon's real log output (the `tilld` process's stderr at the default level).
@Suite struct AuditTrailTests {
    @Test func operatorWritesAndRefusedTerminalRequestsAreLoggedWithoutPersonalData() throws {
        let folder = TilldProcess.temporaryFolder("audit")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tilld = try TilldProcess(folder: folder, ["--metrics-listen", ""])
        let operatorKey = try #require(tilld.banner.split(separator: "\n").first { $0.contains("demo operator key") }?.split(separator: " ").last.map(String.init))
        let terminalKey = try #require(tilld.banner.split(separator: "\n").first { $0.contains("demo terminal key") }?.split(separator: " ").last.map(String.init))
        let address = ServerAddress(host: "127.0.0.1", port: tilld.port)
        let phone = "+4917687654321", email = "berta.beispiel@example.org"

        let admin = try TillClient(address, apiKey: operatorKey)
        guard case .member(let created) = try admin.perform(.memberCreate(MemberCreate(fields: MemberFields(firstName: "Berta", lastName: "Beispiel", phone: phone, email: email)))) else {
            Issue.record("no member")
            return
        }
        let key = created.memberKey
        _ = try admin.perform(.memberUpdate(MemberUpdate(memberKey: key, fields: MemberFields(phone: "+4917611112222", email: "b.beispiel@example.net"))))
        _ = try admin.perform(.walletAdjust(WalletAdjust(adjustmentId: "adj-1", memberKey: key, wallet: .points, delta: 50, reason: "goodwill for Berta")))
        _ = try admin.perform(.memberNote(NoteAdd(memberKey: key, text: "called from \(phone)")))
        _ = try admin.perform(.memberTag(MemberTag(memberKey: key, tag: "vip")))
        #expect(throws: ClientError.self) { _ = try admin.perform(.walletAdjust(WalletAdjust(adjustmentId: "adj-2", memberKey: key, wallet: .credit, delta: -99_999, reason: "too much"))) }
        #expect(throws: ClientError.self) { _ = try admin.perform(.memberBlock(MemberRef(memberKey: email))) }
        _ = try admin.perform(.memberSearch(MemberSearch(query: phone)))  // a read: no audit line

        let pos = try TillClient(address, apiKey: terminalKey)
        _ = try pos.purchase(demoPurchase("audit-1", members: [MemberIdentifier(kind: .phone, value: "+4917611112222")]))
        _ = try pos.identify([MemberIdentifier(kind: .email, value: "b.beispiel@example.net")])
        let refused = demoPurchase("audit-1", members: [MemberIdentifier(kind: .phone, value: "+4917611112222")], lines: 1)  // same id, other body
        #expect(throws: ClientError.self) { _ = try pos.purchase(refused) }

        let (status, log) = tilld.stop()
        #expect(status == 0)
        let lines = log.split(separator: "\n").map(String.init)
        let writes = lines.filter { $0.contains("event=\"operator write\"") }
        #expect(writes.count == 7, "\(writes)")
        let expected: [(op: String, tail: String)] = [
            ("member.create", "member=\(key) outcome=ok"), ("member.update", "member=\(key) outcome=ok"),
            ("wallet.adjust", "member=\(key) wallet=points delta=50 outcome=ok"), ("member.note", "member=\(key) outcome=ok"),
            ("member.tag", "member=\(key) outcome=ok"), ("wallet.adjust", "member=\(key) wallet=credit delta=-99999 outcome=insufficient_balance"),
            ("member.block", "member=b***@example.org outcome=not_found"),
        ]
        for (line, want) in zip(writes, expected) {
            #expect(line.contains("operator=demo-operator op=\(want.op) \(want.tail)"), "\(line)")
        }
        let refusal = lines.filter { $0.contains("event=\"request refused\"") }
        #expect(refusal.count == 1, "\(refusal)")
        #expect(refusal.first?.contains("branch=demo pos=1 op=purchase") == true && refusal.first?.contains("code=transaction_conflict") == true, "\(refusal)")
        // Nothing personal anywhere in the log: no phone number, email, name, note or reason.
        for secret in ["87654321", "11112222", "berta.beispiel", "b.beispiel", "Berta", "Beispiel", "goodwill", "called from"] {
            #expect(!log.contains(secret), "the log contains \(secret)")
        }
    }

    @Test func maskingOfTypedKeys() {
        #expect(AuditTrail.masked("M00000001") == "M00000001")
        #expect(AuditTrail.masked("+4915112345678") == "+49*********78")
        #expect(AuditTrail.masked("015112345678") == "0*********78")
        #expect(AuditTrail.masked("anna@example.com") == "a***@example.com")
    }
}
