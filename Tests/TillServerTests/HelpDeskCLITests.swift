import Foundation
import Testing
import TillClient
import TillCore
import TillProtocol
@testable import TillServer

/// The help desk of issue 15 end to end: the `till` binary against a real daemon, following the seed pages' tasks.
@Suite struct HelpDeskCLITests {
    static let anna = MemberIdentifier(kind: .memberKey, value: "M00000001")

    /// Seed 001: refunds in full or in part, never above the total; the same rules and exactly-once as the POS.
    @Test func refundsAndVoidsFromTheBackOfficeAreThePOSOperationsWithTheOperatorAsSource() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let terminal = try daemon.terminal()
        let at = ["--branch", daemon.keys.branchId, "--pos", daemon.keys.posId]
        let receipt = try terminal.purchase(demoPurchase("p-1", members: [Self.anna]))
        let earned = try #require(receipt.members.first).pointsEarned
        #expect(earned > 0)
        func points() throws -> Int {
            let shown = try till("member", "show", "M00000001", json: true)
            let balance = shown.json["balance"] as? [String: Any]
            return (balance?["points"] as? Int ?? -1) + (balance?["pendingPoints"] as? Int ?? 0)
        }
        let before = try points()

        // A partial refund of line 2, then the same id again: applied once, the second answer is a replay.
        let refund = try till.run(["purchase", "refund", "p-1", "--lines", "2:1", "--id", "r-1"] + at, json: true)
        #expect(refund.status == 0, "\(refund.err)")
        #expect(refund.json["kind"] as? String == "return" && refund.json["amount"] as? Int == 500)
        let takenBack = try #require((refund.json["members"] as? [[String: Any]])?.first?["pointsTakenBack"] as? Int)
        #expect(takenBack > 0)
        let again = try till.run(["purchase", "refund", "p-1", "--lines", "2:1", "--id", "r-1"] + at, json: true)
        #expect(again.status == 0 && again.json["replay"] as? Bool == true)
        #expect(try points() == before - takenBack)
        // Never more than was bought: line 2 is refunded already.
        let over = try till.run(["purchase", "refund", "p-1", "--lines", "2:1", "--id", "r-2"] + at, json: true)
        #expect(over.status == 4 && over.err.contains("return_exceeds_purchase"), "\(over.err)")
        // The same id space as the terminal's returns: the POS resending r-1 with the same body replays it.
        let posReplay = try terminal.returnItems(ReturnRequest(returnId: "r-1", transactionId: "p-1", lines: [ReturnLine(lineId: "2", quantity: .one)]))
        #expect(posReplay.replay)

        // A full refund of the rest, then nothing is left to refund.
        let rest = try till.run(["purchase", "refund", "p-1", "--id", "r-3"] + at)
        #expect(rest.status == 0 && rest.out.contains("refund:") && rest.out.contains("r-3"), "\(rest.out)\(rest.err)")
        #expect(try till.run(["purchase", "refund", "p-1"] + at).status == 2)
        #expect(try points() == before - Int(earned))

        // A void, once; a second void id is refused as the POS's would be.
        _ = try terminal.purchase(demoPurchase("p-2", members: [Self.anna]))
        let void = try till.run(["purchase", "void", "p-2", "--id", "v-1", "--reason", "double charge"] + at, json: true)
        #expect(void.status == 0 && void.json["kind"] as? String == "void", "\(void.err)")
        #expect(try till.run(["purchase", "void", "p-2", "--id", "v-1", "--reason", "double charge"] + at, json: true).json["replay"] as? Bool == true)
        // The same id with another body is a conflict, as at the POS.
        let conflict = try till.run(["purchase", "void", "p-2", "--id", "v-1", "--reason", "another reason"] + at, json: true)
        #expect(conflict.status == 4 && conflict.err.contains("transaction_conflict"), "\(conflict.err)")
        let twice = try till.run(["purchase", "void", "p-2", "--id", "v-2"] + at, json: true)
        #expect(twice.status == 4 && twice.err.contains("transaction_voided"), "\(twice.err)")
        #expect(try till.run(["purchase", "void", "p-404"] + at).status == 3)

        // Recorded with the operator as source, in the activity and in the ledger.
        let activity = try till("activity", "list", "M00000001", "--group", "purchase", json: true)
        let entries = try #require(activity.json["entries"] as? [[String: Any]])
        let reversals = entries.filter { ["purchase_returned", "purchase_voided"].contains($0["kind"] as? String) }
        #expect(reversals.count == 3)
        #expect(reversals.allSatisfy { $0["source"] as? String == "operator" && $0["operatorName"] as? String == daemon.keys.operatorName })
        #expect(reversals.contains { ($0["summary"] as? String)?.hasPrefix("Void v-1 of purchase p-2") == true && ($0["pointsDelta"] as? Int ?? 0) < 0 })
        let ledger = try till("wallet", "show", "M00000001", "--wallet", "points", json: true)
        let rows = try #require(ledger.json["entries"] as? [[String: Any]])
        #expect(rows.contains { $0["source"] as? String == "operator" && $0["transactionId"] as? String == "v-1" && $0["kind"] as? String == "clawback" })

        // A refund id leads back to its purchase, whose ticket lists its refunds.
        let ticket = try till.run(["purchase", "show", "r-1"] + at)
        #expect(ticket.status == 0 && ticket.out.contains("p-1") && ticket.out.contains("voids and refunds") && ticket.out.contains("r-3"), "\(ticket.out)")
        #expect(try till.run(["purchase", "show", "r-1"] + at, json: true).json["state"] as? String == "returned")
    }

    /// Seed 002/004: the activity and the ledger explain a balance; money is typed as shown.
    @Test func aBalanceIsExplainedByTheActivityTheLedgerAndTheTicket() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let terminal = try daemon.terminal()
        let receipt = try terminal.purchase(demoPurchase("p-1", members: [Self.anna], payments: [Payment(means: .credit, amount: 300, memberKey: "M00000001"), Payment(means: .card, amount: 1_200)]))
        let member = try #require(receipt.members.first)

        // Defect 7 of issue 13: the purchase entry carries the points and credit moved and a readable summary.
        let activity = try till("activity", "list", "M00000001", "--group", "purchase", json: true)
        let entry = try #require((activity.json["entries"] as? [[String: Any]])?.first { $0["kind"] as? String == "purchase" })
        #expect(entry["pointsDelta"] as? Int == Int(member.pointsEarned - member.pointsSpent))
        #expect(entry["creditDelta"] as? Int == -300)
        let summary = try #require(entry["summary"] as? String)
        #expect(summary == "Purchase of \(Render(receipt.total)) EUR at demo/1, +\(member.pointsEarned) points, -3.00 EUR credit", "\(summary)")

        // Money typed as shown, exactly: 2.50 is 250 cents; three decimals are refused for EUR.
        let added = try till("wallet", "add", "M00000001", "--credit", "2.50", "--reason", "goodwill", json: true)
        #expect(added.status == 0 && added.json["credit"] as? Int == 1_000 - 300 + 250, "\(added.err)")
        #expect(try till("wallet", "add", "M00000001", "--credit", "0.07", "--reason", "exact").status == 0)
        #expect(try till("wallet", "add", "M00000001", "--credit", "2.505", "--reason", "x").status == 2)
        #expect(try till("wallet", "add", "M00000001", "--credit", "1e3", "--reason", "x").status == 2)

        // The ledger: newest first, each row with its reason, source and the running balance.
        let ledger = try till("wallet", "show", "M00000001", "--wallet", "credit", json: true)
        let rows = try #require(ledger.json["entries"] as? [[String: Any]])
        #expect(rows.map { $0["delta"] as? Int } == [7, 250, -300, 1_000])
        #expect(rows.map { $0["balanceAfter"] as? Int } == [957, 950, 700, 1_000])
        #expect(rows[1]["reason"] as? String == "goodwill" && rows[1]["source"] as? String == "operator")
        #expect(rows[2]["source"] as? String == "pos" && rows[2]["transactionId"] as? String == "p-1" && rows[2]["kind"] as? String == "spend")
        #expect(ledger.json["currency"] as? String == "EUR")
        let text = try till("wallet", "show", "M00000001")
        #expect(text.out.contains("credit:") && text.out.contains("9.57 EUR") && text.out.contains("+2.50") && text.out.contains("spend: purchase"), "\(text.out)")
        let paged = try till("wallet", "show", "M00000001", "--limit", "1", json: true)
        let cursor = try #require(paged.json["nextCursor"] as? String)
        let next = try till("wallet", "show", "M00000001", "--limit", "1", "--cursor", cursor, json: true)
        let all = try #require(try till("wallet", "show", "M00000001", "--limit", "50", json: true).json["entries"] as? [[String: Any]])
        let second = try #require((next.json["entries"] as? [[String: Any]])?.first)
        #expect(second["delta"] as? Int == all[1]["delta"] as? Int && second["balanceAfter"] as? Int == all[1]["balanceAfter"] as? Int)
        #expect(all.first { $0["wallet"] as? String == "points" }?["balanceAfter"] as? Int
                == ((added.json["points"] as? Int) ?? 0) + ((added.json["pendingPoints"] as? Int) ?? 0))

        // wallet.history pages hold 1 to 50 rows: the wire refuses 51 naming the field.
        let client = try TillClient(daemon.address, apiKey: daemon.keys.operatorKey)
        defer { client.close() }
        _ = try client.perform(.walletHistory(WalletHistoryQuery(memberKey: "M00000001", limit: 50)))
        #expect(throws: ClientError.refused(.invalidRequest(field: "limit", reason: "must be between 1 and 50"))) {
            try client.perform(.walletHistory(WalletHistoryQuery(memberKey: "M00000001", limit: 51)))
        }

        // The ticket's text shows what its JSON has: points, punches, gifts.
        let ticket = try till("purchase", "show", "p-1", "--branch", "demo", "--pos", "1")
        for part in ["points earned", "+\(member.pointsEarned)", "Coffee card +1", "-3.00"] {
            #expect(ticket.out.contains(part), "ticket lacks \(part):\n\(ticket.out)")
        }
    }

    /// Seed 004: members are found by what they say; search says when it stopped; tags list their members.
    @Test func membersAreFoundByPhoneEmailCardOrTag() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        for reference in ["M00000001", "+4915112345678", "0151 12345678", "Anna@Example.com", "C0000000001"] {
            let shown = try till("member", "show", reference, json: true)
            #expect(shown.status == 0 && shown.json["memberKey"] as? String == "M00000001", "\(reference): \(shown.err)")
        }
        #expect(try till("member", "show", "+4915199999999").status == 3)

        var ndjson = ""
        for i in 1...60 { ndjson += "{\"firstName\":\"Hanna\",\"lastName\":\"Nr\(i)\"\(i <= 3 ? ",\"tags\":[\"VIP\"]" : "")}\n" }
        let file = daemon.folder.appendingPathComponent("hanna.ndjson")
        try ndjson.write(to: file, atomically: true, encoding: .utf8)
        #expect(try till("member", "import", file.path).status == 0)
        let capped = try till("member", "search", "Hanna")
        #expect(capped.out.contains("stopped at 50"), "\(capped.out)")
        #expect(try till("member", "search", "Hanna", json: true).json["truncated"] as? Bool == true)
        #expect(try till("member", "search", "Nr1", "--limit", "50", json: true).json["truncated"] as? Bool == false)
        #expect(try till("member", "tag", "M00000002", "VIP").status == 0)
        #expect(try till("member", "tag", "M00000003", "vip").status == 0)
        let vips = try till("member", "list", "--tag", "VIP", json: true)
        #expect((vips.json["members"] as? [[String: Any]])?.count == 4, "\(vips.out)")
        let hannaVips = try till("member", "search", "Hanna", "--tag", "VIP", json: true)
        #expect((hannaVips.json["members"] as? [[String: Any]])?.compactMap { $0["lastName"] as? String }.sorted() == ["Nr1", "Nr2", "Nr3"])
    }

    /// Seeds 002, 003, 004: every state the pages describe can be reached, and the help says what delete means.
    @Test func seedStatesCanBeReached() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let pending = try till("member", "create", "--first-name", "Pia", "--email", "pia@example.com", "--pending", "--opt-in", "double", json: true)
        #expect(pending.json["status"] as? String == "pendingVerification", "\(pending.err)")
        #expect((pending.json["preferences"] as? [String: Any])?["optIn"] as? String == "double")
        let key = try #require(pending.json["memberKey"] as? String)
        #expect(try till("member", "verify", key, json: true).json["status"] as? String == "active")

        let objects = try till("member", "consent", "M00000002", "--channel", "marketing", "--opt-in", "objection", json: true)
        #expect((objects.json["preferences"] as? [String: Any])?["optIn"] as? String == "objection", "\(objects.err)")
        #expect(try till("member", "consent", "M00000002", "--channel", "sms", "--opt-in", "double").status == 2)

        let rows = """
            {"memberKey":"IMP-1","firstName":"Ida","status":"pendingVerification","optIn":"double"}
            {"memberKey":"IMP-2","firstName":"Ole","status":"blocked"}
            """
        let imported = try till("member", "import", "-", json: true, input: rows)
        #expect(imported.json["created"] as? Int == 1)
        #expect((imported.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "status")
        let ida = try till("member", "show", "IMP-1", json: true)
        #expect(ida.json["status"] as? String == "pendingVerification" && (ida.json["preferences"] as? [String: Any])?["optIn"] as? String == "double")
        #expect(try till("member", "verify", "IMP-1").status == 0)
        let csv = try till("member", "import", "-", "--format", "csv", json: true, input: "memberKey,firstName,status,optIn\nIMP-3,Eva,pendingVerification,objection\n")
        #expect(csv.json["created"] as? Int == 1, "\(csv.out)")
        #expect(try till("member", "show", "IMP-3", json: true).json["status"] as? String == "pendingVerification")

        #expect(try till("card", "add", "M00000003", "C-77").status == 0)
        let removed = try till("card", "remove", "M00000003", "C-77", json: true)
        #expect(removed.status == 0 && (removed.json["cards"] as? [String]) == ["C0000000003"], "\(removed.out)")
        #expect(try till("card", "remove", "M00000003", "C-77").status == 3)
        #expect(try till("card", "add", "M00000001", "C-77").status == 0)  // released for reuse
        #expect(try till("member", "anonymize", "--help").out.contains("delete"))
    }

    /// One rule for punch cards: filled at the POS or punched full by an operator, a card completes alike.
    @Test func punchCardsCompleteAlikeAtThePOSAndFromTheBackOffice() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let terminal = try daemon.terminal()
        var eight = demoPurchase("p-8", members: [MemberIdentifier(kind: .memberKey, value: "M00000002")], lines: 1)
        eight.items[0].quantity = Quantity(units: 8)
        _ = try terminal.purchase(eight)
        let sent = try till("benefit", "send", "M00000003", "COFFEE_CARD", json: true)
        let card = try #require((sent.json["benefits"] as? [[String: Any]])?.first?["benefitId"] as? String)
        #expect(try till("benefit", "punch", "M00000003", card, "--count", "8").status == 0)
        func shape(_ key: String) throws -> [String] {
            let list = try till("benefit", "list", key, json: true)
            return ((list.json["benefits"] as? [[String: Any]]) ?? []).filter { $0["name"] as? String != "Welcome: 5.00 EUR off" }.map {
                "\($0["name"] as? String ?? "") \($0["status"] as? String ?? "") \($0["punches"] as? Int ?? -1)"
            }.sorted()
        }
        let completed = try till("activity", "list", "M00000002", "--group", "benefits", json: true)
        let summary = (completed.json["entries"] as? [[String: Any]])?.first { $0["kind"] as? String == "punch_card_completed" }?["summary"] as? String
        #expect(summary?.hasPrefix("Coffee card demo/1/p-8#") == true && summary?.contains("completed in demo/1 p-8, reward") == true, "\(summary ?? "")")
        let atThePOS = try shape("M00000002")
        #expect(atThePOS == ["Coffee card active 0", "Coffee card used 8", "Free espresso active -1"], "\(atThePOS)")
        #expect(try shape("M00000003") == atThePOS)
    }

    /// A run with refusals exits 4 and names the line and field of each.
    @Test func importSaysWhatItRefused() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let rows = """
            {"firstName":"Ok","email":"ok@example.com"}
            not json at all
            {"firstName":"Bad","phone":"12"}
            {"firstName":"Ok2","email":"ok2@example.com"}
            {"firstName":"Date","birthday":"1990-13-01"}
            {"firstName":"Typo","stauts":"pendingVerification"}
            """
        let text = try till("member", "import", "-", "--dry-run", input: rows)
        #expect(text.status == 4 && text.out.contains("4 refused") && text.out.contains("phone"), "\(text.out)")
        let run = try till("member", "import", "-", json: true, input: rows)
        #expect(run.status == 4, "\(run.err)")
        let errors = try #require(run.json["errors"] as? [[String: Any]])
        #expect(errors.map { $0["row"] as? Int } == [2, 3, 5, 6])
        #expect(errors.last?["field"] as? String == "stauts")  // a misspelt key is refused, not dropped
        #expect(errors.allSatisfy { !(($0["field"] as? String) ?? "").isEmpty })
        #expect(errors.allSatisfy { !(($0["reason"] as? String) ?? "invalid frame").contains("invalid frame") })
        #expect((errors.first?["reason"] as? String)?.contains("column 1") == true)
        #expect(try till("member", "import", "-", input: "{\"firstName\":\"Clean\"}\n").status == 0)
    }

    @Test func cliHabits() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let help = try till("help", "member", "show")
        #expect(help.status == 0 && help.out.contains("usage: till member show MEMBER"))
        #expect(try till("help").out.contains("till completion bash|zsh"))
        let bash = try till("completion", "bash")
        #expect(bash.status == 0 && bash.out.contains("complete -o default -F _till till") && bash.out.contains("\"purchase refund\")"))
        #expect(bash.out.contains("--lines"))
        // The script completes in a real bash: nouns, verbs (also after `help`), options.
        let script = daemon.folder.appendingPathComponent("till.bash")
        try bash.out.write(to: script, atomically: true, encoding: .utf8)
        func complete(_ words: String, _ index: Int) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "source \(script.path); COMP_WORDS=(\(words)); COMP_CWORD=\(index); _till; echo \"${COMPREPLY[*]}\""]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try complete("till pur", 1) == "purchase")
        #expect(try complete("till purchase re", 2) == "refund")
        #expect(try complete("till help member sh", 3) == "show")
        #expect(try complete("till purchase refund T-1 --li", 4) == "--lines")
        #expect(try till("completion", "zsh").out.contains("#compdef till"))
        #expect(try till("completion", "fish").status == 2)

        let typo = try till("memebr", "show", "M00000001")
        #expect(typo.status == 2 && typo.err.contains("did you mean: till member show?"), "\(typo.err)")
        let verbTypo = try till("member", "shwo", "M00000001")
        #expect(verbTypo.status == 2 && verbTypo.err.contains("did you mean: till member show?"), "\(verbTypo.err)")
        #expect(try till("member", "search", "x", "--limt", "3").err.contains("did you mean --limit?"))

        // --json errors carry the wire code, and the exit code separately.
        let missing = try till("member", "show", "M-NOPE", json: true)
        let error = (try? JSONSerialization.jsonObject(with: Data(missing.err.utf8))) as? [String: Any]
        #expect(missing.status == 3 && error?["error"] as? String == "not_found" && error?["exitCode"] as? Int == 3, "\(missing.err)")
        #expect((((try? JSONSerialization.jsonObject(with: Data(try till("memebr", json: true).err.utf8))) as? [String: Any])?["error"] as? String) == "usage")

        // One prefix per error: a terminal key is forbidden operator ops.
        var asTerminal = till
        asTerminal.key = daemon.keys.terminalKey
        let forbidden = try asTerminal("member", "show", "M00000001")
        #expect(forbidden.status == 5 && forbidden.err.hasPrefix("till: forbidden: ") && !forbidden.err.contains("forbidden: forbidden"), "\(forbidden.err)")

        let catalog = try till("catalog", "show")
        #expect(catalog.out.contains("1 free item (SKU-0001)") && !catalog.out.contains(" 0%"), "\(catalog.out)")
        #expect(catalog.out.contains("10% (at most 10.00)"))
    }
}

/// Minor units as the activity summary writes them (EUR: 2 decimals).
private func Render(_ minor: Int64) -> String { MoneyText.format(minor, digits: 2) }
