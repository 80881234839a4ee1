// libFuzzer target: frame decoder + request and response decoding, with round-trip checks, and every decoded
// purchase, quote, void and return fed to the loyalty rules with values pushed to the documented limits.
// Built by .ci/fuzz-smoke with `swiftc -sanitize=fuzzer,address -parse-as-library` together with the TillCore
// and TillProtocol sources as one module (SwiftPM cannot build fuzz targets).

/// Any input: (1) fed to the frame decoder in pieces whose sizes come from the input itself; (2) decoded as a
/// request payload (the direct decoder checked against the tape decoder) and, when accepted, re-encoded, re-decoded
/// and compared; (3) decoded as a response payload (the direct receipt decoder checked against the tape decoder, the
/// check without a receipt against the direct decoder) and,
/// when accepted, re-encoded and compared. A mismatch traps,
/// which libFuzzer reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzFraming(bytes)
    fuzzRequest(bytes)
    fuzzResponse(bytes)
    return 0
}

private func fuzzFraming(_ bytes: [UInt8]) {
    var decoder = FrameDecoder(maxFrameSize: 4096)
    var at = 0
    var step = 1
    while at < bytes.count {
        let n = min(bytes.count - at, step)
        do { try decoder.append(bytes[at..<at + n]) } catch { break }
        precondition(decoder.bufferedByteCount <= 4096 + 4)
        while let frame = decoder.nextFrame() {
            precondition(!frame.isEmpty && frame.count <= 4096)
            fuzzRequest(frame)
        }
        at += n
        step = Int(bytes[at - 1] % 64) + 1
    }
}

private func fuzzRequest(_ bytes: [UInt8]) {
    let server = ServerCodec()
    let client = ClientCodec()
    // The single-pass decoder never accepts what the tape decoder refuses, nor decodes differently.
    if let direct = server.decodeDirect(bytes) {
        precondition(server.decodeWithTape(bytes) == .success(direct), "direct decoder accepted what the tape decoder reads otherwise")
    }
    guard case .success(let env) = server.decodeRequest(bytes) else { return }
    let frame = client.encodeRequest(env)
    guard case .success(let again) = server.decodeRequest(frame[4...]) else { preconditionFailure("re-encoded request refused") }
    precondition(again == env, "request round trip changed the value")
    precondition(client.encodeRequest(again) == frame, "request encoding not canonical")
    if let fp = Fingerprint.of(env.request) { precondition(Fingerprint.of(again.request) == fp) }
    fuzzRules(env.request, bytes)
}

/// A decoded request through the rules: settings, catalog, balances and (half the time) the request's own values are
/// chosen from the edges of the documented limits by a generator seeded with the input. Every call must either
/// answer or throw a `TillError` (a trap is a crash); an answer keeps the receipt identity, the money bound and the
/// wallet bound, and the purchase it describes reverses (void, return) without a trap either.
private func fuzzRules(_ request: Request, _ bytes: [UInt8]) {
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
    for b in bytes { seed = (seed ^ UInt64(b)) &* 0x100_0000_01B3 }
    func pick<T>(_ choices: [T]) -> T {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return choices[Int(seed >> 33) % choices.count]
    }
    let money = ValueLimits.maxMoney, balance = ValueLimits.maxBalance
    let settings = LoyaltySettings(
        currency: "EUR",
        earn: EarningRule(pointsPer: pick([1, 1_000_000, .max]), perMinor: pick([1, 100, 1_000_000_000]),
                          departmentPercent: ["coffee": pick([100, 200, 1_000_000, .max])]),
        budget: BudgetRule(pointsEnabled: true, creditEnabled: true, ratioPoints: pick([1, 100, 1_000_000]),
                           ratioMoney: pick([1, 100, 1_000_000]), minAmount: 1, maxAmount: pick([1_000_000, money])),
        pendingDays: pick([0, 14]))
    let catalog = BenefitCatalog(
        gifts: [GiftRule(id: "G", name: "g", reward: .percentOff(percent: 100, cap: nil)),
                GiftRule(id: "F", name: "f", reward: .freeItem(codes: ["A"], departments: ["coffee"]), validDays: 30)],
        punchCards: [PunchCardRule(id: "P", name: "p", codes: ["A"], departments: ["coffee"], mode: pick([.perUnit, .perPurchase]),
                                   punchesRequired: pick([1, 8, 1000]), rewardGiftTemplateId: "F", renew: pick([true, false]))])
    let now = Timestamp(millisecondsSinceEpoch: 1_790_000_000_000)
    func account(_ i: Int, key: String) -> MemberAccount {
        let held = pick([0, 1, balance - 1, balance])
        return MemberAccount(id: Int64(i + 1), memberKey: key, points: held, credit: pick([0, held]),
                             benefits: [HeldBenefit(id: "B\(i)", templateId: "G", kind: .gift),
                                        HeldBenefit(id: "C\(i)", templateId: "P", kind: .punchCard, punches: pick([0, 7, 999]))])
    }
    let terminal = TerminalIdentity(branchId: "B", posId: "P")
    var purchase: PurchaseRequest
    switch request {
    case .purchase(let p), .quote(let p): purchase = p
    case .void(let v): purchase = PurchaseRequest(transactionId: v.transactionId, openedAt: now, items: [], currency: "EUR")
    case .return(let r): purchase = PurchaseRequest(transactionId: r.transactionId, openedAt: now, items: [], currency: "EUR")
    default: return
    }
    purchase.currency = "EUR"
    if purchase.items.isEmpty {
        purchase.items = [LineItem(lineId: "1", code: "A", name: "a", quantity: .one, unitPrice: 1)]
    }
    if pick([true, false]) {
        for i in purchase.items.indices {
            purchase.items[i].quantity = Quantity(thousandths: pick([1, 999, 1000, ValueLimits.maxQuantityThousandths - 1, ValueLimits.maxQuantityThousandths,
                                                                     ValueLimits.maxQuantityThousandths + 1]))
            purchase.items[i].unitPrice = pick([0, 1, 1_000_000, money / Int64(purchase.items.count), money - 1, money])
            purchase.items[i].department = pick([nil, "coffee"])
            purchase.items[i].discount = 0
        }
        purchase.tax = pick([0, 1, money])
        purchase.orderDiscount = 0
        purchase.payments = pick([[], [Payment(means: pick([.points, .credit]), amount: pick([1, money]))]])
        purchase.redemptions = pick([[], ["B0"], ["B0", "B1"]])
    }
    let keys = purchase.members.indices.map { "M\($0)" }
    purchase.members = keys.map { MemberIdentifier(kind: .memberKey, value: $0) }
    let accounts = keys.enumerated().map { account($0.offset, key: $0.element) }
    let matches = accounts.map { MemberMatch(account: $0) }
    _ = try? LoyaltyRules.quote(purchase, terminal: terminal, matches: matches, catalog: catalog, settings: settings, now: now)
    guard let e = try? LoyaltyRules.purchase(purchase, terminal: terminal, matches: matches, catalog: catalog, settings: settings, now: now)
    else { return }
    let t = e.receipt
    precondition(t.total == t.subtotal - t.itemDiscounts - t.orderDiscount - t.benefitDiscounts + t.tax, "receipt identity")
    precondition(t.total >= 0 && t.total <= money, "total within the money bound")
    for m in t.members {
        precondition(m.balance.points + m.balance.pendingPoints <= balance && m.balance.credit <= balance, "wallet bound")
        precondition(m.punches.count <= catalog.punchCards.count, "one punch entry per template")
    }
    var after = accounts
    for i in after.indices where i < e.receipt.members.count {
        after[i].benefits += e.changes.benefitsIssued.filter { $0.memberId == after[i].id }.map(\.benefit)
        after[i].points = e.receipt.members[i].balance.points
        after[i].credit = e.receipt.members[i].balance.credit
    }
    _ = try? LoyaltyRules.void(VoidRequest(voidId: "V", transactionId: purchase.transactionId), record: e.record, previouslyReturned: [],
                               members: after, catalog: catalog, now: now)
    let half = e.record.lines.map { ReturnLine(lineId: $0.lineId, quantity: Quantity(thousandths: max(1, $0.quantity.thousandths / 2))) }
    _ = try? LoyaltyRules.returnItems(ReturnRequest(returnId: "R", transactionId: purchase.transactionId, lines: half), record: e.record,
                                      previouslyReturned: [], members: after, catalog: catalog, now: now)
}

private func fuzzResponse(_ bytes: [UInt8]) {
    let server = ServerCodec()
    let client = ClientCodec()
    let direct = client.decodeDirect(bytes)
    if let direct {
        precondition((try? client.decodeWithTape(bytes)) == direct, "direct receipt decoder accepted what the tape decoder reads otherwise")
    }
    precondition(client.acknowledgedPurchase(bytes[...]) == direct?.id, "the receipt check without a receipt disagrees with the direct decoder")
    guard let env = try? client.decodeResponse(bytes) else { return }
    let frame = server.encodeResponse(env)
    guard let again = try? client.decodeResponse(frame[4...]) else { preconditionFailure("re-encoded response refused") }
    precondition(again == env, "response round trip changed the value")
}
