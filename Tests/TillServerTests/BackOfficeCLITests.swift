import Foundation
import Testing
import TillClient
import TillCore
import TillProtocol
@testable import TillServer

/// The back office end to end: the `till` binary against a real daemon, for every command and the seed rules.
@Suite struct BackOfficeCLITests {
    @Test func helpUsageAndExitCodes() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let help = try till("--help")
        #expect(help.status == 0 && help.out.contains("member search") && help.out.contains("exit codes"))
        #expect(try till("member", "tag", "--help").out.contains("usage: till member tag MEMBER TAG"))
        #expect(try till("member", "tag", "M00000001").status == 2)
        #expect(try till("member", "frobnicate").status == 2)
        #expect(try till("member", "show", "M-NOPE").status == 3)
        var wrong = till
        wrong.key = "ok_not_a_key"
        let refused = try wrong("member", "show", "M00000001")
        #expect(refused.status == 5)
        #expect(!refused.err.contains("ok_not_a_key") && !refused.out.contains("ok_not_a_key"))
        // The key from a config file (--config), never echoed.
        var fromFile = till
        fromFile.key = ""
        #expect(try fromFile("member", "show", "M00000001").status == 5)
        let config = daemon.folder.appendingPathComponent("cli.json")
        try "{\"operatorKey\": \"\(daemon.keys.operatorKey)\"}".write(to: config, atomically: true, encoding: .utf8)
        let viaConfig = try fromFile("member", "show", "M00000001", "--config", config.path)
        #expect(viaConfig.status == 0 && !viaConfig.out.contains(daemon.keys.operatorKey))
        let stats = try till("stats", json: true)
        #expect(stats.status == 0 && (stats.json["members"] as? Int) == 3)
    }

    @Test func memberLifecycleWithCaseSensitiveTagsNotesConsentAndCards() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let created = try till("member", "create", "--first-name", "Dora", "--phone", "0151 2223334", "--email", "Dora@Example.com", json: true)
        #expect(created.status == 0, "\(created.err)")
        let key = try #require(created.json["memberKey"] as? String)
        #expect(try till("member", "create", "--phone", "+491512223334").status == 4)  // already_exists
        #expect(try till("member", "update", key, "--last-name", "Lind").status == 0)
        #expect(try till("member", "tag", key, "VIP").status == 0)
        let tagged = try till("member", "tag", key, "vip", json: true)
        #expect(tagged.json["tags"] as? [String] == ["VIP", "vip"])
        #expect(try till("member", "untag", key, "Vip").status == 3)
        #expect(try till("member", "note", key, "Prefers oat milk").status == 0)
        #expect(try till("member", "consent", key, "--channel", "terms").status == 0)
        #expect(try till("member", "unsubscribe", key, "--channel", "email").status == 0)
        #expect(try till("card", "add", key, "C-900").status == 0)
        #expect(try till("card", "replace", key, "C-900", "C-901").status == 0)
        let shown = try till("member", "show", key)
        #expect(shown.status == 0)
        for text in ["Dora Lind", "+491512223334", "dora@example.com", "C-901", "VIP, vip", "Prefers oat milk", daemon.keys.operatorName, "terms accepted", "email no"] {
            #expect(shown.out.contains(text), "profile lacks \(text):\n\(shown.out)")
        }
        let activity = try till("activity", "list", key, json: true)
        let entries = try #require(activity.json["entries"] as? [[String: Any]])
        #expect(entries.count >= 9 && entries.allSatisfy { $0["source"] as? String == "operator" && $0["operatorName"] as? String == daemon.keys.operatorName })
        let export = try till("member", "export", key)
        #expect(export.status == 0 && export.out.contains("\"type\":\"profile\"") && export.out.contains("Prefers oat milk"))
        #expect(try till("member", "verify", key).status == 4)  // not pending
    }

    @Test func importStreamsAndSearchIsCappedAtFifty() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        var ndjson = ""
        for i in 1...70 { ndjson += "{\"firstName\":\"Hanna\",\"lastName\":\"Nr\(i)\",\"email\":\"hanna\(i)@example.com\"}\n" }
        ndjson += "{\"firstName\":\"Broken\",\"phone\":\"12\"}\n"
        let file = daemon.folder.appendingPathComponent("members.ndjson")
        try ndjson.write(to: file, atomically: true, encoding: .utf8)
        let imported = try till("member", "import", file.path, json: true)
        #expect(imported.status == 4, "\(imported.err)")  // a refused row: the run did not import everything
        #expect(imported.json["created"] as? Int == 70)
        #expect((imported.json["errors"] as? [[String: Any]])?.first?["row"] as? Int == 71)
        let csv = "firstName,email\nIda,ida@example.com\nJon,not-an-email\n"
        let viaStdin = try till("member", "import", "-", "--format", "csv", input: csv)
        #expect(viaStdin.out.contains("1 created") && viaStdin.out.contains("3"), "\(viaStdin.out)")
        let found = try till("member", "search", "anna", json: true)
        #expect((found.json["members"] as? [Any])?.count == 50)
        let exact = try till("member", "search", "hanna7@example.com", json: true)
        #expect(((exact.json["members"] as? [[String: Any]])?.first?["email"] as? String) == "hanna7@example.com")
    }

    /// A small frame limit makes `till member import` cut the file into dozens of chunks, four in flight: refused rows
    /// keep their file line numbers (also in CSV chunks, which repeat the header), a line too long for any request is
    /// refused without stopping the others, and a row updating a member created by an earlier chunk finds it (chunks
    /// are applied in file order).
    @Test func importPipelinesChunksInFileOrder() throws {
        let daemon = try TestDaemon { $0.maxFrameBytes = 4_096; $0.maxOperatorFrameBytes = 4_096 }
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        var ndjson = "", badLines: [Int] = []
        for line in 1...600 {
            if line % 97 == 0 {
                ndjson += "{\"memberKey\":\"P\(line)\",\"phone\":\"12\"}\n"; badLines.append(line)
            } else if line == 590 {
                // P570 is created ~20 lines (about one chunk) earlier, in a chunk likely still in flight.
                ndjson += "{\"memberKey\":\"P570\",\"lastName\":\"Updated\"}\n"
            } else if line == 300 {
                ndjson += "{\"memberKey\":\"P300\",\"firstName\":\"" + String(repeating: "x", count: 5_000) + "\"}\n"; badLines.append(line)
            } else {
                ndjson += "{\"memberKey\":\"P\(line)\",\"firstName\":\"Pipe\",\"lastName\":\"L\(line)\",\"email\":\"pipe\(line)@example.com\",\"points\":\(line)}\n"
            }
        }
        let file = daemon.folder.appendingPathComponent("pipelined.ndjson")
        try ndjson.write(to: file, atomically: true, encoding: .utf8)
        let imported = try till("member", "import", file.path, json: true)
        #expect(imported.status == 4, "\(imported.err)")
        #expect(imported.err.components(separatedBy: "lines ").count > 20, "expected many chunks: \(imported.err)")
        #expect(imported.json["created"] as? Int == 600 - badLines.count - 1 && imported.json["updated"] as? Int == 1)
        let errors = imported.json["errors"] as? [[String: Any]]
        #expect(errors?.map { $0["row"] as? Int } == badLines)
        #expect((errors?.first { $0["row"] as? Int == 300 }?["reason"] as? String)?.hasPrefix("line longer than") == true)
        let updated = try till("member", "show", "P570", json: true)
        let fields = updated.json["fields"] as? [String: Any]
        #expect((fields?["lastName"] as? String) == "Updated" && (fields?["firstName"] as? String) == "Pipe", "\(updated.out)")
        let last = try till("member", "show", "P599", json: true)
        #expect(((last.json["balance"] as? [String: Any])?["points"] as? Int) == 599, "\(last.out)")

        var csv = "memberKey,firstName,email\n"
        for row in 1...300 { csv += row == 250 ? "C\(row),Csv,not-an-email\n" : "C\(row),Csv,csv\(row)@example.com\n" }
        let viaCSV = try till("member", "import", "-", "--format", "csv", json: true, input: csv)
        #expect(viaCSV.json["created"] as? Int == 299, "\(viaCSV.out) \(viaCSV.err)")
        #expect((viaCSV.json["errors"] as? [[String: Any]])?.map { $0["row"] as? Int } == [251])  // the header is line 1
    }

    @Test func blockedMemberIsRefusedAtThePOSAndAnonymizedIdentifiersAreReusable() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let terminal = try daemon.terminal()
        let ben = MemberIdentifier(kind: .memberKey, value: "M00000002")
        #expect(try till("member", "block", "M00000002", "--reason", "fraud").status == 0)
        #expect(throws: ClientError.refused(.memberBlocked(field: "members[0]", memberKey: "M00000002"))) {
            try terminal.purchase(demoPurchase("b-1", members: [ben]))
        }
        #expect(try till("member", "unblock", "M00000002").status == 0)
        _ = try terminal.purchase(demoPurchase("b-2", members: [ben]))
        let history = try till("member", "show", "M00000002")
        #expect(history.out.contains("fraud"))

        #expect(try till("member", "anonymize", "M00000002").status == 2)  // needs --yes
        #expect(try till("member", "anonymize", "M00000002", "--yes").status == 0)
        #expect(throws: ClientError.self) { try terminal.identify([ben]) }
        let again = try till("member", "create", "--first-name", "Ben", "--phone", "+4915112345679", "--email", "ben@example.com")
        #expect(again.status == 0, "\(again.err)")
        // Purchases and points stay on the anonymized member.
        let purchases = try till("purchase", "list", "--member", "M00000002", json: true)
        #expect((purchases.json["purchases"] as? [Any])?.count == 1)
    }

    @Test func benefitsWalletsAndCatalogRules() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let sent = try till("benefit", "send", "M00000003", "COFFEE_CARD", json: true)
        let card = try #require((sent.json["benefits"] as? [[String: Any]])?.first?["benefitId"] as? String)
        #expect(try till("benefit", "use", "M00000003", card).status == 4)  // not full
        // Punched to full, the card completes by the purchase's rule: used, its reward issued, a new card.
        let punched = try till("benefit", "punch", "M00000003", card, "--count", "8", json: true)
        #expect((punched.json["benefits"] as? [[String: Any]])?.map { $0["status"] as? String } == ["used", "active", "active"], "\(punched.out)")
        #expect(try till("benefit", "use", "M00000003", card).status == 4)
        let gift = try #require(((try till("benefit", "send", "M00000003", "FREE_ESPRESSO", "--count", "2", json: true))
            .json["benefits"] as? [[String: Any]])?.first?["benefitId"] as? String)
        #expect(try till("benefit", "extend", "M00000003", gift, "--days", "5").status == 0)
        let list = try till("benefit", "list", "M00000003", "--status", "used")
        #expect(list.out.contains("Coffee card"))
        // Withdraw the gift's template: extending is refused from then on.
        let catalog = try till("catalog", "show", json: true)
        var object = catalog.json
        object["giftTemplates"] = (object["giftTemplates"] as? [[String: Any]])?.filter { $0["templateId"] as? String != "FREE_ESPRESSO" }
        object["punchTemplates"] = [Any]()
        let file = daemon.folder.appendingPathComponent("catalog.json")
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        let set = try till("catalog", "set", file.path)
        #expect(set.status == 0, "\(set.err)")
        #expect(try till("benefit", "extend", "M00000003", gift, "--days", "5").status == 4)
        #expect(try till("benefit", "delete", "M00000003", gift).status == 0)

        #expect(try till("wallet", "deduct", "M00000003", "--credit", "2501", "--reason", "test").status == 4)
        let added = try till("wallet", "add", "M00000003", "--points", "40", "--reason", "goodwill", json: true)
        #expect(added.json["points"] as? Int == 40)
        #expect(try till("wallet", "deduct", "M00000003", "--points", "40", "--reason", "correction").status == 0)
    }

    @Test func purchasesTicketsKeysAndOperators() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let terminal = try daemon.terminal()
        _ = try terminal.purchase(demoPurchase("p-1", members: [MemberIdentifier(kind: .memberKey, value: "M00000001")]))
        let list = try till("purchase", "list", "--member", "M00000001")
        #expect(list.status == 0 && list.out.contains("p-1") && list.out.contains("lifetime spend"))
        let ticket = try till("purchase", "show", "p-1", "--branch", daemon.keys.branchId, "--pos", daemon.keys.posId)
        #expect(ticket.status == 0 && ticket.out.contains("SKU-0001") && ticket.out.contains("M00000001") && ticket.out.contains("total"))
        #expect(try till("purchase", "show", "p-9", "--branch", daemon.keys.branchId, "--pos", daemon.keys.posId).status == 3)

        let provisioned = try till("terminal", "provision", "--branch", "B9", "--pos", "P1", json: true)
        let apiKey = try #require(provisioned.json["apiKey"] as? String)
        let keyId = try #require((provisioned.json["info"] as? [String: Any])?["keyId"] as? String)
        _ = try TillClient(daemon.address, apiKey: apiKey).ping()
        #expect(try till("terminal", "list").out.contains("B9/P1"))
        #expect(!(try till("terminal", "list").out.contains(apiKey)))
        #expect(try till("terminal", "disable", keyId).status == 0)
        #expect(throws: ClientError.self) { try TillClient(daemon.address, apiKey: apiKey) }

        let op = try till("operator", "provision", "bob", json: true)
        var bob = till
        bob.key = try #require(op.json["apiKey"] as? String)
        #expect(try bob("member", "note", "M00000001", "hello from bob").status == 0)
        #expect(try till("member", "show", "M00000001").out.contains("bob"))
        #expect(try till("operator", "list").out.contains("bob"))
        let bobId = try #require((op.json["info"] as? [String: Any])?["keyId"] as? String)
        #expect(try till("operator", "disable", bobId).status == 0)
        #expect(try bob("member", "show", "M00000001").status == 5)
    }

    /// `till app-code issue` gives a code a terminal can identify the member with once; `till app-code revoke` ends it.
    @Test func appCodesAreIssuedAndRevokedFromTheCLI() throws {
        let daemon = try TestDaemon()
        defer { daemon.stop(); daemon.removeFolder() }
        let till = TillCLI(daemon)
        let terminal = try daemon.terminal()
        let issued = try till("app-code", "issue", "M00000001", json: true)
        #expect(issued.status == 0)
        let code = try #require(issued.json["code"] as? String)
        #expect(try terminal.identify([MemberIdentifier(kind: .appCode, value: code)])[0].memberKey == "M00000001")
        #expect(try till("app-code", "revoke", code, json: true).json["state"] as? String == "revoked")
        #expect(throws: ClientError.refused(.memberNotFound(field: "identifiers[0]"))) {
            try terminal.identify([MemberIdentifier(kind: .appCode, value: code)])
        }
        #expect(try till("app-code", "revoke", "00000000").status == 3)
    }
}
