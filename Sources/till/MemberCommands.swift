import Foundation
import TillCommandLine
import TillCore
import TillIO
import TillProtocol

/// `till member …` and `till card …`.
enum MemberCommands {
    static let fieldOptions: [Parameter] = [
        .option("first-name", "first name"), .option("last-name", "last name"), .option("phone", "phone number (normalised as at the POS)"),
        .option("email", "email address"), .option("birthday", "YYYY-MM-DD"), .option("custom-id", "the shop's own id"),
    ]
    static let key = Parameter.argument("MEMBER", "member key")

    static func fields(_ i: Invocation) -> MemberFields {
        MemberFields(firstName: i.value("first-name"), lastName: i.value("last-name"), phone: i.value("phone"), email: i.value("email"),
                     birthday: i.value("birthday"), customId: i.value("custom-id"))
    }

    static func search(_ i: Invocation, _ query: MemberSearch) throws(CLIError) -> Output {
        guard case .members(let list) = try i.perform(.memberSearch(query)) else { throw .usage("unexpected answer") }
        var text = Render.table(["member", "status", "name", "phone", "email"], list.members.map {
            [$0.memberKey, $0.status.rawValue, [$0.firstName, $0.lastName].compactMap { $0 }.joined(separator: " "), $0.phone ?? "", $0.email ?? ""]
        }, empty: "no member matches")
        if list.truncated { text += "\nstopped at \(list.members.count): more members match; narrow the search" }
        return Output(human: text, json: Render.json(list))
    }

    static func profile(_ i: Invocation, _ request: OperatorRequest) throws(CLIError) -> Output {
        guard case .member(let p) = try i.perform(request) else { throw .usage("unexpected answer") }
        return Render.profile(p)
    }

    static func appCode(_ i: Invocation, _ response: OperatorResponse) throws(CLIError) -> Output {
        guard case .appCode(let a) = response else { throw .usage("unexpected answer") }
        return Output(human: Render.fields([("code", a.code), ("member", a.memberKey), ("state", a.state.rawValue),
                                            ("issued", Render.time(a.issuedAt)), ("expires", Render.time(a.expiresAt))]), json: Render.json(a))
    }

    static let all: [Command] = [
        Command(noun: "member", verb: "search", summary: "find members by phone, email, name, member key or card (exact and contains, at most 50)",
                parameters: [.argument("QUERY", "text to look for"), .option("tag", "only members with this tag (case-sensitive)"),
                             .option("limit", "at most this many rows (1-50, default 50)")],
                examples: ["till member search anna --limit 5", "till member search +4915112345678 --tag VIP"]) { i throws(CLIError) in
            try search(i, MemberSearch(query: i.required("QUERY"), limit: min(try i.int("limit") ?? 50, 50), tag: i.value("tag")))
        },
        Command(noun: "member", verb: "list", summary: "the members holding a tag (case-sensitive), at most 50",
                parameters: [.option("tag", "the tag", required: true), .option("limit", "at most this many rows (1-50, default 50)")]) { i throws(CLIError) in
            try search(i, MemberSearch(query: "", limit: min(try i.int("limit") ?? 50, 50), tag: i.required("tag")))
        },
        Command(noun: "member", verb: "show", summary: "a member's profile: details, status history, wallets, tags, notes, preferences",
                parameters: [.argument("MEMBER", "member key, or the phone, email or card the member gives")],
                examples: ["till member show M00000001 --json"]) { i throws(CLIError) in
            try profile(i, .memberGet(MemberRef(memberKey: i.required("MEMBER"))))
        },
        Command(noun: "member", verb: "create", summary: "register a member (--pending: waiting for verification, see member verify)",
                parameters: fieldOptions + [.flag("pending", "create pending verification (member verify activates it)"),
                                            .option("opt-in", "marketing opt-in status", choices: OptInStatus.allCases.map(\.rawValue))],
                examples: ["till member create --first-name Anna --phone +4915112345678 --opt-in single"]) { i throws(CLIError) in
            try profile(i, .memberCreate(MemberCreate(fields: fields(i), pendingVerification: i.has("pending"),
                                                      optIn: i.value("opt-in").flatMap(OptInStatus.init))))
        },
        Command(noun: "member", verb: "update", summary: "change a member's details (only the options given; \"\" removes)",
                parameters: [key] + fieldOptions) { i throws(CLIError) in
            try profile(i, .memberUpdate(MemberUpdate(memberKey: i.required("MEMBER"), fields: fields(i))))
        },
        Command(noun: "member", verb: "block", summary: "block a member: refused at the POS until unblocked",
                parameters: [key, .option("reason", "kept in the status history")]) { i throws(CLIError) in
            try profile(i, .memberBlock(MemberRef(memberKey: i.required("MEMBER"), reason: i.value("reason"))))
        },
        Command(noun: "member", verb: "unblock", summary: "unblock a member",
                parameters: [key, .option("reason", "kept in the status history")]) { i throws(CLIError) in
            try profile(i, .memberUnblock(MemberRef(memberKey: i.required("MEMBER"), reason: i.value("reason"))))
        },
        Command(noun: "member", verb: "verify", summary: "activate a member pending verification", parameters: [key]) { i throws(CLIError) in
            try profile(i, .memberVerify(MemberRef(memberKey: i.required("MEMBER"))))
        },
        Command(noun: "member", verb: "tag", summary: "add a tag (case-sensitive: VIP and vip are two tags)",
                parameters: [key, .argument("TAG", "the tag")]) { i throws(CLIError) in
            try profile(i, .memberTag(MemberTag(memberKey: i.required("MEMBER"), tag: i.required("TAG"))))
        },
        Command(noun: "member", verb: "untag", summary: "remove a tag (case-sensitive)", parameters: [key, .argument("TAG", "the tag")]) { i throws(CLIError) in
            try profile(i, .memberUntag(MemberTag(memberKey: i.required("MEMBER"), tag: i.required("TAG"))))
        },
        Command(noun: "member", verb: "note", summary: "add a note (kept with your operator name and the time)",
                parameters: [key, .argument("TEXT", "the note")]) { i throws(CLIError) in
            try profile(i, .memberNote(NoteAdd(memberKey: i.required("MEMBER"), text: i.required("TEXT"))))
        },
        Command(noun: "member", verb: "consent", summary: "record a consent given (e.g. offline, at the counter) or withdrawn",
                parameters: [key, .option("channel", "what the consent is about", required: true, choices: ConsentChannel.allCases.map(\.rawValue)),
                             .flag("withdrawn", "record a withdrawal instead"), .option("at", "when it was given (RFC 3339; default now)"),
                             .option("opt-in", "with --channel marketing: the exact opt-in status (double: confirmed; objection: actively objects)",
                                     choices: OptInStatus.allCases.map(\.rawValue))],
                examples: ["till member consent M00000001 --channel marketing --opt-in double --at 2026-01-31"]) { i throws(CLIError) in
            let at = try i.value("at").map { (t: String) throws(CLIError) in try Dates.parse(t, endOfDay: false) }
            let optIn = i.value("opt-in").flatMap(OptInStatus.init)
            // An opt-in status says itself whether consent is given: none, withdrawn and objection are not.
            let granted = optIn.map { [.single, .double].contains($0) } ?? !i.has("withdrawn")
            return try profile(i, .memberConsent(ConsentRecord(memberKey: i.required("MEMBER"), channel: ConsentChannel(rawValue: i.required("channel"))!,
                                                               granted: granted, at: at, optIn: optIn)))
        },
        Command(noun: "member", verb: "unsubscribe", summary: "unsubscribe a member from SMS or email",
                parameters: [key, .option("channel", "sms or email", required: true, choices: MessageChannel.allCases.map(\.rawValue))]) { i throws(CLIError) in
            try profile(i, .memberUnsubscribe(Unsubscribe(memberKey: i.required("MEMBER"), channel: MessageChannel(rawValue: i.required("channel"))!)))
        },
        Command(noun: "member", verb: "export", summary: "data report: everything held about a member, as NDJSON",
                parameters: [key, .option("output", "write to this file instead of standard output")]) { i throws(CLIError) in
            guard case .export(let e) = try i.perform(.memberExport(MemberRef(memberKey: i.required("MEMBER")))) else { throw .usage("unexpected answer") }
            if let file = i.value("output") {
                do { try PrivateFile.write(Array(e.ndjson.utf8), to: file) } catch { throw .file("cannot write \(file): \(error)") }  // 0600: personal data
                return Output(human: "data report of \(e.memberKey) written to \(file)", json: Render.json(DataExport(memberKey: e.memberKey, generatedAt: e.generatedAt, ndjson: "")))
            }
            return Output(human: e.ndjson.hasSuffix("\n") ? String(e.ndjson.dropLast()) : e.ndjson, json: Render.json(e))
        },
        Command(noun: "member", verb: "anonymize",
                summary: "delete a member (Till deletes by anonymizing): personal data erased for good, phone/email/cards released",
                parameters: [key, .flag("yes", "confirm: this cannot be undone"), .option("reason", "kept in the status history")],
                examples: ["till member anonymize M00000001 --yes --reason \"member asked\""]) { i throws(CLIError) in
            guard i.has("yes") else { throw .usage("anonymizing cannot be undone: add --yes") }
            return try profile(i, .memberAnonymize(MemberRef(memberKey: i.required("MEMBER"), reason: i.value("reason"))))
        },
        Command(noun: "member", verb: "import", summary: "import members from an NDJSON or CSV file, streaming; bad rows are listed by line",
                parameters: [.argument("FILE", "the file (- for standard input)"), .option("format", "file format (default: from the extension)", choices: ["ndjson", "csv"]),
                             .flag("dry-run", "check every row, write nothing")],
                examples: ["till member import members.csv --dry-run", "till member import - --format ndjson"]) { i throws(CLIError) in
            try Importing.run(i)
        },
        Command(noun: "app-code", verb: "issue", summary: "issue a short-lived, single-use code for the member's app (shown once)",
                parameters: [key]) { i throws(CLIError) in
            try appCode(i, try i.perform(.appCodeIssue(MemberRef(memberKey: i.required("MEMBER")))))
        },
        Command(noun: "app-code", verb: "revoke", summary: "make an app code unusable at once", parameters: [.argument("CODE", "the app code")]) { i throws(CLIError) in
            try appCode(i, try i.perform(.appCodeRevoke(AppCodeRef(code: i.required("CODE")))))
        },
        Command(noun: "card", verb: "add", summary: "give a member a loyalty card", parameters: [key, .argument("CARD", "card number")]) { i throws(CLIError) in
            try profile(i, .cardAdd(CardChange(memberKey: i.required("MEMBER"), card: i.required("CARD"))))
        },
        Command(noun: "card", verb: "remove", summary: "take a card off a member (lost, returned); the number is released for reuse",
                parameters: [key, .argument("CARD", "the card to remove")]) { i throws(CLIError) in
            try profile(i, .cardRemove(CardChange(memberKey: i.required("MEMBER"), card: i.required("CARD"))))
        },
        Command(noun: "card", verb: "replace", summary: "replace a member's card (the old one is released)",
                parameters: [key, .argument("OLD", "the card to replace"), .argument("NEW", "the new card")]) { i throws(CLIError) in
            try profile(i, .cardReplace(CardChange(memberKey: i.required("MEMBER"), card: i.required("NEW"), oldCard: i.required("OLD"))))
        },
    ]
}

/// Dates typed on the command line: `YYYY-MM-DD` (UTC) or RFC 3339.
enum Dates {
    static func parse(_ text: String, endOfDay: Bool) throws(CLIError) -> Timestamp {
        var wire = text
        if text.count == 10 { wire += endOfDay ? "T23:59:59.999Z" : "T00:00:00Z" }
        do {
            return try StoredJSON.read(Array("{\"t\":\"\(wire)\"}".utf8)) { o throws(TillError) in try o.timestamp("t") }
        } catch {
            throw .usage("\(text) is not a date (YYYY-MM-DD or RFC 3339)")
        }
    }
}
