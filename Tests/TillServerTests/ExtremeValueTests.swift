import Foundation
import Testing
import TillClient
import TillCore
import TillIO
import TillProtocol
@testable import TillServer

/// Issue 13 through the real daemon: legal requests at the documented maxima never stop it; a result that would not
/// fit is a typed error naming the field, and every committed receipt reads back.
@Suite struct ExtremeValueTests {
    static func espressos(_ id: String, cups: Int64, price: MinorUnits = 1) -> PurchaseRequest {
        PurchaseRequest(
            transactionId: id, openedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000),
            members: [MemberIdentifier(kind: .memberKey, value: "M00000001")],
            items: [LineItem(lineId: "1", code: "SKU-0001", name: "Espresso", department: "coffee", quantity: Quantity(units: cups), unitPrice: price)],
            payments: [Payment(means: .cash, amount: cups * price)], currency: "EUR")
    }

    /// Defect 1: earn rule 1,000,000 points per 1 minor unit (accepted by `catalog.set`), then a quote of 10 lines
    /// of 10^12: tilld exited with "arithmetic overflow". Now the quote is refused (`items`) and the daemon serves on;
    /// a line that would earn more than 10^12 points is refused naming it.
    @Test func hugeEarnRateOnHugeLinesIsRefusedNotFatal() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let office = try daemon.operatorClient()
        guard case .catalog(var catalog) = try office.perform(.catalogGet) else { Issue.record("expected a catalog"); return }
        catalog.earnRules = [EarnRule(ruleId: "base", points: 1_000_000, perAmount: 1)]
        _ = try office.perform(.catalogSet(catalog))
        let terminal = try daemon.terminal()
        var quote = Self.espressos("Q1", cups: 1)
        quote.items = (0..<10).map {
            LineItem(lineId: "L\($0)", code: "MUG", name: "Mug", quantity: .one, unitPrice: ValueLimits.maxMoney)
        }
        quote.payments = []
        #expect(throws: ClientError.refused(.invalidRequest(field: "items", reason: "subtotal 10000000000000 above 1000000000000"))) {
            try terminal.quote(quote)
        }
        quote.items = [quote.items[0]]
        #expect(throws: ClientError.refused(.invalidRequest(field: "items[0]", reason: "earns more than 1000000000000 points"))) {
            try terminal.purchase(quote)
        }
        _ = try daemon.terminal().ping()
    }

    /// Defects 2 and 3: 8,016 espressos (1,002 cards of 8) and 150,000 (the writer was busy ~21 s, the 5.3 MB answer
    /// never arrived). Both answer a small receipt, and resend and `status` give it back byte for byte.
    @Test(arguments: [Int64(8_016), 150_000]) func hugeQuantitiesAnswerAndReadBack(cups: Int64) throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let terminal = try daemon.terminal()
        let request = Self.espressos("T\(cups)", cups: cups)
        let receipt = try terminal.purchase(request)
        #expect(receipt.members[0].punches.count == 1)
        #expect(receipt.members[0].punches[0].rewardsCompleted == ValueLimits.maxRewardsPerPurchase)
        let resent = try terminal.purchase(request)
        #expect(resent.replay)
        var plain = resent
        plain.replay = false
        #expect(StoredJSON.encode(plain) == StoredJSON.encode(receipt))
        let status = try terminal.status(transactionId: request.transactionId)
        #expect(status.receipt == resent)
        let office = try daemon.operatorClient()
        guard case .purchases(let page) = try office.perform(.purchaseList(PurchaseQuery())) else { Issue.record("expected purchases"); return }
        #expect(page.purchases.map(\.currency) == ["EUR"])
    }

    /// Operator ops at the maxima: a wallet adjustment to exactly 10^12 passes, one more is refused naming `delta`;
    /// `benefit.action send/punch` at their maximum counts work.
    @Test func walletAndBenefitActionsAtTheMaxima() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let office = try daemon.operatorClient()
        let anna = try daemon.terminal().identify([MemberIdentifier(kind: .memberKey, value: "M00000001")])[0]
        let room = ValueLimits.maxBalance - anna.balance.points - anna.balance.pendingPoints
        _ = try office.perform(.walletAdjust(WalletAdjust(adjustmentId: "A1", memberKey: "M00000001", wallet: .points, delta: room, reason: "max")))
        #expect(throws: ClientError.refused(.invalidRequest(field: "delta", reason: "the wallet would hold more than 1000000000000"))) {
            try office.perform(.walletAdjust(WalletAdjust(adjustmentId: "A2", memberKey: "M00000001", wallet: .points, delta: 1, reason: "past")))
        }
        // A purchase that would earn past the bound is refused naming the member; nothing is written.
        #expect(throws: ClientError.refused(.invalidRequest(field: "members[0]", reason: "earning 2 points would take the wallet above 1000000000000"))) {
            try daemon.terminal().purchase(Self.espressos("T1", cups: 1, price: 100))
        }
        #expect(try daemon.terminal().status(transactionId: "T1").state == .unknown)
        guard case .benefits(let sent) = try office.perform(.benefitAction(BenefitAction(memberKey: "M00000002", action: .send, templateId: "COFFEE_CARD", count: 100))) else {
            Issue.record("expected benefits"); return
        }
        #expect(sent.benefits.count == 100)
        _ = try office.perform(.benefitAction(BenefitAction(memberKey: "M00000002", action: .punch, benefitId: sent.benefits[0].benefitId, count: 8)))
        _ = try daemon.terminal().ping()
    }
}
