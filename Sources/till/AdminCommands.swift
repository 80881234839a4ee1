import Foundation
import TillCommandLine
import TillCore
import TillProtocol

/// `till catalog …`, `till terminal …`, `till operator …`, `till backup`, `till stats`.
enum AdminCommands {
    static func keys(_ i: Invocation, _ request: OperatorRequest) throws(CLIError) -> Output {
        switch try i.perform(request) {
        case .keys(let list): return Output(human: Render.table(["key", "for", "state", "created"], list.keys.map(Render.key)), json: Render.json(list))
        case .key(let k): return Output(human: Render.table(["key", "for", "state", "created"], [Render.key(k)]), json: Render.json(k))
        case .credential(let c):
            return Output(human: Render.table(["key", "for", "state", "created"], [Render.key(c.info)])
                          + "\n\napi key (shown once, store it now): \(c.apiKey)", json: Render.json(c))
        default: throw .usage("unexpected answer")
        }
    }

    /// What a gift template gives, as the member would say it: `-5.00`, `10% (at most 3.00)`, `1 free item (ESPRESSO)`.
    static func reward(_ g: GiftTemplate) -> String {
        let scope = (g.itemCodes + g.departments.map { "department " + $0 }).joined(separator: ", ")
        if g.freeItem { return "1 free item" + (scope.isEmpty ? "" : " (\(scope))") }
        let amount = g.amountOff.map { "-" + Render.money($0) }
            ?? g.percentOff.map { "\($0)%" + (g.maxDiscount.map { " (at most \(Render.money($0)))" } ?? "") }
            ?? g.percentOffEachLine.map { "\($0)% off each line" } ?? "nothing"
        return amount + (scope.isEmpty ? "" : " on \(scope)")
    }

    static func catalog(_ c: Catalog) -> Output {
        var text = "gift templates:\n" + Render.table(["id", "name", "reward", "min subtotal", "valid days"], c.giftTemplates.map {
            [$0.templateId, $0.name, reward($0), Render.money($0.minSubtotal), $0.validDays.map { "\($0)" } ?? "no end"]
        })
        text += "\n\npunch cards:\n" + Render.table(["id", "name", "punches", "counting", "reward", "renew", "auto-enrol"], c.punchTemplates.map {
            [$0.templateId, $0.name, "\($0.punchesRequired)", $0.counting.rawValue, $0.rewardTemplateId, Render.onOff($0.renew), Render.onOff($0.autoEnroll)]
        })
        text += "\n\nearn rules:\n" + Render.table(["id", "points", "per", "item", "department", "tag"], c.earnRules.map {
            [$0.ruleId, "\($0.points)", Render.money($0.perAmount), $0.itemCode ?? "", $0.department ?? "", $0.tag ?? ""]
        })
        text += "\n\nmultipliers:\n" + Render.table(["item", "department", "percent"], c.earnMultipliers.map {
            [$0.itemCode ?? "", $0.department ?? "", "\($0.percent)%"]
        })
        text += "\n\nexcluded: items " + (c.earnExclusions.itemCodes.isEmpty ? "none" : c.earnExclusions.itemCodes.joined(separator: ", "))
            + "; departments " + (c.earnExclusions.departments.isEmpty ? "none" : c.earnExclusions.departments.joined(separator: ", "))
        let b = c.budget
        text += "\n\n" + Render.fields([("pay with points", Render.onOff(b.pointsEnabled)), ("pay with credit", Render.onOff(b.creditEnabled)),
                                        ("points ratio", "\(b.ratioPoints) points = \(Render.money(b.ratioMoney))"),
                                        ("budget per purchase", "\(Render.money(b.minAmount)) to \(Render.money(b.maxAmount))"),
                                        ("pending days", "\(c.pendingDays)")])
        return Output(human: text, json: Render.json(c))
    }

    static let all: [Command] = [
        Command(noun: "catalog", verb: "show", summary: "gift and punch-card templates, earn rules, budget payments, pending period") { i throws(CLIError) in
            guard case .catalog(let c) = try i.perform(.catalogGet) else { throw .usage("unexpected answer") }
            return catalog(c)
        },
        Command(noun: "catalog", verb: "set", summary: "replace the catalog with a JSON file (the shape `catalog show --json` prints)",
                parameters: [.argument("FILE", "the catalog JSON")],
                examples: ["till catalog set catalog.json --server tills.example:7400 --tls-ca ca.pem"]) { i throws(CLIError) in
            let path = i.required("FILE")
            guard let data = FileManager.default.contents(atPath: path) else { throw .file("cannot read \(path)") }
            let c: Catalog
            do { c = try StoredJSON.decode(Catalog.self, from: Array(data)) } catch let e as TillError { throw .usage("\(path): \(e.message)") } catch { throw .usage("\(path): \(error)") }
            guard case .catalog(let saved) = try i.perform(.catalogSet(c)) else { throw .usage("unexpected answer") }
            return catalog(saved)
        },
        Command(noun: "terminal", verb: "provision", summary: "a new terminal key for a branch and POS (the key is shown once)",
                parameters: [.option("branch", "branch id", required: true), .option("pos", "POS id", required: true),
                             .option("label", "a label")],
                examples: ["till terminal provision --branch B1 --pos P7 --label \"front desk\""]) { i throws(CLIError) in
            try keys(i, .terminalProvision(TerminalProvision(terminal: TerminalIdentity(branchId: i.required("branch"), posId: i.required("pos")),
                                                             label: i.value("label"))))
        },
        Command(noun: "terminal", verb: "disable", summary: "disable a terminal key", parameters: [.argument("KEY", "key id (term-…)")]) { i throws(CLIError) in
            try keys(i, .terminalDisable(KeyRef(keyId: i.required("KEY"))))
        },
        Command(noun: "terminal", verb: "list", summary: "terminal keys") { i throws(CLIError) in try keys(i, .terminalList) },
        Command(noun: "operator", verb: "provision", summary: "a new operator key (the key is shown once)",
                parameters: [.argument("NAME", "the operator's name (shown on notes and activity)")]) { i throws(CLIError) in
            try keys(i, .operatorProvision(OperatorProvision(name: i.required("NAME"))))
        },
        Command(noun: "operator", verb: "disable", summary: "disable an operator key", parameters: [.argument("KEY", "key id (op-…)")]) { i throws(CLIError) in
            try keys(i, .operatorDisable(KeyRef(keyId: i.required("KEY"))))
        },
        Command(noun: "operator", verb: "list", summary: "operator keys") { i throws(CLIError) in try keys(i, .operatorList) },
        Command(noun: "backup", verb: "", summary: "an online copy of the whole store, written by tilld to FILE on its host (0600)",
                parameters: [.argument("FILE", "a new file on the daemon's host (relative: to this directory); restore with tilld restore")],
                timeout: .seconds(3_600),
                examples: ["till backup /var/backups/till.sqlite"]) { i throws(CLIError) in
            let file = i.required("FILE")
            let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            guard case .backup(let b) = try i.perform(.storeBackup(BackupRequest(path: path))) else { throw .usage("unexpected answer") }
            return Output(human: Render.fields([
                ("backup", b.path), ("size", "\(b.bytes) bytes"), ("schema version", "\(b.schemaVersion)"), ("completed", Render.time(b.completedAt)),
                ("restore", "stop tilld, then: tilld restore \(b.path) --data-directory DIR"),
            ]), json: Render.json(b))
        },
        Command(noun: "stats", verb: "", summary: "members, purchases and outstanding points and credit",
                examples: ["till stats --json --config ~/.config/till/cli.json"]) { i throws(CLIError) in
            guard case .stats(let s) = try i.perform(.stats) else { throw .usage("unexpected answer") }
            return Output(human: Render.fields([
                ("members", "\(s.members) (\(s.activeMembers) active, \(s.blockedMembers) blocked)"), ("purchases", "\(s.purchases)"),
                ("points outstanding", "\(s.pointsOutstanding)"), ("credit outstanding", Render.money(s.creditOutstanding)),
                ("as of", Render.time(s.generatedAt)),
            ]), json: Render.json(s))
        },
    ]
}
