import Foundation
import TillCommandLine
import TillCore
import TillProtocol

/// `till benefit …` and `till wallet …`.
enum BenefitCommands {
    static let key = Parameter.argument("MEMBER", "member key")
    static let benefit = Parameter.argument("BENEFIT", "benefit id (see benefit list)")

    static func act(_ i: Invocation, _ action: BenefitAction) throws(CLIError) -> Output {
        guard case .benefits(let list) = try i.perform(.benefitAction(action)) else { throw .usage("unexpected answer") }
        return Render.benefits(list)
    }

    /// `--credit` as typed on screens (`2.50`), read exactly in the shop's currency's minor units; a whole number
    /// without decimals is whole currency units too (`--credit 3` is 3.00).
    static func credit(_ i: Invocation) throws(CLIError) -> Int64? {
        guard let text = i.value("credit") else { return nil }
        // The shop's currency says how many decimals a credit amount has (ask the daemon: wallet.history names it).
        let digits = Int(try HelpDeskCommands.history(i, memberKey: i.required("MEMBER"), limit: 1).minorDigits)
        guard let minor = MoneyText.parse(text, digits: digits) else {
            throw .usage("--credit must be an amount like \(MoneyText.format(250, digits: digits)) (at most \(digits) decimals)")
        }
        return minor
    }

    static func adjust(_ i: Invocation, sign: Int64) throws(CLIError) -> Output {
        let points = try i.int("points"), credit = try credit(i)
        guard (points == nil) != (credit == nil) else { throw .usage("give exactly one of --points and --credit") }
        let amount = points ?? credit!
        guard amount > 0 else { throw .usage("the amount must be positive") }
        let id = i.value("id") ?? "cli-" + UUID().uuidString.lowercased()
        guard case .balance(let b) = try i.perform(.walletAdjust(WalletAdjust(adjustmentId: id, memberKey: i.required("MEMBER"),
                                                                               wallet: points != nil ? .points : .credit,
                                                                               delta: sign * amount, reason: i.required("reason"))))
        else { throw .usage("unexpected answer") }
        return Output(human: Render.fields([("points", "\(b.points) (+\(b.pendingPoints) pending)"), ("credit", Render.money(b.credit))]),
                      json: Render.json(b))
    }

    static let walletOptions: [Parameter] = [
        key, .option("points", "points"), .option("credit", "credit as shown, in the shop's currency (2.50)"),
        .option("reason", "why (kept in the ledger and the activity)", required: true),
        .option("id", "adjustment id: resending the same id never applies it twice (default: a new one)"),
    ]

    static let all: [Command] = [
        Command(noun: "benefit", verb: "list", summary: "a member's gifts and punch cards: active soonest-expiring first, then used/expired newest first",
                parameters: [key, .option("kind", "only this kind", choices: ["gift", "punchCard"]),
                             .option("status", "only this availability (default: all)", choices: ["active", "used", "expired"]),
                             .option("name", "name contains (case-insensitive)")],
                examples: ["till benefit list M00000001 --kind punchCard --status active"]) { i throws(CLIError) in
            guard case .benefits(let list) = try i.perform(.benefitList(BenefitListQuery(
                memberKey: i.required("MEMBER"), kind: i.value("kind").flatMap(BenefitKind.init), availability: i.value("status").flatMap(BenefitStatus.init),
                name: i.value("name")))) else { throw .usage("unexpected answer") }
            return Render.benefits(list)
        },
        Command(noun: "benefit", verb: "use", summary: "mark a benefit used (a punch card only when full)", parameters: [key, benefit]) { i throws(CLIError) in
            try act(i, BenefitAction(memberKey: i.required("MEMBER"), action: .use, benefitId: i.required("BENEFIT")))
        },
        Command(noun: "benefit", verb: "delete", summary: "delete a benefit", parameters: [key, benefit]) { i throws(CLIError) in
            try act(i, BenefitAction(memberKey: i.required("MEMBER"), action: .delete, benefitId: i.required("BENEFIT")))
        },
        Command(noun: "benefit", verb: "extend", summary: "push the expiry out (re-activates an expired one) while its template is offered",
                parameters: [key, benefit, .option("days", "days to add", required: true)]) { i throws(CLIError) in
            try act(i, BenefitAction(memberKey: i.required("MEMBER"), action: .extend, benefitId: i.required("BENEFIT"), days: try i.int("days")))
        },
        Command(noun: "benefit", verb: "punch", summary: "punch a punch card (punched full: its reward and a new card, as at the POS)", parameters: [key, benefit, .option("count", "punches (default 1)")]) { i throws(CLIError) in
            try act(i, BenefitAction(memberKey: i.required("MEMBER"), action: .punch, benefitId: i.required("BENEFIT"), count: try i.int("count") ?? 1))
        },
        Command(noun: "benefit", verb: "send", summary: "give a member gifts or punch cards of a catalog template",
                parameters: [key, .argument("TEMPLATE", "template id (see catalog show)"), .option("count", "how many (default 1)")]) { i throws(CLIError) in
            try act(i, BenefitAction(memberKey: i.required("MEMBER"), action: .send, templateId: i.required("TEMPLATE"), count: try i.int("count") ?? 1))
        },
        Command(noun: "wallet", verb: "add", summary: "add points or credit", parameters: walletOptions,
                examples: ["till wallet add M00000001 --points 100 --reason \"goodwill\"", "till wallet add M00000001 --credit 2.50 --reason refund --id fix-42"]) { i throws(CLIError) in try adjust(i, sign: 1) },
        Command(noun: "wallet", verb: "deduct", summary: "deduct points or credit (never below zero)", parameters: walletOptions) { i throws(CLIError) in
            try adjust(i, sign: -1)
        },
    ]
}
