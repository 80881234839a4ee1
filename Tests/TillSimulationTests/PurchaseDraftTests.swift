import Testing
import TillCore
import TillProtocol
@testable import TillSimulation

/// The simulator's purchases written straight from their drawn baskets (`PurchaseDraft`) against the protocol's
/// encoder of the `PurchaseRequest` they stand for, and against the builder as it drew purchases before drafts.
@Suite struct PurchaseDraftTests {
    static let builder = BasketBuilder(population: Population(count: 100_000), workingSet: 100_000)

    /// `BasketBuilder.purchase` and `ShopCatalog.basket` as they were before drafts (line items built per draw), kept
    /// here as the reference the drafts' draws must reproduce.
    static func referencePurchase(id: String, openedAt: Timestamp, members: [MemberIdentifier], using random: inout SeededRandom) -> PurchaseRequest {
        let catalog = builder.catalog
        let lines = random.chance(70) ? random.int(1...6) : random.int(1...30)
        var items: [LineItem] = []
        for line in 1...lines {
            let article = catalog.articles[random.int(0...(catalog.articles.count - 1))]
            let quantity = article.weighed
                ? Quantity(thousandths: Int64(random.int(50...2_500)))
                : Quantity(units: Int64(random.chance(80) ? 1 : random.int(2...4)))
            let gross = (quantity.thousandths * article.unitPrice + 500) / 1000
            let discount: MinorUnits = random.chance(10) ? gross / 10 : 0
            items.append(LineItem(lineId: String(line), code: article.code, name: article.name, department: article.department,
                                  quantity: quantity, unitPrice: article.unitPrice, discount: discount, tags: article.weighed ? ["weighed"] : []))
        }
        var request = PurchaseRequest(
            transactionId: id, openedAt: openedAt, orderType: random.chance(85) ? .inStore : .takeaway,
            employee: random.chance(50) ? "E\(random.int(1...40))" : nil, members: members, items: items, currency: "EUR")
        let net = items.reduce(0) { $0 + ($1.quantity.thousandths * $1.unitPrice + 500) / 1000 - $1.discount }
        if random.chance(5) && net > 500 { request.orderDiscount = 100 }
        if random.chance(60) {
            request.payments = [Payment(means: random.chance(70) ? .card : .cash, amount: net - request.orderDiscount)]
        }
        return request
    }

    static func members(_ seed: UInt64, _ random: inout SeededRandom) -> [MemberIdentifier] {
        builder.members(Int(seed % 4), using: &random).map { builder.identifier(for: $0, using: &random) }
    }

    @Test func aDraftsFrameIsTheCodecsFrameOfItsRequest() {
        let codec = ClientCodec()
        var sawWeighed = false, sawDiscount = false, sawOrderDiscount = false, sawLong = false
        var payments: Set<Int> = [], employees: Set<Bool> = []
        for seed in 0..<3_000 as Range<UInt64> {
            var random = SeededRandom(seed: seed)
            let ids = Self.members(seed, &random)
            let draft = Self.builder.draft(id: "run-\(seed)-T\(seed)", openedAt: Timestamp(millisecondsSinceEpoch: 1_764_000_000_000 + Int64(seed) * 997),
                                           members: ids, using: &random)
            let planned = PlannedRequest(label: "purchase", body: .draft(draft), scenario: .purchase)
            var direct: [UInt8] = [9, 9], reference: [UInt8] = [9, 9]  // appended to what the buffer holds
            planned.encode(id: Int64(seed) + 1, with: codec, into: &direct)
            codec.encodeRequest(id: .int(Int64(seed) + 1), .purchase(draft.request), into: &reference)
            #expect(direct == reference, "seed \(seed): \(String(decoding: direct.dropFirst(6), as: UTF8.self))")
            let request = draft.request
            sawWeighed = sawWeighed || request.items.contains { !$0.tags.isEmpty }
            sawDiscount = sawDiscount || request.items.contains { $0.discount > 0 }
            sawOrderDiscount = sawOrderDiscount || request.orderDiscount > 0
            sawLong = sawLong || request.items.count > 20
            payments.insert(request.payments.count)
            employees.insert(request.employee != nil)
        }
        #expect(sawWeighed && sawDiscount && sawOrderDiscount && sawLong && payments == [0, 1] && employees == [false, true])
    }

    @Test func draftsDrawWhatTheBuilderDrewBefore() {
        for seed in 0..<2_000 as Range<UInt64> {
            var a = SeededRandom(seed: seed), b = SeededRandom(seed: seed)
            let at = Timestamp(millisecondsSinceEpoch: 1_764_000_000_000)
            let draft = Self.builder.draft(id: "T\(seed)", openedAt: at, members: Self.members(seed, &a), using: &a)
            let reference = Self.referencePurchase(id: "T\(seed)", openedAt: at, members: Self.members(seed, &b), using: &b)
            #expect(draft.request == reference, "seed \(seed)")
            #expect(a.int(0...1_000_000) == b.int(0...1_000_000), "seed \(seed): the draws after the purchase differ")
        }
    }

    /// A workload that takes back the arrays of each finished purchase (`recycle`, as a terminal does after the final
    /// answer) plans and writes exactly the requests of one that never does, frames and drawn values alike, whether or
    /// not the mix keeps purchases (a kept purchase shares its arrays with the spare ones until they are reused), and
    /// the requests it handed out earlier keep their bytes.
    @Test(arguments: ["purchases", "standard"]) func recycledArraysChangeNoRequest(mix: String) throws {
        let mix = try ScenarioMix(parsing: mix)
        var recycling = TerminalWorkload(terminalIndex: 9, runId: "r", mix: mix, builder: Self.builder, seed: 11)
        var plain = TerminalWorkload(terminalIndex: 9, runId: "r", mix: mix, builder: Self.builder, seed: 11)
        var earlier: [(id: Int64, planned: PlannedRequest, frame: [UInt8])] = []
        let codec = ClientCodec()
        for n in 0..<600 {
            let now = 1_764_000_000_000 + Int64(n) * 1_000
            let a = recycling.next(nowMilliseconds: now), b = plain.next(nowMilliseconds: now)
            var frameA: [UInt8] = [], frameB: [UInt8] = []
            a.encode(id: Int64(n), with: codec, into: &frameA)
            b.encode(id: Int64(n), with: codec, into: &frameB)
            #expect(frameA == frameB, "request \(n)")
            if case .draft(let draft) = a.body {
                let receipt = Receipt(terminal: TerminalIdentity(branchId: "B", posId: "P"), transactionId: draft.transactionId, openedAt: draft.openedAt,
                                      currency: "EUR", subtotal: 0, itemDiscounts: 0, orderDiscount: 0, benefitDiscounts: 0, tax: 0, total: 0,
                                      payments: [], members: [], redemptions: [])
                _ = recycling.completed(a, outcome: .success(.purchase(receipt)), nowMilliseconds: now)
                _ = plain.completed(b, outcome: .success(.purchase(receipt)), nowMilliseconds: now)
            }
            if n % 50 == 0 { earlier.append((Int64(n), a, frameA)) }
            recycling.recycle(a)
        }
        for (id, planned, frame) in earlier {
            var again: [UInt8] = []
            planned.encode(id: id, with: codec, into: &again)
            #expect(again == frame, "request \(id) written again")
        }
        #expect(recycling.sequence == plain.sequence)
    }

    /// A drafted purchase is judged as the request it stands for: kept for later scenarios when the mix revisits
    /// purchases, its refusals assessed by code.
    @Test func aDraftedPurchaseIsJudgedAsItsRequest() throws {
        var workload = TerminalWorkload(terminalIndex: 3, runId: "r", mix: .standard, builder: Self.builder, seed: 5)
        var planned = workload.next(nowMilliseconds: 1_764_000_000_000)
        while case .request = planned.body { planned = workload.next(nowMilliseconds: 1_764_000_000_000) }
        guard case .draft(let draft) = planned.body else { return }
        let receipt = Receipt(terminal: TerminalIdentity(branchId: "B", posId: "P"), transactionId: draft.transactionId, openedAt: draft.openedAt,
                              currency: "EUR", subtotal: 0, itemDiscounts: 0, orderDiscount: 0, benefitDiscounts: 0, tax: 0, total: 0,
                              payments: [], members: [], redemptions: [])
        #expect(workload.completed(planned, outcome: .success(.purchase(receipt)), nowMilliseconds: 0) == .ok)
        #expect(workload.posted.count == 1 && workload.posted[0].request == draft.request)
        #expect(workload.completed(planned, outcome: .failure(.insufficientBalance(field: "payments", wallet: .points, requested: 1, available: 0)), nowMilliseconds: 0)
                == .expectedRefusal("insufficient_balance"))
        if case .violation = workload.completed(planned, outcome: .failure(.transactionConflict(field: .transactionId, id: draft.transactionId)), nowMilliseconds: 0) {} else {
            Issue.record("a conflict on a drafted purchase is not a violation")
        }
    }
}
