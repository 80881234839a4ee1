import Testing
@testable import TillCore

/// SplitMix64: a tiny seeded PRNG so property tests replay exactly from their seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &self) }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}

let t0 = Timestamp(millisecondsSinceEpoch: 1_790_000_000_000)
let till = TerminalIdentity(branchId: "B1", posId: "P1")
let day: Int64 = 86_400_000

func at(days: Int64) -> Timestamp { t0.adding(days: days) }

/// The settings and catalog of the worked examples in docs/rules.md.
let shopSettings = LoyaltySettings(
    currency: "EUR", defaultPhoneCountry: "DE",
    earn: EarningRule(
        pointsPer: 1, perMinor: 100, departmentPercent: ["BAKERY": 200], excludedDepartments: ["TOBACCO"],
        excludedItems: ["GIFTCARD"]),
    budget: BudgetRule(pointsEnabled: true, creditEnabled: true, ratioPoints: 100, ratioMoney: 50, minAmount: 100, maxAmount: 5000))

let shopCatalog = BenefitCatalog(
    gifts: [
        GiftRule(id: "FIVE", name: "5 EUR off", reward: .amountOff(500)),
        GiftRule(id: "TEN_PCT", name: "10% off, max 2 EUR", reward: .percentOff(percent: 10, cap: 200)),
        GiftRule(id: "FREE_DRINK", name: "Free drink", reward: .freeItem(codes: ["COF", "CAK"], departments: [])),
        GiftRule(id: "HALF_COFFEE", name: "Half-price coffee", reward: .itemDiscount(code: "COF", percent: 50)),
        GiftRule(id: "BIG_SPENDER", name: "5 EUR off 30 EUR", reward: .amountOff(500), minSpend: 3000),
        GiftRule(id: "MUG_DEAL", name: "2 EUR off with a mug", reward: .amountOff(200), requiredItemCode: "MUG"),
        GiftRule(id: "FREE_COFFEE", name: "Free coffee", reward: .freeItem(codes: ["COF"], departments: []), validDays: 30),
    ],
    punchCards: [
        PunchCardRule(
            id: "COFFEE_CARD", name: "Coffee card", codes: ["COF"], mode: .perUnit, punchesRequired: 5,
            rewardGiftTemplateId: "FREE_COFFEE", renew: true, autoEnroll: true)
    ])

func line(_ id: String, _ code: String, qty: Int64, price: MinorUnits, discount: MinorUnits = 0, dept: String? = nil) -> LineItem {
    LineItem(lineId: id, code: code, name: code, department: dept, quantity: Quantity(thousandths: qty), unitPrice: price, discount: discount)
}

func request(
    _ id: String, items: [LineItem], members: [String] = [], orderDiscount: MinorUnits = 0, tax: MinorUnits = 0,
    payments: [Payment] = [], redemptions: [String] = []
) -> PurchaseRequest {
    PurchaseRequest(
        transactionId: id, openedAt: t0, members: members.map { MemberIdentifier(kind: .memberKey, value: $0) }, items: items,
        orderDiscount: orderDiscount, tax: tax, payments: payments, redemptions: redemptions, currency: "EUR")
}

/// An in-memory store: the ledger and benefit rows, with balances derived from the ledger like the real store.
struct World {
    var profiles: [Int64: MemberAccount] = [:]
    var ledger: [LedgerEntry] = []
    var consumedCodes: Set<String> = []

    mutating func add(_ account: MemberAccount) {
        var profile = account
        profile.points = 0
        profile.pending = []
        profile.credit = 0
        profiles[account.id] = profile
        if account.points != 0 { ledger.append(LedgerEntry(memberId: account.id, wallet: .points, delta: account.points, kind: .adjust)) }
        if account.credit != 0 { ledger.append(LedgerEntry(memberId: account.id, wallet: .credit, delta: account.credit, kind: .adjust)) }
        for p in account.pending {
            ledger.append(LedgerEntry(memberId: account.id, wallet: .points, delta: p.points, kind: .adjust, availableAt: p.availableAt))
        }
    }

    func account(_ id: Int64, now: Timestamp) -> MemberAccount {
        var a = profiles[id]!
        a.setBalances(from: ledger, now: now)
        return a
    }

    func key(_ key: String) -> Int64 { profiles.values.first { $0.memberKey == key }!.id }

    func matches(_ r: PurchaseRequest, now: Timestamp) -> [MemberMatch] {
        r.members.map { ident in
            MemberMatch(account: profiles.values.first { $0.memberKey == ident.value }.map { account($0.id, now: now) })
        }
    }

    func accounts(_ record: PurchaseRecord, now: Timestamp) -> [MemberAccount] { record.memberIds.map { account($0, now: now) } }

    mutating func apply(_ changes: LoyaltyChanges) {
        for n in changes.benefitsIssued {
            #expect(!profiles[n.memberId]!.benefits.contains { $0.id == n.benefit.id }, "benefit ids are unique")
            profiles[n.memberId]!.benefits.append(n.benefit)
        }
        for u in changes.benefitUpdates {
            let i = profiles[u.memberId]!.benefits.firstIndex { $0.id == u.benefitId }!
            profiles[u.memberId]!.benefits[i].status = u.status
            profiles[u.memberId]!.benefits[i].punches = u.punches
            profiles[u.memberId]!.benefits[i].usedIn = u.usedIn
        }
        ledger += changes.ledger
        for c in changes.appCodesConsumed { consumedCodes.insert(c) }
    }

    mutating func purchase(_ r: PurchaseRequest, now: Timestamp = t0) throws -> PurchaseEvaluation {
        let e = try LoyaltyRules.purchase(r, terminal: till, matches: matches(r, now: now), catalog: shopCatalog, settings: shopSettings, now: now)
        apply(e.changes)
        return e
    }
}

func points(_ e: PurchaseEvaluation, _ key: String) -> ReceiptMember? { e.receipt.members.first { $0.memberKey == key } }
