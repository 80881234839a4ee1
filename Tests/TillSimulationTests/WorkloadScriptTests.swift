import Foundation
import Testing
import TillCore
import TillProtocol
@testable import TillSimulation

@Suite struct ScenarioMixTests {
    @Test func presetsAndCustomMixesParse() throws {
        #expect(try ScenarioMix(parsing: "standard") == ScenarioMix.standard)
        let mix = try ScenarioMix(parsing: "purchase=3,identify=1,void=0")
        #expect(mix.total == 4 && mix.weight(of: .identify) == 1 && mix.weight(of: .retry) == 0)
        #expect(throws: ScenarioMix.ParseError.unknownScenario("bogus")) { try ScenarioMix(parsing: "bogus=1") }
        #expect(throws: ScenarioMix.ParseError.badWeight(scenario: "purchase", value: "x")) { try ScenarioMix(parsing: "purchase=x") }
        #expect(throws: ScenarioMix.ParseError.empty) { try ScenarioMix(parsing: "purchase=0") }
    }

    /// The ledger counts scenarios by `ordinal`: each scenario's own position, so the counts come back under their names.
    @Test func ordinalsArePositionsInAllCases() {
        #expect(Scenario.allCases.map(\.ordinal) == Array(Scenario.allCases.indices))
        let ledger = LoopLedger()
        ledger.scenarioCounts[Scenario.retry.ordinal] += 2
        ledger.scenarioCounts[Scenario.purchase.ordinal] += 1
        #expect(ledger.scenarios == [.retry: 2, .purchase: 1])
    }

    @Test func pickFollowsTheWeights() throws {
        let mix = try ScenarioMix(parsing: "purchase=3,identify=1")
        var random = SeededRandom(seed: 5)
        var counts: [Scenario: Int] = [:]
        for _ in 0..<4_000 { counts[mix.pick(using: &random), default: 0] += 1 }
        #expect(counts.count == 2)
        #expect((2_800...3_200).contains(counts[.purchase] ?? 0))
    }
}

@Suite struct BasketBuilderTests {
    let builder = BasketBuilder(population: Population(count: 100), workingSet: 10)

    @Test func paymentsAddUpToTheTotal() {
        var random = SeededRandom(seed: 3)
        for i in 0..<300 {
            var body = builder.purchase(id: "T\(i)", openedAt: Timestamp(millisecondsSinceEpoch: 0), members: [], using: &random)
            let total = BasketBuilder.total(of: body)
            if !body.payments.isEmpty { #expect(body.payments.reduce(0) { $0 + $1.amount } == total) }
            builder.payPart(of: &body, from: i % 2 == 0 ? .points : .credit, maximum: 500, using: &random)
            if total > 0 {
                #expect(body.payments.reduce(0) { $0 + $1.amount } == total)
                #expect(body.payments[0].amount <= 500 && [.points, .credit].contains(body.payments[0].means))
            }
        }
    }

    @Test func membersComeFromTheWorkingSetAndAreDistinct() {
        var random = SeededRandom(seed: 4)
        for _ in 0..<100 {
            let chosen = builder.members(3, using: &random)
            #expect(Set(chosen).count == 3 && chosen.allSatisfy { (0..<10).contains($0) })
        }
    }

    @Test func giftBasketsHoldAnEspressoAndNoPayments() {
        var random = SeededRandom(seed: 8)
        var body = builder.purchase(id: "T", openedAt: Timestamp(millisecondsSinceEpoch: 0), members: [], using: &random)
        builder.prepareForGift(&body)
        #expect(body.items.contains { $0.code == "SKU-0001" })
        #expect(BasketBuilder.net(body.items) >= 3_000 && body.payments.isEmpty)
        #expect(Set(body.items.map(\.lineId)).count == body.items.count)
    }
}

@Suite struct TerminalWorkloadTests {
    static let builder = BasketBuilder(population: Population(count: 50), workingSet: 50)
    let now: Int64 = 1_780_000_000_000

    func workload(_ mix: String, seed: UInt64 = 1) throws -> TerminalWorkload {
        TerminalWorkload(terminalIndex: 7, runId: "r1", mix: try ScenarioMix(parsing: mix), builder: Self.builder, seed: seed)
    }

    /// Acknowledges every purchase with a receipt built from the body.
    func answer(_ planned: PlannedRequest, replay: Bool = false) -> Result<Response, TillError> {
        switch planned.request {
        case .purchase(let body):
            return .success(.purchase(Receipt(
                terminal: TerminalIdentity(branchId: "B", posId: "P"), transactionId: body.transactionId, openedAt: body.openedAt,
                currency: "EUR", subtotal: BasketBuilder.total(of: body), itemDiscounts: 0, orderDiscount: 0, benefitDiscounts: 0, tax: 0,
                total: BasketBuilder.total(of: body), payments: [], members: [], redemptions: [], replay: replay)))
        case .identify(let body):
            return .success(.identify(IdentifyResult(members: body.identifiers.map {
                IdentifiedMember(memberKey: $0.value, firstName: nil, status: .active, balance: WalletBalance(points: 0, pendingPoints: 0, credit: 0),
                                 benefits: [BenefitSummary(benefitId: "G1", name: "gift", kind: .gift, status: .active, validFrom: nil, validUntil: nil)])
            })))
        case .void(let body):
            return .success(.void(ReversalReceipt(kind: .void, reversalId: body.voidId, transactionId: body.transactionId, amount: 0, members: [])))
        case .return(let body):
            return .success(.return(ReversalReceipt(kind: .return, reversalId: body.returnId, transactionId: body.transactionId, amount: 0, members: [])))
        default:
            return .failure(.transactionNotFound(transactionId: "x"))
        }
    }

    @Test func sameSeedSameScript() throws {
        var a = try workload("standard")
        var b = try workload("standard")
        for _ in 0..<300 {
            let x = a.next(nowMilliseconds: now)
            let y = b.next(nowMilliseconds: now)
            #expect(x.request == y.request)
            _ = a.completed(x, outcome: answer(x), nowMilliseconds: now)
            _ = b.completed(y, outcome: answer(y), nowMilliseconds: now)
        }
    }

    @Test func reversalsOnlyTouchAcknowledgedPurchasesAndNeverOverReturn() throws {
        var w = try workload("purchase=2,void=1,return=3,retry=1,status=1")
        var acknowledged: [String: PurchaseRequest] = [:]
        var voided: Set<String> = []
        var returned: [String: Int64] = [:]
        var ids: Set<String> = []
        for _ in 0..<2_000 {
            let p = w.next(nowMilliseconds: now)
            switch p.request {
            case .purchase(let body) where p.firstReceipt == nil:
                #expect(ids.insert(body.transactionId).inserted)
                acknowledged[body.transactionId] = body
            case .purchase(let body):
                #expect(acknowledged[body.transactionId] == body, "a retry resends the identical body")
            case .void(let body):
                #expect(acknowledged[body.transactionId] != nil && !voided.contains(body.transactionId))
                #expect(ids.insert(body.voidId).inserted)
                voided.insert(body.transactionId)
            case .return(let body):
                let original = try #require(acknowledged[body.transactionId])
                #expect(!voided.contains(body.transactionId))
                for line in body.lines {
                    let key = body.transactionId + "#" + line.lineId
                    returned[key, default: 0] += line.quantity.thousandths
                    let bought = original.items.first { $0.lineId == line.lineId }!.quantity.thousandths
                    #expect(line.quantity.thousandths > 0 && returned[key]! <= bought)
                }
            default: break
            }
            let outcome = p.firstReceipt != nil ? answer(p, replay: true) : answer(p)
            #expect(w.completed(p, outcome: outcome, nowMilliseconds: now) != .violation(""))
        }
        #expect(!voided.isEmpty && !returned.isEmpty)
    }

    /// A mix that never goes back to a purchase keeps none; one that does keeps the last sixteen to go back to.
    @Test func purchasesAreRememberedOnlyWhenTheMixRevisitsThem() throws {
        #expect(!ScenarioMix.presets["purchases"]!.revisitsPurchases && !ScenarioMix.presets["identify"]!.revisitsPurchases)
        #expect(ScenarioMix.standard.revisitsPurchases && ScenarioMix.presets["writes"]!.revisitsPurchases)
        for (mix, kept) in [("purchases", 0), ("purchase=1,anonymous=1,dup=1", 0), ("purchase=9,status=1", 16), ("purchase=9,retry=1", 16)] {
            var w = try workload(mix)
            for _ in 0..<100 {
                let p = w.next(nowMilliseconds: now)
                #expect(w.completed(p, outcome: answer(p, replay: p.firstReceipt != nil), nowMilliseconds: now) != .violation(""))
            }
            #expect(w.posted.count == kept, "\(mix)")
        }
    }

    @Test func aRetryMustBeAnIdenticalReplay() throws {
        var w = try workload("purchase=1,retry=1")
        var sawRetry = false
        for _ in 0..<200 {
            let p = w.next(nowMilliseconds: now)
            guard p.firstReceipt != nil else { _ = w.completed(p, outcome: answer(p), nowMilliseconds: now); continue }
            sawRetry = true
            #expect(w.completed(p, outcome: answer(p, replay: true), nowMilliseconds: now) == .ok)
            if case .violation = w.completed(p, outcome: answer(p, replay: false), nowMilliseconds: now) {} else { Issue.record("a first receipt for a retry") }
            guard case .success(.purchase(var other)) = answer(p, replay: true) else { continue }
            other.total += 1
            if case .violation = w.completed(p, outcome: .success(.purchase(other)), nowMilliseconds: now) {} else { Issue.record("a differing replay") }
            if case .violation = w.completed(p, outcome: .failure(.transactionConflict(field: .transactionId, id: "x")), nowMilliseconds: now) {} else {
                Issue.record("a conflict on a retry")
            }
        }
        #expect(sawRetry)
    }

    @Test func giftScenarioIdentifiesThenRedeems() throws {
        var w = try workload("gift=1")
        let identify = w.next(nowMilliseconds: now)
        guard case .identify = identify.request else { Issue.record("gift starts with identify"); return }
        _ = w.completed(identify, outcome: answer(identify), nowMilliseconds: now)
        let purchase = w.next(nowMilliseconds: now)
        guard case .purchase(let body) = purchase.request else { Issue.record("then a purchase"); return }
        #expect(body.redemptions == ["G1"] && body.items.contains { $0.code == "SKU-0001" })
    }

    @Test func offlineBurstsAreOpenedHoursAgo() throws {
        var w = try workload("offline=1")
        for _ in 0..<40 {
            let p = w.next(nowMilliseconds: now)
            guard case .purchase(let body) = p.request else { Issue.record("offline bursts are purchases"); return }
            #expect(body.openedAt.millisecondsSinceEpoch <= now - 3_600_000 + 20 * 97_000)
            #expect(body.openedAt.millisecondsSinceEpoch >= now - 48 * 3_600_000)
        }
    }

    @Test func businessRefusalsAreExpectedOthersAreViolations() {
        let p = PlannedRequest(label: "purchase", request: .ping, scenario: .pointsPayment)
        #expect(TerminalWorkload.assess(.insufficientBalance(field: "payments[0]", wallet: .points, requested: 5, available: 1), planned: p)
                == .expectedRefusal("insufficient_balance"))
        if case .violation = TerminalWorkload.assess(.invalidRequest(field: "items", reason: "x"), planned: p) {} else { Issue.record("invalid_request") }
    }
}
