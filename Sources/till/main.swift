// till: the operator's command line for tilld. `till --help` lists every command; every level answers --help.
import Foundation
import TillClient
import TillCore
import TillProtocol

/// Every command, in help order: help and parsing both read this one table.
let commands: [Command] = {
    let all = MemberCommands.all + BenefitCommands.all + HistoryCommands.all + HelpDeskCommands.all + AdminCommands.all
    // Each noun's verbs together, nouns in order of first appearance.
    var nouns: [String] = []
    for c in all where !nouns.contains(c.noun) { nouns.append(c.noun) }
    return nouns.flatMap { noun in all.filter { $0.noun == noun } }
}()

/// Options every command accepts.
let globalOptions: [Parameter] = [
    .option("server", "HOST:PORT of tilld (default: config file, else 127.0.0.1:7400)"),
    .option("tls-ca", "CA certificate (PEM) to verify the server with: connects over TLS"),
    .option("config", "config file (default ~/.config/till/cli.json: {\"server\", \"operatorKey\", \"tlsCA\"})"),
    .flag("json", "print JSON for scripts instead of tables"),
    .flag("help", "show help"),
]
// `till --version` (alone) prints the version; see `run`.

let exitCodes = """
    exit codes: 0 ok, 2 usage or invalid input, 3 not found, 4 refused by a rule (not_allowed, insufficient_balance,
    already_exists, member_blocked, …; an import with refused rows), 5 connection or authentication, 6 server or storage
    failure. With --json an error is {"error": wire code, "message", "exitCode"} on standard error.
    The operator key comes from TILL_OPERATOR_KEY, else the config file; it is never printed.
    """

func usage(_ text: String) -> String { "usage: " + text }

func helpText(noun: String?, command: Command?) -> String {
    func describe(_ p: Parameter) -> String {
        let name = p.positional ? p.name : "--" + p.name + (p.flag ? "" : " " + (p.choices.isEmpty ? "VALUE" : p.choices.joined(separator: "|")))
        return "  " + name.padding(toLength: max(28, name.count + 2), withPad: " ", startingAt: 0) + p.help + (p.required && !p.positional ? " (required)" : "")
    }
    if let c = command {
        let synopsis = ["till", c.noun, c.verb].filter { !$0.isEmpty }.joined(separator: " ")
            + c.parameters.map { $0.positional ? " " + $0.name : ($0.required ? " --\($0.name) …" : "") }.joined() + " [options]"
        return ([usage(synopsis), "", c.summary, ""] + c.parameters.map(describe) + ["", "global options:"] + globalOptions.map(describe)
                + ["", exitCodes]).joined(separator: "\n")
    }
    let shown = commands.filter { noun == nil || $0.noun == noun }
    let lines = shown.map { c in
        let name = [c.noun, c.verb].filter { !$0.isEmpty }.joined(separator: " ")
        return "  " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + c.summary
    }
    return ([usage("till \(noun ?? "<noun>") <verb> [arguments] [options]"), "", "commands:"] + lines
            + ["", "global options:"] + globalOptions.map(describe)
            + ["", "till help <noun> <verb> (or till <noun> <verb> --help) shows a command's options;",
               "till completion bash|zsh prints a shell completion script (e.g. source <(till completion bash)).", exitCodes])
        .joined(separator: "\n")
}

/// The words of the command line split into the command's parameters and the global options.
func parse(_ words: [String], for command: Command) throws(CLIError) -> (values: [String: String], flags: Set<String>) {
    let parameters = command.parameters + globalOptions
    var values: [String: String] = [:]
    var flags = Set<String>()
    var positionals = command.parameters.filter(\.positional)
    var index = 0
    while index < words.count {
        let word = words[index]
        index += 1
        if word.hasPrefix("--") && word.count > 2 {
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") { inline = String(name[name.index(after: eq)...]); name = String(name[..<eq]) }
            guard let p = parameters.first(where: { !$0.positional && $0.name == name }) else {
                let near = Suggestion.closest(name, among: parameters.filter { !$0.positional }.map(\.name))
                throw .usage("unknown option --\(name)" + (near.map { "; did you mean --\($0)?" } ?? " (see --help)"))
            }
            if p.flag { flags.insert(name); continue }
            guard let value = inline ?? (index < words.count ? words[index] : nil) else { throw .usage("--\(name) needs a value") }
            if inline == nil { index += 1 }
            guard p.choices.isEmpty || p.choices.contains(value) else { throw .usage("--\(name) must be one of \(p.choices.joined(separator: ", "))") }
            values[name] = value
        } else {
            guard !positionals.isEmpty else { throw .usage("unexpected argument \(word) (see --help)") }
            values[positionals.removeFirst().name] = word
        }
    }
    if !flags.contains("help") {
        if let missing = positionals.first { throw .usage("missing \(missing.name) (see --help)") }
        if let missing = command.parameters.first(where: { $0.required && !$0.positional && values[$0.name] == nil }) {
            throw .usage("--\(missing.name) is required")
        }
    }
    return (values, flags)
}

/// Server, TLS and key from the options, the environment and the config file (in that order).
func connection(_ values: [String: String]) throws(CLIError) -> (ServerAddress, String) {
    let path = values["config"] ?? (ProcessInfo.processInfo.environment["HOME"].map { $0 + "/.config/till/cli.json" } ?? "")
    var file: [String: Any] = [:]
    if let data = FileManager.default.contents(atPath: path) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw .config("\(path) is not a JSON object") }
        file = object
    } else if values["config"] != nil {
        throw .config("cannot read \(path)")
    }
    let server = values["server"] ?? ProcessInfo.processInfo.environment["TILL_SERVER"] ?? file["server"] as? String ?? "127.0.0.1:7400"
    guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
        throw .usage("--server must be HOST:PORT")
    }
    let fromEnvironment = ProcessInfo.processInfo.environment["TILL_OPERATOR_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    guard let key = fromEnvironment ?? file["operatorKey"] as? String, !key.isEmpty else {
        throw .config("no operator key: set TILL_OPERATOR_KEY or \"operatorKey\" in \(path)")
    }
    let host = String(server[..<colon]).trimmingCharacters(in: ["[", "]"])
    return (ServerAddress(host: host, port: port, tlsCA: values["tls-ca"] ?? file["tlsCA"] as? String), key)
}

func run(_ arguments: [String]) -> Int32 {
    if arguments == ["--version"] {
        print(TillRelease.versionLine(program: "till"))
        return 0
    }
    var words = arguments
    let json = words.contains("--json")
    // `till help [NOUN [VERB]]` is `till NOUN VERB --help`.
    if words.first == "help" { words = Array(words.dropFirst()) + ["--help"] }
    let wantsHelp = words.contains("--help") || words.contains("-h")
    words.removeAll { $0 == "-h" }
    if words.first == "completion" { return Completion.run(Array(words.dropFirst())) }
    let leading = words.prefix { !$0.hasPrefix("-") }
    let noun = leading.first
    let verb = leading.dropFirst().first
    let command = commands.first { $0.noun == noun && ($0.verb == verb || $0.verb.isEmpty) }
    guard let command else {
        let known = noun.map { n in commands.contains { $0.noun == n } } ?? false
        if (wantsHelp && (noun == nil || known)) || noun == nil || (known && verb == nil) {
            print(helpText(noun: known ? noun : nil, command: nil))
            return wantsHelp ? 0 : 2
        }
        let typed = leading.prefix(known ? 2 : 1).joined(separator: " ")
        let hint = Suggestion.closest(to: Array(leading.prefix(2))).map { "; did you mean: till \($0)?" } ?? " (see till --help)"
        fail(CLIError.usage("unknown command \(typed)\(hint)"), json: json)
        return 2
    }
    let rest = Array(words.dropFirst(command.verb.isEmpty ? 1 : 2))
    do {
        let parsed = try parse(rest, for: command)
        if parsed.flags.contains("help") {
            print(helpText(noun: command.noun, command: command))
            return 0
        }
        let invocation = Invocation(values: parsed.values, flags: parsed.flags) { () throws(CLIError) in
            let (address, key) = try connection(parsed.values)
            do { return try TillClient(address, apiKey: key, client: "till-cli", timeout: command.timeout) } catch let e as ClientError { throw .client(e) } catch { throw .config("\(error)") }
        }
        let output = try command.run(invocation)
        print(json ? output.json : output.human)
        return output.exitCode
    } catch {
        fail(error, json: json)
        return error.exitCode
    }
}

/// Writes why the command failed to standard error: `till: …` for people, `{"error": wire code, …}` with --json.
func fail(_ error: CLIError, json: Bool) {
    if json {
        FileHandle.standardError.write(Data(("{\"error\":\(Render.quoted(error.code)),\"message\":\(Render.quoted(error.message)),"
            + "\"exitCode\":\(error.exitCode)}\n").utf8))
    } else {
        FileHandle.standardError.write(Data("till: \(error.message)\n".utf8))
    }
}

exit(run(Array(CommandLine.arguments.dropFirst())))
