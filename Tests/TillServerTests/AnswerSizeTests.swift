import Foundation
import Testing
import TillClient
import TillCore
import TillProtocol

/// Through the daemon: answers that grow with a member's or a purchase's history still fit the frame the session was
/// told about in `hello`, say how much they left out, and read back (issue 13: answers of 0.3–10 MB were sent).
@Suite struct AnswerSizeTests {
    static let limit = 8_192

    @Test func identifyAndStatusFitTheAnnouncedFrame() throws {
        let daemon = try TestDaemon { $0.maxFrameBytes = Self.limit }
        defer { daemon.stop(); daemon.removeFolder() }
        let pos = try daemon.terminal()
        #expect(pos.session?.maxFrameSize == Int64(Self.limit))
        let office = try daemon.operatorClient()

        // 100 gifts: far more than 8 KiB of benefits.
        _ = try office.perform(.benefitAction(BenefitAction(memberKey: "M00000001", action: .send, templateId: "FREE_ESPRESSO", count: 100)))
        let anna = try pos.identify([MemberIdentifier(kind: .memberKey, value: "M00000001")])[0]
        #expect(anna.benefitsOmitted > 0 && !anna.benefits.isEmpty)
        #expect(anna.benefits.count + Int(anna.benefitsOmitted) >= 100)

        // 80 returns of one unit each: the status keeps the newest reversals.
        var purchase = demoPurchase("big-1", lines: 1)
        purchase.items[0].quantity = Quantity(units: 80)
        _ = try pos.purchase(purchase)
        for n in 1...80 {
            _ = try pos.returnItems(ReturnRequest(returnId: "r-\(n)", transactionId: "big-1", lines: [ReturnLine(lineId: "1", quantity: .one)]))
        }
        let status = try pos.status(transactionId: "big-1")
        #expect(status.state == .returned && status.reversalsOmitted > 0)
        #expect(status.reversals.count + Int(status.reversalsOmitted) == 80 && status.reversals.last?.reversalId == "r-80")
        #expect(daemon.logLines.all.contains { $0.contains("answer refused") || $0.contains("sent whole") } == false)
    }
}
