import TillCore

/// The operator (back-office) operations and their typed bodies. See PROTOCOL.md, "Operator operations".
public enum OperatorRequest: Hashable, Sendable {
    case memberSearch(MemberSearch)
    case memberGet(MemberRef)
    case memberCreate(MemberCreate)
    case memberUpdate(MemberUpdate)
    case memberBlock(MemberRef)
    case memberUnblock(MemberRef)
    case memberVerify(MemberRef)
    case memberTag(MemberTag)
    case memberUntag(MemberTag)
    case memberNote(NoteAdd)
    case memberConsent(ConsentRecord)
    case memberUnsubscribe(Unsubscribe)
    case cardAdd(CardChange)
    case cardReplace(CardChange)
    case cardRemove(CardChange)
    case appCodeIssue(MemberRef)
    case appCodeRevoke(AppCodeRef)
    case memberExport(MemberRef)
    case memberAnonymize(MemberRef)
    case memberImport(MemberImport)
    case benefitList(BenefitListQuery)
    case benefitAction(BenefitAction)
    case walletAdjust(WalletAdjust)
    case activityList(ActivityQuery)
    case purchaseList(PurchaseQuery)
    case purchaseGet(TicketRef)
    case purchaseVoid(OperatorVoid)
    case purchaseReturn(OperatorReturn)
    case walletHistory(WalletHistoryQuery)
    case catalogGet
    case catalogSet(Catalog)
    case terminalProvision(TerminalProvision)
    case terminalDisable(KeyRef)
    case terminalList
    case operatorProvision(OperatorProvision)
    case operatorDisable(KeyRef)
    case operatorList
    case stats
    case storeBackup(BackupRequest)

    public var op: Op { split.0 }
    var body: any WireBody { split.1 }

    private var split: (Op, any WireBody) {
        switch self {
        case .memberSearch(let b): (.memberSearch, b)
        case .memberGet(let b): (.memberGet, b)
        case .memberCreate(let b): (.memberCreate, b)
        case .memberUpdate(let b): (.memberUpdate, b)
        case .memberBlock(let b): (.memberBlock, b)
        case .memberUnblock(let b): (.memberUnblock, b)
        case .memberVerify(let b): (.memberVerify, b)
        case .memberTag(let b): (.memberTag, b)
        case .memberUntag(let b): (.memberUntag, b)
        case .memberNote(let b): (.memberNote, b)
        case .memberConsent(let b): (.memberConsent, b)
        case .memberUnsubscribe(let b): (.memberUnsubscribe, b)
        case .cardAdd(let b): (.cardAdd, b)
        case .cardReplace(let b): (.cardReplace, b)
        case .cardRemove(let b): (.cardRemove, b)
        case .appCodeIssue(let b): (.appCodeIssue, b)
        case .appCodeRevoke(let b): (.appCodeRevoke, b)
        case .memberExport(let b): (.memberExport, b)
        case .memberAnonymize(let b): (.memberAnonymize, b)
        case .memberImport(let b): (.memberImport, b)
        case .benefitList(let b): (.benefitList, b)
        case .benefitAction(let b): (.benefitAction, b)
        case .walletAdjust(let b): (.walletAdjust, b)
        case .activityList(let b): (.activityList, b)
        case .purchaseList(let b): (.purchaseList, b)
        case .purchaseGet(let b): (.purchaseGet, b)
        case .purchaseVoid(let b): (.purchaseVoid, b)
        case .purchaseReturn(let b): (.purchaseReturn, b)
        case .walletHistory(let b): (.walletHistory, b)
        case .catalogGet: (.catalogGet, EmptyBody())
        case .catalogSet(let b): (.catalogSet, b)
        case .terminalProvision(let b): (.terminalProvision, b)
        case .terminalDisable(let b): (.terminalDisable, b)
        case .terminalList: (.terminalList, EmptyBody())
        case .operatorProvision(let b): (.operatorProvision, b)
        case .operatorDisable(let b): (.operatorDisable, b)
        case .operatorList: (.operatorList, EmptyBody())
        case .stats: (.stats, EmptyBody())
        case .storeBackup(let b): (.storeBackup, b)
        }
    }

    static func decode(op: Op, _ o: JSONObjectReader) throws(TillError) -> OperatorRequest {
        switch op {
        case .memberSearch: .memberSearch(try MemberSearch(wire: o))
        case .memberGet: .memberGet(try MemberRef(wire: o))
        case .memberCreate: .memberCreate(try MemberCreate(wire: o))
        case .memberUpdate: .memberUpdate(try MemberUpdate(wire: o))
        case .memberBlock: .memberBlock(try MemberRef(wire: o))
        case .memberUnblock: .memberUnblock(try MemberRef(wire: o))
        case .memberVerify: .memberVerify(try MemberRef(wire: o))
        case .memberTag: .memberTag(try MemberTag(wire: o))
        case .memberUntag: .memberUntag(try MemberTag(wire: o))
        case .memberNote: .memberNote(try NoteAdd(wire: o))
        case .memberConsent: .memberConsent(try ConsentRecord(wire: o))
        case .memberUnsubscribe: .memberUnsubscribe(try Unsubscribe(wire: o))
        case .cardAdd:
            .cardAdd(try CardChange(wire: o))
        case .cardReplace:
            .cardReplace(try CardChange(wire: o).requiringOldCard(o))
        case .cardRemove: .cardRemove(try CardChange(wire: o))
        case .appCodeIssue: .appCodeIssue(try MemberRef(wire: o))
        case .appCodeRevoke: .appCodeRevoke(try AppCodeRef(wire: o))
        case .memberExport: .memberExport(try MemberRef(wire: o))
        case .memberAnonymize: .memberAnonymize(try MemberRef(wire: o))
        case .memberImport: .memberImport(try MemberImport(wire: o))
        case .benefitList: .benefitList(try BenefitListQuery(wire: o))
        case .benefitAction: .benefitAction(try BenefitAction(wire: o))
        case .walletAdjust: .walletAdjust(try WalletAdjust(wire: o))
        case .activityList: .activityList(try ActivityQuery(wire: o))
        case .purchaseList: .purchaseList(try PurchaseQuery(wire: o))
        case .purchaseGet: .purchaseGet(try TicketRef(wire: o))
        case .purchaseVoid: .purchaseVoid(try OperatorVoid(wire: o))
        case .purchaseReturn: .purchaseReturn(try OperatorReturn(wire: o))
        case .walletHistory: .walletHistory(try WalletHistoryQuery(wire: o))
        case .catalogGet: .catalogGet
        case .catalogSet: .catalogSet(try Catalog(wire: o))
        case .terminalProvision: .terminalProvision(try TerminalProvision(wire: o))
        case .terminalDisable: .terminalDisable(try KeyRef(wire: o))
        case .terminalList: .terminalList
        case .operatorProvision: .operatorProvision(try OperatorProvision(wire: o))
        case .operatorDisable: .operatorDisable(try KeyRef(wire: o))
        case .operatorList: .operatorList
        case .stats: .stats
        case .storeBackup: .storeBackup(try BackupRequest(wire: o))
        case .hello, .ping, .identify, .quote, .purchase, .void, .return, .status:
            throw .invalidRequest(field: "op", reason: "not an operator op")
        }
    }
}

extension CardChange {
    func requiringOldCard(_ o: JSONObjectReader) throws(TillError) -> CardChange {
        if oldCard == nil { throw .invalidRequest(field: o.childPath("oldCard"), reason: "is required") }
        return self
    }
}

/// The typed result of an operator op. Which case answers which op is fixed (PROTOCOL.md, and `Op.resultKind`).
public enum OperatorResponse: Hashable, Sendable {
    case member(MemberProfile)
    case members(MemberList)
    case benefits(BenefitList)
    case balance(WalletBalance)
    case activity(ActivityPage)
    case purchases(PurchasePage)
    case ticket(PurchaseTicket)
    case export(DataExport)
    case imported(ImportResult)
    case catalog(Catalog)
    case credential(Credential)
    case key(KeyInfo)
    case keys(KeyList)
    case stats(Stats)
    case reversal(ReversalReceipt)
    case walletHistory(WalletHistory)
    case appCode(AppCodeInfo)
    case backup(BackupResult)

    var body: any WireEncodable {
        switch self {
        case .member(let b): b
        case .members(let b): b
        case .benefits(let b): b
        case .balance(let b): b
        case .activity(let b): b
        case .purchases(let b): b
        case .ticket(let b): b
        case .export(let b): b
        case .imported(let b): b
        case .catalog(let b): b
        case .credential(let b): b
        case .key(let b): b
        case .keys(let b): b
        case .stats(let b): b
        case .reversal(let b): b
        case .walletHistory(let b): b
        case .appCode(let b): b
        case .backup(let b): b
        }
    }

    /// Decodes the result of operator op `op`.
    static func decode(op: Op, _ o: JSONObjectReader) throws(TillError) -> OperatorResponse {
        switch op {
        case .memberGet, .memberCreate, .memberUpdate, .memberBlock, .memberUnblock, .memberVerify, .memberTag, .memberUntag,
            .memberNote, .memberConsent, .memberUnsubscribe, .cardAdd, .cardReplace, .cardRemove, .memberAnonymize:
            .member(try MemberProfile(wire: o))
        case .memberSearch: .members(try MemberList(wire: o))
        case .benefitList, .benefitAction: .benefits(try BenefitList(wire: o))
        case .walletAdjust: .balance(try WalletBalance(wire: o))
        case .activityList: .activity(try ActivityPage(wire: o))
        case .purchaseList: .purchases(try PurchasePage(wire: o))
        case .purchaseGet: .ticket(try PurchaseTicket(wire: o))
        case .memberExport: .export(try DataExport(wire: o))
        case .memberImport: .imported(try ImportResult(wire: o))
        case .catalogGet, .catalogSet: .catalog(try Catalog(wire: o))
        case .terminalProvision, .operatorProvision: .credential(try Credential(wire: o))
        case .terminalDisable, .operatorDisable: .key(try KeyInfo(wire: o))
        case .terminalList, .operatorList: .keys(try KeyList(wire: o))
        case .stats: .stats(try Stats(wire: o))
        case .purchaseVoid, .purchaseReturn: .reversal(try ReversalReceipt(wire: o))
        case .walletHistory: .walletHistory(try WalletHistory(wire: o))
        case .appCodeIssue, .appCodeRevoke: .appCode(try AppCodeInfo(wire: o))
        case .storeBackup: .backup(try BackupResult(wire: o))
        case .hello, .ping, .identify, .quote, .purchase, .void, .return, .status:
            throw .invalidRequest(field: "op", reason: "not an operator op")
        }
    }
}
