import TillCore
@testable import TillProtocol

/// The typed value behind every file in `protocol/examples/`: `<op>.request.json`, `<op>.response.json`,
/// `error.<code>.response.json`. The tests require this table and the folder to match exactly.
enum ExampleCatalog {
    typealias F = Fixtures
    static let serverTime = F.ts("2026-03-14T11:30:06.004Z")

    static let requests: [Op: Request] = [
        .hello: .hello(Hello(versions: [1], apiKey: "tk_live_3f9a1c0b7d2e4f60", client: "acme-pos/4.2")),
        .ping: .ping,
        .identify: .identify(IdentifyRequest(identifiers: [MemberIdentifier(kind: .phone, value: "+33612345678"), MemberIdentifier(kind: .card, value: "4000123412341234")])),
        .quote: .quote(F.purchase),
        .purchase: .purchase(F.purchase),
        .void: .void(F.voidRequest),
        .return: .return(F.returnRequest),
        .status: .status(StatusRequest(transactionId: F.purchase.transactionId)),
        .memberSearch: .operator(.memberSearch(MemberSearch(query: "martin", limit: 20))),
        .memberGet: .operator(.memberGet(MemberRef(memberKey: "M-7Q2K9"))),
        .memberCreate: .operator(.memberCreate(MemberCreate(fields: F.fields))),
        .memberUpdate: .operator(.memberUpdate(MemberUpdate(memberKey: "M-7Q2K9", fields: MemberFields(email: "camille.martin@example.com")))),
        .memberBlock: .operator(.memberBlock(MemberRef(memberKey: "M-7Q2K9", reason: "fraud suspicion"))),
        .memberUnblock: .operator(.memberUnblock(MemberRef(memberKey: "M-7Q2K9"))),
        .memberVerify: .operator(.memberVerify(MemberRef(memberKey: "M-7Q2K9"))),
        .memberTag: .operator(.memberTag(MemberTag(memberKey: "M-7Q2K9", tag: "vip"))),
        .memberUntag: .operator(.memberUntag(MemberTag(memberKey: "M-7Q2K9", tag: "vip"))),
        .memberNote: .operator(.memberNote(NoteAdd(memberKey: "M-7Q2K9", text: "Prefers oat milk"))),
        .memberConsent: .operator(.memberConsent(ConsentRecord(memberKey: "M-7Q2K9", channel: .sms, granted: true, at: F.ts("2026-01-05T10:00:00Z")))),
        .memberUnsubscribe: .operator(.memberUnsubscribe(Unsubscribe(memberKey: "M-7Q2K9", channel: .email))),
        .cardAdd: .operator(.cardAdd(CardChange(memberKey: "M-7Q2K9", card: "4000123412341234"))),
        .cardReplace: .operator(.cardReplace(CardChange(memberKey: "M-7Q2K9", card: "4000999988887777", oldCard: "4000123412341234"))),
        .appCodeIssue: .operator(.appCodeIssue(MemberRef(memberKey: "M-7Q2K9"))),
        .appCodeRevoke: .operator(.appCodeRevoke(AppCodeRef(code: "48213907"))),
        .memberExport: .operator(.memberExport(MemberRef(memberKey: "M-7Q2K9"))),
        .memberAnonymize: .operator(.memberAnonymize(MemberRef(memberKey: "M-7Q2K9", reason: "GDPR erasure request 2026-03-10"))),
        .memberImport: .operator(.memberImport(MemberImport(rows: "{\"firstName\":\"Lea\",\"phone\":\"+33611111111\"}\n{\"email\":\"x@example.com\",\"points\":50}\n"))),
        .benefitList: .operator(.benefitList(BenefitListQuery(memberKey: "M-7Q2K9", kind: .gift, availability: .active, name: "coffee"))),
        .benefitAction: .operator(.benefitAction(BenefitAction(memberKey: "M-7Q2K9", action: .send, templateId: "free-coffee", count: 2))),
        .walletAdjust: .operator(.walletAdjust(WalletAdjust(adjustmentId: "adj-0001", memberKey: "M-7Q2K9", wallet: .points, delta: -100, reason: "goodwill correction"))),
        .activityList: .operator(.activityList(ActivityQuery(memberKey: "M-7Q2K9", group: .purchase, before: F.ts("2026-03-15T00:00:00Z"), limit: 20))),
        .purchaseList: .operator(.purchaseList(PurchaseQuery(memberKey: "M-7Q2K9", state: .final, sort: .newest, limit: 20))),
        .purchaseGet: .operator(.purchaseGet(TicketRef(terminal: F.terminal, transactionId: F.purchase.transactionId))),
        .purchaseVoid: .operator(.purchaseVoid(OperatorVoid(terminal: F.terminal, request: F.voidRequest))),
        .purchaseReturn: .operator(.purchaseReturn(OperatorReturn(terminal: F.terminal, request: F.returnRequest))),
        .walletHistory: .operator(.walletHistory(WalletHistoryQuery(memberKey: "M-7Q2K9", wallet: .points, limit: 20))),
        .cardRemove: .operator(.cardRemove(CardChange(memberKey: "M-7Q2K9", card: "4000123412341234"))),
        .catalogGet: .operator(.catalogGet),
        .catalogSet: .operator(.catalogSet(F.catalog)),
        .terminalProvision: .operator(.terminalProvision(TerminalProvision(terminal: F.terminal, label: "front counter"))),
        .terminalDisable: .operator(.terminalDisable(KeyRef(keyId: "k-term-0007"))),
        .terminalList: .operator(.terminalList),
        .operatorProvision: .operator(.operatorProvision(OperatorProvision(name: "alice"))),
        .operatorDisable: .operator(.operatorDisable(KeyRef(keyId: "k-op-0002"))),
        .operatorList: .operator(.operatorList),
        .stats: .operator(.stats),
        .storeBackup: .operator(.storeBackup(BackupRequest(path: "/var/backups/till/till-2026-03-14.sqlite"))),
    ]

    static let responses: [Op: Response] = [
        .hello: .hello(HelloResult(version: 1, role: .terminal, terminal: F.terminal, operatorName: nil, maxFrameSize: 65536, serverTime: serverTime)),
        .ping: .pong(Pong(serverTime: serverTime)),
        .identify: .identify(IdentifyResult(members: [F.identified])),
        .quote: .quote(F.quote),
        .purchase: .purchase(F.receipt),
        .void: .void(F.voidReceipt),
        .return: .return(F.returnReceipt),
        .status: .status(F.ticket),
        .memberSearch: .operator(.members(MemberList(members: [MemberRow(memberKey: "M-7Q2K9", status: .active, firstName: "Camille", lastName: "Martin", phone: "+33612345678")]))),
        .memberGet: .operator(.member(F.profile)),
        .memberCreate: .operator(.member(F.profile)),
        .memberUpdate: .operator(.member(F.profile)),
        .memberBlock: .operator(.member({ var p = F.profile; p.status = .blocked; return p }())),
        .memberUnblock: .operator(.member(F.profile)),
        .memberVerify: .operator(.member(F.profile)),
        .memberTag: .operator(.member(F.profile)),
        .memberUntag: .operator(.member({ var p = F.profile; p.tags = []; return p }())),
        .memberNote: .operator(.member(F.profile)),
        .memberConsent: .operator(.member(F.profile)),
        .memberUnsubscribe: .operator(.member({ var p = F.profile; p.preferences.email = false; return p }())),
        .cardAdd: .operator(.member(F.profile)),
        .cardReplace: .operator(.member({ var p = F.profile; p.cards = ["4000999988887777"]; return p }())),
        .appCodeIssue: .operator(.appCode(AppCodeInfo(code: "48213907", memberKey: "M-7Q2K9", issuedAt: serverTime,
                                                      expiresAt: F.ts("2026-03-14T11:35:06.004Z"), state: .active))),
        .appCodeRevoke: .operator(.appCode(AppCodeInfo(code: "48213907", memberKey: "M-7Q2K9", issuedAt: serverTime,
                                                       expiresAt: F.ts("2026-03-14T11:35:06.004Z"), state: .revoked))),
        .memberExport: .operator(.export(DataExport(memberKey: "M-7Q2K9", generatedAt: serverTime, ndjson: "{\"type\":\"profile\",\"memberKey\":\"M-7Q2K9\"}\n"))),
        .memberAnonymize: .operator(.member(MemberProfile(memberKey: "M-7Q2K9", status: .anonymized, fields: MemberFields(), balance: WalletBalance(points: 0, pendingPoints: 0, credit: 0), createdAt: F.ts("2025-11-20T08:15:00Z")))),
        .memberImport: .operator(.imported(ImportResult(created: 1, updated: 0, errors: [ImportRowError(row: 2, field: "points", reason: "import of balances needs a memberKey")]))),
        .benefitList: .operator(.benefits(BenefitList(benefits: [F.benefits[0]]))),
        .benefitAction: .operator(.benefits(BenefitList(benefits: [
            BenefitSummary(benefitId: "G-001030", name: "Free coffee", kind: .gift, status: .active, validFrom: serverTime, validUntil: F.ts("2026-04-13T11:30:06.004Z")),
            BenefitSummary(benefitId: "G-001031", name: "Free coffee", kind: .gift, status: .active, validFrom: serverTime, validUntil: F.ts("2026-04-13T11:30:06.004Z")),
        ]))),
        .walletAdjust: .operator(.balance(WalletBalance(points: 1080, pendingPoints: 42, credit: 500))),
        .activityList: .operator(.activity(ActivityPage(entries: [
            ActivityEntry(at: serverTime, group: .purchase, kind: "purchase", summary: "Purchase of 34.00 EUR at b-012/pos-3, +42 points", source: .pos, terminal: F.terminal, transactionId: F.purchase.transactionId, openedAt: F.openedAt, pointsDelta: 42),
        ], nextCursor: "c2026-03-14T11:30:05.250Z#981"))),
        .purchaseList: .operator(.purchases(PurchasePage(purchases: [
            PurchaseRow(terminal: F.terminal, transactionId: F.purchase.transactionId, openedAt: F.openedAt, total: 3400, currency: "EUR", state: .final, memberKeys: ["M-7Q2K9"]),
        ], nextCursor: nil, lifetimeSpend: 48_250))),
        .purchaseGet: .operator(.ticket(PurchaseTicket(terminal: F.terminal, transactionId: F.purchase.transactionId, state: .partiallyReturned, openedAt: F.openedAt,
            lines: [TicketLine(lineId: "1", code: "ESP", description: "Espresso", department: "coffee", quantity: Quantity(units: 2), gross: 500, discount: 250, net: 250, returned: Quantity(units: 1))],
            memberKeys: ["M-7Q2K9"], receipt: F.ticket.receipt))),
        .purchaseVoid: .operator(.reversal(F.voidReceipt)),
        .purchaseReturn: .operator(.reversal(F.returnReceipt)),
        .walletHistory: .operator(.walletHistory(WalletHistory(memberKey: "M-7Q2K9", balance: WalletBalance(points: 1080, pendingPoints: 42, credit: 500),
            currency: "EUR", minorDigits: 2, entries: [
                LedgerLine(at: F.openedAt, wallet: .points, delta: 42, kind: "earn", reason: "purchase", source: .pos, terminal: F.terminal,
                           transactionId: F.purchase.transactionId, balanceAfter: 1122, pendingUntil: F.ts("2026-03-28T11:30:05.250Z")),
                LedgerLine(at: F.ts("2026-03-10T09:00:00Z"), wallet: .points, delta: -100, kind: "adjust", reason: "goodwill correction",
                           source: .operator, operatorName: "alice", balanceAfter: 1080),
            ], nextCursor: "981"))),
        .cardRemove: .operator(.member({ var p = F.profile; p.cards = []; return p }())),
        .catalogGet: .operator(.catalog(F.catalog)),
        .catalogSet: .operator(.catalog(F.catalog)),
        .terminalProvision: .operator(.credential(Credential(info: F.keyInfo, apiKey: "tk_live_3f9a1c0b7d2e4f60"))),
        .terminalDisable: .operator(.key({ var k = F.keyInfo; k.enabled = false; return k }())),
        .terminalList: .operator(.keys(KeyList(keys: [F.keyInfo]))),
        .operatorProvision: .operator(.credential(Credential(info: F.operatorKey, apiKey: "ok_live_8c1d2e3f4a5b6c7d"))),
        .operatorDisable: .operator(.key({ var k = F.operatorKey; k.enabled = false; return k }())),
        .operatorList: .operator(.keys(KeyList(keys: [F.operatorKey]))),
        .stats: .operator(.stats(Stats(members: 18234, activeMembers: 17990, blockedMembers: 12, purchases: 402311, pointsOutstanding: 9_120_455, creditOutstanding: 1_250_000, generatedAt: serverTime))),
        .storeBackup: .operator(.backup(BackupResult(path: "/var/backups/till/till-2026-03-14.sqlite", bytes: 73_400_320, schemaVersion: 1, completedAt: serverTime))),
    ]

    /// One example per error code, with the op it answers.
    static let errors: [(Op?, TillError)] = [
        (nil, .invalidFrame(reason: "invalid UTF-8 at byte 57")),
        (.purchase, .invalidRequest(field: "items[2].quantity", reason: "must be a decimal with at most 3 decimal places, no exponent")),
        (.hello, .unsupportedVersion(offered: [2, 3])),
        (.purchase, .unauthenticated(reason: "send hello first")),
        (.memberGet, .forbidden(reason: "terminal sessions cannot use operator ops")),
        (.identify, .memberNotFound(field: "identifiers[0]")),
        (.purchase, .memberBlocked(field: "members[0]", memberKey: "M-7Q2K9")),
        (.purchase, .benefitNotRedeemable(field: "redemptions[0]", benefitId: "G-000981", cause: .expired)),
        (.purchase, .insufficientBalance(field: "payments[1].amount", wallet: .points, requested: 2000, available: 1180)),
        (.purchase, .paymentOutOfRange(field: "payments[1].amount", minimum: 100, maximum: 1180)),
        (.purchase, .transactionConflict(field: .transactionId, id: "T-20260314-000123")),
        (.void, .transactionNotFound(transactionId: "T-20260314-000999")),
        (.return, .returnExceedsPurchase(field: "lines[0].quantity", lineId: "3", remaining: Quantity(thousandths: 750))),
        (.return, .transactionVoided(transactionId: "T-20260314-000123")),
        (.memberGet, .notFound(field: "memberKey", reason: "no member M-0000X")),
        (.cardAdd, .alreadyExists(field: "card", reason: "card is held by another member")),
        (.benefitAction, .notAllowed(field: "benefitId", reason: "the punch card is not full")),
        (.purchase, .overloaded(retryAfterMs: 250)),
        (.purchase, .storageFailure(reason: "fsync failed")),
        (.purchase, .shuttingDown),
    ]

    /// The example id of each frame: integer ids for terminal ops, string ids for operator ops.
    static func id(for op: Op?) -> RequestID? {
        guard let op else { return nil }
        return op.role == .operator ? .string("op-\(op.rawValue)-1") : .int(Int64(Op.allCases.firstIndex(of: op)! + 1))
    }

    /// Every example file name and its typed envelope.
    static var requestFiles: [(String, RequestEnvelope)] {
        Op.allCases.map { op in ("\(op.rawValue).request.json", RequestEnvelope(id: id(for: op)!, request: requests[op]!)) }
    }
    static var responseFiles: [(String, ResponseEnvelope)] {
        Op.allCases.map { op in ("\(op.rawValue).response.json", ResponseEnvelope(id: id(for: op)!, op: op, result: responses[op]!)) }
            + errors.map { op, e in ("error.\(e.code).response.json", ResponseEnvelope(id: id(for: op), op: op, error: e)) }
            + [("purchase.replay.response.json", ResponseEnvelope(id: .int(77), op: .purchase, result: .purchase({ var r = F.receipt; r.replay = true; return r }())))]
    }
}
