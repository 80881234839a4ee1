import Testing
@testable import TillCommandLine

/// The parser against a small table shaped like the programs' (groups, a runnable root, env and defaults).
@Suite struct ParserTests {
    static let program = ProgramSpec(
        name: "shop", summary: "shop: a test program", version: "shop 1.0",
        commands: [
            CommandSpec(path: ["member", "search"], summary: "find members",
                        parameters: [.argument("QUERY", "text"), .option("limit", "rows", default: "50"), .option("tag", "a tag")],
                        examples: ["shop member search anna --limit 5"]),
            CommandSpec(path: ["member", "show"], summary: "a member", parameters: [.argument("MEMBER", "key")]),
            CommandSpec(path: ["run"], summary: "run", parameters: [
                .option("server", "HOST:PORT", valueName: "HOST:PORT", required: true, environment: "SHOP_SERVER"),
                .option("mix", "what to send", choices: ["identify", "purchases"]), .flag("verify", "check"),
                .option("arg", "passed on", repeatable: true), .option("wait", "how long", default: "30s"),
                .option("new-name", "renamed", environment: "SHOP_NEW_NAME", deprecatedNames: ["old-name"], deprecatedEnvironmentVariables: ["SHOP_OLD"]),
            ], examples: ["shop run --server 127.0.0.1:1 --mix=identify --verify --arg a --arg b"]),
        ],
        globalParameters: [.flag("json", "JSON")], footer: "exit codes: 0 ok, 2 usage", jsonErrorFlag: "json")

    func run(_ words: [String], environment: [String: String] = [:]) throws -> ParsedCommand {
        guard case .run(let parsed) = try Self.program.parse(words, environment: environment) else { throw CommandLineError.conflicting("not a run") }
        return parsed
    }

    @Test func commandsOptionsFlagsPositionalsAndDefaults() throws {
        let search = try run(["member", "search", "anna", "--tag=VIP", "--json"])
        #expect(search.path == ["member", "search"] && search.value("QUERY") == "anna" && search.value("tag") == "VIP" && search.has("json"))
        #expect(search.value("limit") == "50" && search.source("limit") == .defaultValue && search.explicitValue("limit") == nil)
        #expect(try search.int("limit", range: 1...50) == 50)
        let r = try run(["run", "--server", "h:1", "--verify", "--arg", "a", "--arg", "--b", "--"], environment: [:])
        let wait = try r.duration("wait")
        #expect(r.all("arg") == ["a", "--b"] && r.has("verify") && wait == .seconds(30))
    }

    @Test func environmentFallsBackBehindTheCommandLine() throws {
        let fromEnvironment = try run(["run"], environment: ["SHOP_SERVER": "env:2"])
        #expect(fromEnvironment.value("server") == "env:2" && fromEnvironment.source("server") == .environment("SHOP_SERVER"))
        let fromFlag = try run(["run", "--server", "flag:3"], environment: ["SHOP_SERVER": "env:2"])
        #expect(fromFlag.value("server") == "flag:3" && fromFlag.source("server") == .commandLine)
        #expect(throws: CommandLineError.missingOption("--server (or SHOP_SERVER)")) { try run(["run"]) }
    }

    @Test func deprecatedSpellingsWorkWithAWarning() throws {
        let old = try run(["run", "--server", "h:1", "--old-name", "x"], environment: ["SHOP_OLD": "y"])
        #expect(old.value("new-name") == "x" && old.warnings.contains("--old-name is deprecated: use --new-name"))
        let env = try run(["run", "--server", "h:1"], environment: ["SHOP_OLD": "y"])
        #expect(env.value("new-name") == "y" && env.source("new-name") == .environment("SHOP_OLD"))
        #expect(try run(["run", "--server", "h:1"], environment: ["SHOP_OLD": "y", "SHOP_NEW_NAME": "z"]).value("new-name") == "z")
    }

    @Test func typedRefusals() throws {
        #expect(throws: CommandLineError.unknownOption("--limt", suggestion: "--limit")) { try run(["member", "search", "x", "--limt", "3"]) }
        #expect(throws: CommandLineError.unknownOption("--zzzzzz", suggestion: nil)) { try run(["member", "search", "x", "--zzzzzz"]) }
        #expect(throws: CommandLineError.missingValue("--server")) { try run(["run", "--server"]) }
        #expect(throws: CommandLineError.unexpectedValue("--verify")) { try run(["run", "--server", "h:1", "--verify=yes"]) }
        #expect(throws: CommandLineError.missingArgument("MEMBER")) { try run(["member", "show"]) }
        #expect(throws: CommandLineError.unexpectedArgument("extra")) { try run(["member", "show", "M1", "extra"]) }
        #expect(throws: CommandLineError.invalidChoice(option: "--mix", value: "all", choices: ["identify", "purchases"])) {
            try run(["run", "--server", "h:1", "--mix", "all"])
        }
        #expect(throws: CommandLineError.unknownCommand("memebr show", suggestion: "shop member show")) { try run(["memebr", "show", "M1"]) }
        #expect(throws: CommandLineError.unknownCommand("member shwo", suggestion: "shop member show")) { try run(["member", "shwo", "M1"]) }
        #expect(throws: CommandLineError.unknownCommand("frobnicate", suggestion: nil)) { try run(["frobnicate"]) }
        #expect(throws: CommandLineError.unknownCommand("memebr", suggestion: "shop member")) { try Self.program.parse(["help", "memebr"]) }
        let bad = try run(["run", "--server", "h:1", "--wait", "soon"])
        #expect(throws: CommandLineError.invalidValue(option: "--wait", value: "soon", expected: "a duration like 30s, 2m or 500ms")) { try bad.duration("wait") }
        #expect(CommandLineError.unknownOption("--limt", suggestion: "--limit").exitCode == 2)
    }

    @Test func helpVersionAndCompletionAreBuiltIn() throws {
        guard case .help(let root, 2) = try Self.program.parse([]) else { Issue.record("no root help"); return }
        #expect(root.contains("member search") && root.contains("shop completion bash|zsh") && root.contains("exit codes"))
        guard case .help(let group, 0) = try Self.program.parse(["help", "member"]) else { Issue.record("no group help"); return }
        #expect(group.contains("member show") && !group.contains("  run "))
        for words in [["help", "run"], ["run", "--help"], ["run", "-h", "--nope"]] {
            guard case .help(let page, 0) = try Self.program.parse(words) else { Issue.record("no help for \(words)"); continue }
            #expect(page.contains("usage: shop run --server HOST:PORT [options]") && page.contains("env SHOP_SERVER") && page.contains("default: 30s"))
            #expect(!page.contains("old-name"))
        }
        guard case .version("shop 1.0") = try Self.program.parse(["--version"]) else { Issue.record("no version"); return }
        guard case .completion(let bash) = try Self.program.parse(["completion", "bash"]) else { Issue.record("no completion"); return }
        #expect(bash.contains("complete -o default -F _shop shop") && bash.contains("\"member search\")") && bash.contains("--mix) COMPREPLY"))
        #expect(throws: CommandLineError.invalidChoice(option: "completion", value: "fish", choices: ["bash", "zsh"])) {
            try Self.program.parse(["completion", "fish"])
        }
    }

    @Test func refusalsAsTextOrJSON() {
        let error = CommandLineError.unknownOption("--limt", suggestion: "--limit")
        #expect(Self.program.refusal(error, arguments: []) == "shop: usage: unknown option --limt; did you mean --limit?")
        #expect(Self.program.refusal(error, arguments: ["--json"])
                == #"{"error":"usage","message":"usage: unknown option --limt; did you mean --limit?","exitCode":2}"#)
        #expect(Diagnostic.quoted("a\"b\\\n\u{1}") == #""a\"b\\\n\u0001""#)
    }
}
