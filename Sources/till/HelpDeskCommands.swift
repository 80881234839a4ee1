import Foundation
import TillCommandLine
import TillCore
import TillProtocol

/// `till purchase void|refund` and `till wallet show`: what a help desk does to explain and correct a balance.
enum HelpDeskCommands {
    static let purchaseParameters: [Parameter] = [
        .argument("TRANSACTION", "transaction id of the purchase"), .option("branch", "branch id", required: true), .option("pos", "POS id", required: true),
    ]

    static func terminal(_ i: Invocation) -> TerminalIdentity { TerminalIdentity(branchId: i.required("branch"), posId: i.required("pos")) }

    /// `L1:2,L2:0.5` → return lines (quantities with up to 3 decimals).
    static func lines(_ text: String) throws(CLIError) -> [ReturnLine] {
        var out: [ReturnLine] = []
        for part in text.split(separator: ",") {
            let pair = part.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, !pair[0].isEmpty, let q = MoneyText.parse(String(pair[1]), digits: 3), q > 0 else {
                throw .usage("--lines: \(part) is not LINE:QUANTITY (e.g. L1:2,L3:0.5)")
            }
            out.append(ReturnLine(lineId: String(pair[0]), quantity: Quantity(thousandths: q)))
        }
        guard !out.isEmpty else { throw .usage("--lines is empty") }
        return out
    }

    static func reversal(_ r: ReversalReceipt, digits: Int = 2) -> Output {
        var text = Render.fields([
            (r.kind == .void ? "void" : "refund", r.reversalId), ("of purchase", r.transactionId), ("amount", Render.money(r.amount)),
            ("replayed", r.replay ? "yes: this id was already applied, nothing changed" : nil),
        ])
        text += "\n\n" + Render.table(["member", "points back", "points refunded", "credit refunded", "gifts revoked", "gifts restored", "balance"], r.members.map {
            [$0.memberKey, "-\($0.pointsTakenBack)", "+\($0.pointsRefunded)", "+" + Render.money($0.creditRefunded),
             $0.benefitsRevoked.joined(separator: " "), $0.benefitsRestored.joined(separator: " "),
             "\($0.balance.points) points (+\($0.balance.pendingPoints) pending), credit \(Render.money($0.balance.credit))"]
        }, empty: "no member on the purchase")
        return Output(human: text, json: Render.json(r))
    }

    static func history(_ i: Invocation, memberKey: String, limit: Int64) throws(CLIError) -> WalletHistory {
        guard case .walletHistory(let h) = try i.perform(.walletHistory(WalletHistoryQuery(
            memberKey: memberKey, wallet: i.value("wallet").flatMap(WalletKind.init), cursor: i.value("cursor"), limit: limit)))
        else { throw .usage("unexpected answer") }
        return h
    }

    static let all: [Command] = [
        Command(noun: "purchase", verb: "void", summary: "void a purchase from the back office (as its POS would: once per --id; points, credit and gifts go back)",
                parameters: purchaseParameters + [.option("id", "void id: resending the same id never applies it twice (default: a new one)"),
                                                  .option("reason", "why (kept with the void)")]) { i throws(CLIError) in
            let id = i.value("id") ?? "void-" + UUID().uuidString.lowercased()
            guard case .reversal(let r) = try i.perform(.purchaseVoid(OperatorVoid(terminal: terminal(i), request: VoidRequest(
                voidId: id, transactionId: i.required("TRANSACTION"), reason: i.value("reason"))))) else { throw .usage("unexpected answer") }
            return reversal(r)
        },
        Command(noun: "purchase", verb: "refund", summary: "refund a purchase in full or some of its lines (never more than was bought), once per --id",
                parameters: purchaseParameters + [
                    .option("lines", "LINE:QUANTITY,… to refund (see purchase show); default: everything not yet refunded"),
                    .option("id", "refund (return) id: resending the same id never applies it twice (default: a new one)"),
                ],
                examples: ["till purchase refund T-1001 --branch B1 --pos P1 --lines L1:2,L3:0.5"]) { i throws(CLIError) in
            let id = i.value("id") ?? "refund-" + UUID().uuidString.lowercased()
            var refunded: [ReturnLine]
            if let text = i.value("lines") {
                refunded = try lines(text)
            } else {
                // A full refund: every line's quantity not yet returned, as the ticket shows it now.
                guard case .ticket(let t) = try i.perform(.purchaseGet(TicketRef(terminal: terminal(i), transactionId: i.required("TRANSACTION"))))
                else { throw .usage("unexpected answer") }
                refunded = t.lines.filter { $0.quantity.thousandths > $0.returned.thousandths }
                    .map { ReturnLine(lineId: $0.lineId, quantity: $0.quantity - $0.returned) }
                guard !refunded.isEmpty else { throw .usage("purchase \(t.transactionId) is already refunded in full (\(t.state.rawValue))") }
            }
            guard case .reversal(let r) = try i.perform(.purchaseReturn(OperatorReturn(terminal: terminal(i), request: ReturnRequest(
                returnId: id, transactionId: i.required("TRANSACTION"), lines: refunded)))) else { throw .usage("unexpected answer") }
            return reversal(r)
        },
        Command(noun: "wallet", verb: "show", summary: "a member's balance and ledger, newest first: time, change, reason, source, running balance, pending until",
                parameters: [.argument("MEMBER", "member key"), .option("wallet", "only this wallet", choices: WalletKind.allCases.map(\.rawValue)),
                             .option("cursor", "next page (printed after a page)"), .option("limit", "rows per page (1-50, default 20)")],
                examples: ["till wallet show M00000001 --wallet points --limit 10"]) { i throws(CLIError) in
            let h = try history(i, memberKey: i.required("MEMBER"), limit: min(max(try i.int("limit") ?? 20, 1), 50))
            let digits = Int(h.minorDigits)
            func amount(_ wallet: WalletKind, _ v: Int64, sign: Bool) -> String {
                let plus = sign && v > 0 ? "+" : ""
                return wallet == .points ? "\(plus)\(v)" : plus + MoneyText.format(v, digits: digits)
            }
            var text = Render.fields([("member", h.memberKey), ("points", "\(h.balance.points) (+\(h.balance.pendingPoints) pending)"),
                                      ("credit", "\(MoneyText.format(h.balance.credit, digits: digits)) \(h.currency)")])
            text += "\n\n" + Render.table(["at", "wallet", "change", "reason", "source", "balance", "pending until"], h.entries.map { e in
                let source = switch e.source {
                case .pos: "pos \(e.terminal.map { "\($0.branchId)/\($0.posId)" } ?? "") \(e.transactionId ?? "")"
                case .operator: "operator \(e.operatorName ?? "")" + (e.transactionId.map { " (\($0))" } ?? "")
                case .system: "system"
                }
                return [Render.time(e.at), e.wallet.rawValue, amount(e.wallet, e.delta, sign: true), "\(e.kind): \(e.reason)", source,
                        amount(e.wallet, e.balanceAfter, sign: false), e.pendingUntil.map(Render.time) ?? ""]
            }, empty: "no ledger rows")
            if let next = h.nextCursor { text += "\nmore: --cursor \(next)" }
            return Output(human: text, json: Render.json(h))
        },
    ]
}
