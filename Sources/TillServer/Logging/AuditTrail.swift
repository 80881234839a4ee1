import TillCore
import TillProtocol
import TillStore

/// The audit trail of the log: one logfmt line per operator write (who, which op, which member or key, and the
/// outcome), and one per refused terminal request (which terminal, which op, the error code).
///
/// Guarantees: no personal data — a member is named by the member key the store answered with; a key typed by the
/// operator that is not a member key (a phone or email, should a lookup accept one) is masked through `Redact`;
/// notes, names, reasons and import rows are never logged. Reads are not logged (the activity log in the store
/// keeps the business history; this is the operational trail).
enum AuditTrail {
    /// Whether the op changes the store, or copies all of it (`store.backup`), and so gets an audit line: the write
    /// rows of the router's table.
    static func isWrite(_ request: OperatorRequest) -> Bool {
        Router.route(.operator(request)).kind == .write
    }

    /// The line's fields after `operator` and `op`: the member or key acted on, then the outcome.
    static func fields(_ request: OperatorRequest, _ result: Result<OperatorResponse, TillError>) -> [(String, String)] {
        var fields: [(String, String)] = []
        switch result {
        case .success(.member(let profile)): fields.append(("member", profile.memberKey))
        case .success(.credential(let credential)):
            fields.append(("key", credential.info.keyId))
            if let terminal = credential.info.terminal { fields.append(("terminal", "\(terminal.branchId)/\(terminal.posId)")) }
        case .success(.key(let key)): fields.append(("key", key.keyId))
        case .success(.imported(let imported)):
            fields += [("created", String(imported.created)), ("updated", String(imported.updated)), ("refused", String(imported.errors.count))]
        default:
            if let typed = memberKey(of: request) { fields.append(("member", masked(typed))) }
        }
        switch request {
        case .walletAdjust(let a): fields += [("wallet", a.wallet.rawValue), ("delta", String(a.delta))]
        case .benefitAction(let a): fields.append(("action", a.action.rawValue))
        case .memberImport(let i) where i.dryRun: fields.append(("dryRun", "true"))
        case .storeBackup(let b): fields.append(("path", b.path))
        case .purchaseVoid(let v):
            fields += [("terminal", "\(v.terminal.branchId)/\(v.terminal.posId)"), ("transactionId", v.request.transactionId),
                       ("voidId", v.request.voidId)]
        case .purchaseReturn(let r):
            fields += [("terminal", "\(r.terminal.branchId)/\(r.terminal.posId)"), ("transactionId", r.request.transactionId),
                       ("returnId", r.request.returnId)]
        case .terminalDisable(let k), .operatorDisable(let k):
            if case .failure = result { fields.append(("key", k.keyId)) }
        default: break
        }
        switch result {
        case .success: fields.append(("outcome", "ok"))
        case .failure(let error): fields.append(("outcome", error.code))
        }
        return fields
    }

    /// The member key an op names, as the operator typed it.
    static func memberKey(of request: OperatorRequest) -> String? {
        switch request {
        case .memberBlock(let r), .memberUnblock(let r), .memberVerify(let r), .memberAnonymize(let r), .memberGet(let r), .memberExport(let r),
             .appCodeIssue(let r):
            r.memberKey
        case .memberUpdate(let u): u.memberKey
        case .memberTag(let t), .memberUntag(let t): t.memberKey
        case .memberNote(let n): n.memberKey
        case .memberConsent(let c): c.memberKey
        case .memberUnsubscribe(let u): u.memberKey
        case .cardAdd(let c), .cardReplace(let c), .cardRemove(let c): c.memberKey
        case .benefitAction(let a): a.memberKey
        case .walletAdjust(let a): a.memberKey
        default: nil
        }
    }

    /// Member keys as they are; anything that looks like an email or a phone number masked.
    static func masked(_ value: String) -> String {
        if value.contains("@") { return Redact.email(value) }
        let digits = value.filter(\.isNumber).count
        if value.hasPrefix("+") || digits >= 6 && !value.contains(where: \.isLetter) { return Redact.phone(value) }
        return value
    }
}

extension Log {
    /// The audit line of one operator write.
    func operatorWrite(operatorName: String, request: OperatorRequest, result: Result<OperatorResponse, TillError>) {
        info("operator write", [("operator", operatorName), ("op", request.op.rawValue)] + AuditTrail.fields(request, result))
    }

    /// The audit line of a terminal's refused request; overload and shutdown answers only at debug (they come in
    /// floods, and the metrics count them).
    func terminalRefused(_ terminal: TerminalIdentity, op: Op?, id: RequestID?, code: String) {
        let fields = [("branch", terminal.branchId), ("pos", terminal.posId), ("op", op?.rawValue ?? "unknown"), ("id", id?.description ?? ""), ("code", code)]
        if code == "overloaded" || code == "shutting_down" { debug("request refused", fields) } else { info("request refused", fields) }
    }
}
