/// Every operation name of protocol v1, as written in a request's `op` (and echoed in its response).
public enum Op: String, CaseIterable, Hashable, Sendable {
    // Any session.
    case hello, ping
    // Terminal sessions.
    case identify, quote, purchase, void, `return`, status
    // Operator sessions.
    case memberSearch = "member.search", memberGet = "member.get", memberCreate = "member.create", memberUpdate = "member.update"
    case memberBlock = "member.block", memberUnblock = "member.unblock", memberVerify = "member.verify"
    case memberTag = "member.tag", memberUntag = "member.untag", memberNote = "member.note", memberConsent = "member.consent"
    case memberUnsubscribe = "member.unsubscribe", cardAdd = "member.card.add", cardReplace = "member.card.replace"
    case cardRemove = "member.card.remove"
    case appCodeIssue = "member.appCode.issue", appCodeRevoke = "member.appCode.revoke"
    case memberExport = "member.export", memberAnonymize = "member.anonymize", memberImport = "member.import"
    case benefitList = "benefit.list", benefitAction = "benefit.action", walletAdjust = "wallet.adjust"
    case activityList = "activity.list", purchaseList = "purchase.list", purchaseGet = "purchase.get"
    case purchaseVoid = "purchase.void", purchaseReturn = "purchase.return", walletHistory = "wallet.history"
    case catalogGet = "catalog.get", catalogSet = "catalog.set"
    case terminalProvision = "terminal.provision", terminalDisable = "terminal.disable", terminalList = "terminal.list"
    case operatorProvision = "operator.provision", operatorDisable = "operator.disable", operatorList = "operator.list"
    case stats
    case storeBackup = "store.backup"

    /// Looks an op up by its wire name (a hash lookup, not a scan of the cases).
    public static func named(_ name: String) -> Op? { byName[name] }
    private static let byName: [String: Op] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// The role allowed to send it; nil for ops any session may send (`hello`, `ping`).
    public var role: SessionRole? {
        switch self {
        case .hello, .ping: nil
        case .identify, .quote, .purchase, .void, .return, .status: .terminal
        default: .operator
        }
    }
}

/// The client-chosen request id: a string (1 to 128 bytes) or an integer (64-bit signed), echoed exactly.
public enum RequestID: Hashable, Sendable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .string(let s): s
        }
    }

    func encode(to w: inout JSONWriter) {
        switch self {
        case .int(let v): w.int(v)
        case .string(let s): w.string(s)
        }
    }

    /// Reads an id value; nil when it is neither a string of 1 to 128 bytes nor a 64-bit integer.
    static func read(_ v: JSONValueReader) -> RequestID? {
        switch v.node.kind {
        case .string:
            guard let s = try? v.string(maxLength: 128), !s.isEmpty else { return nil }
            return .string(s)
        case .number:
            return (try? v.int()).map(RequestID.int)
        default: return nil
        }
    }
}
