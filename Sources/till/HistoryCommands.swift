import TillCommandLine
import TillCore
import TillProtocol

/// `till activity …` and `till purchase …`.
enum HistoryCommands {
    static let groups = ActivityGroup.allCases.map(\.rawValue)
    static let states = ["final", "voided", "partiallyReturned", "returned"]

    static let all: [Command] = [
        Command(noun: "activity", verb: "list", summary: "a member's activity, newest first, with its source (POS, operator, system)",
                parameters: [.argument("MEMBER", "member key"), .option("group", "only this group", choices: groups),
                             .option("before", "on or before this date (YYYY-MM-DD or RFC 3339)"), .option("cursor", "next page (printed after a page)"),
                             .option("limit", "entries per page (default 20)")]) { i throws(CLIError) in
            let before = try i.value("before").map { (t: String) throws(CLIError) in try Dates.parse(t, endOfDay: true) }
            guard case .activity(let page) = try i.perform(.activityList(ActivityQuery(
                memberKey: i.required("MEMBER"), group: i.value("group").flatMap(ActivityGroup.init), before: before, cursor: i.value("cursor"),
                limit: try i.int("limit") ?? 20))) else { throw .usage("unexpected answer") }
            var text = Render.table(["at", "group", "kind", "source", "summary"], page.entries.map { e in
                let source = switch e.source {
                case .pos: "pos \(e.terminal.map { "\($0.branchId)/\($0.posId)" } ?? "") \(e.transactionId ?? "")"
                case .operator: "operator \(e.operatorName ?? "") (#\(e.operatorId.map(String.init) ?? "?"))"
                    + (e.transactionId.map { " \(e.terminal.map { "\($0.branchId)/\($0.posId) " } ?? "")\($0)" } ?? "")
                case .system: "system"
                }
                return [Render.time(e.at), e.group.rawValue, e.kind, source, e.summary]
            }, empty: "no activity")
            if let next = page.nextCursor { text += "\nmore: --cursor \(next)" }
            return Output(human: text, json: Render.json(page))
        },
        Command(noun: "purchase", verb: "list", summary: "purchases (of a member: with lifetime spend), newest first by default",
                parameters: [.option("member", "member key"), .option("state", "only this state", choices: states),
                             .option("sort", "order", choices: PurchaseSort.allCases.map(\.rawValue)), .option("cursor", "next page"),
                             .option("limit", "rows per page (default 20)")]) { i throws(CLIError) in
            guard case .purchases(let page) = try i.perform(.purchaseList(PurchaseQuery(
                memberKey: i.value("member"), state: i.value("state").flatMap(TransactionState.init),
                sort: i.value("sort").flatMap(PurchaseSort.init) ?? .newest, cursor: i.value("cursor"), limit: try i.int("limit") ?? 20)))
            else { throw .usage("unexpected answer") }
            var text = Render.table(["opened", "branch/pos", "transaction", "total", "state", "members"], page.purchases.map {
                [Render.time($0.openedAt), "\($0.terminal.branchId)/\($0.terminal.posId)", $0.transactionId, Render.money($0.total) + " " + $0.currency,
                 $0.state.rawValue, $0.memberKeys.joined(separator: ",")]
            }, empty: "no purchases")
            if let lifetime = page.lifetimeSpend { text += "\nlifetime spend: \(Render.money(lifetime))" }
            if let next = page.nextCursor { text += "\nmore: --cursor \(next)" }
            return Output(human: text, json: Render.json(page))
        },
        Command(noun: "purchase", verb: "show", summary: "one ticket: lines, totals, payments, each member's points, punches and gifts, its voids and refunds",
                parameters: [.argument("TRANSACTION", "transaction id (or the id of one of its voids or refunds)"), .option("branch", "branch id", required: true),
                             .option("pos", "POS id", required: true)],
                examples: ["till purchase show T-1001 --branch B1 --pos P1"]) { i throws(CLIError) in
            guard case .ticket(let t) = try i.perform(.purchaseGet(TicketRef(terminal: TerminalIdentity(branchId: i.required("branch"), posId: i.required("pos")),
                                                                            transactionId: i.required("TRANSACTION")))) else { throw .usage("unexpected answer") }
            var text = Render.fields([("transaction", "\(t.terminal.branchId)/\(t.terminal.posId) \(t.transactionId)"), ("opened", Render.time(t.openedAt)),
                                      ("state", t.state.rawValue), ("members", t.memberKeys.joined(separator: ", "))])
            text += "\n\n" + Render.table(["line", "code", "description", "qty", "price", "discount", "net", "returned"], t.lines.map {
                [$0.lineId, $0.code, $0.description ?? "", $0.quantity.description, Render.money($0.gross), Render.money($0.discount), Render.money($0.net),
                 $0.returned == .zero ? "" : $0.returned.description]
            })
            if let r = t.receipt {
                text += "\n\n" + Render.fields([
                    ("subtotal", Render.money(r.subtotal)), ("discounts", Render.money(r.itemDiscounts + r.orderDiscount + r.benefitDiscounts)),
                    ("tax", Render.money(r.tax)), ("total", Render.money(r.total) + " " + r.currency),
                    ("redemptions", r.redemptions.isEmpty ? nil : r.redemptions.map { "\($0.name) -\(Render.money($0.amount))" }.joined(separator: ", ")),
                    ("payments", r.payments.map { "\($0.means.rawValue) \(Render.money($0.amount))" }.joined(separator: ", ")),
                ])
                // What the purchase did to each member: the same facts as --json, so a balance can be explained from here.
                text += "\n\nmembers:\n" + Render.table(["member", "points earned", "pending", "points spent", "credit spent", "punches", "gifts issued", "gifts redeemed"],
                                                       r.members.map { m in
                    [m.memberKey, "+\(m.pointsEarned)", "\(m.pointsPending)", "-\(m.pointsSpent)", "-" + Render.money(m.creditSpent),
                     m.punches.map { "\($0.name) +\($0.punches) (\($0.punchesAfter)/\($0.punchesRequired)\($0.completed ? ", full" : ""))" }.joined(separator: "; "),
                     m.benefitsIssued.map { "\($0.name) \($0.benefitId)" }.joined(separator: "; "),
                     r.redemptions.filter { $0.memberKey == m.memberKey }.map { "\($0.name) \($0.benefitId)" }.joined(separator: "; ")]
                }, empty: "no member identified")
            }
            if !t.reversals.isEmpty {
                text += "\n\nvoids and refunds:\n" + Render.table(["id", "kind", "amount", "members"], t.reversals.map { v in
                    [v.reversalId, v.kind == .void ? "void" : "refund", Render.money(v.amount), v.members.map {
                        "\($0.memberKey) -\($0.pointsTakenBack) points, +\($0.pointsRefunded) points refunded, +\(Render.money($0.creditRefunded)) credit"
                    }.joined(separator: "; ")]
                })
            }
            return Output(human: text, json: Render.json(t))
        },
    ]
}
