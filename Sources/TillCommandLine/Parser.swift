/// What a command line asks for.
public enum ParseOutcome: Sendable {
    /// Run this command.
    case run(ParsedCommand)
    /// Print this help on standard output and exit with `exitCode` (0 when asked for, 2 when a command was missing).
    case help(String, exitCode: Int32)
    /// Print the version line.
    case version(String)
    /// Print a shell completion script.
    case completion(String)
}

extension ProgramSpec {
    /// Reads `arguments` (without the program name) against the table.
    ///
    /// Guarantees: the leading words name the command (the longest match); then options in any order (`--name VALUE`,
    /// `--name=VALUE`, flags, `--` ending them) and positional arguments in the order the table lists them. Every
    /// refusal is a typed `CommandLineError`; an unknown command or option carries the closest known one.
    public func parse(_ arguments: [String], environment: [String: String] = [:]) throws(CommandLineError) -> ParseOutcome {
        var words = arguments
        let end = words.firstIndex(of: "--") ?? words.count
        var helpRequested = words[..<end].contains { $0 == "--help" || $0 == "-h" }
        words = words[..<end].filter { $0 != "--help" && $0 != "-h" } + words[end...]
        if words.first == "help" {
            helpRequested = true
            words.removeFirst()
        }
        if words.first == "completion" {
            let shell = words.dropFirst().first { !$0.hasPrefix("-") }
            if helpRequested { return .help(completionUsage, exitCode: 0) }
            switch shell {
            case "bash": return .completion(ShellCompletion.bash(self))
            case "zsh": return .completion(ShellCompletion.zsh(self))
            case nil: throw .missingArgument("SHELL (\(completionUsage))")
            case let other?: throw .invalidChoice(option: "completion", value: other, choices: ["bash", "zsh"])
            }
        }
        // The command: the longest run of leading words that names commands.
        var path: [String] = []
        while let word = words.dropFirst(path.count).first, !word.hasPrefix("-"),
              commands.contains(where: { $0.path.starts(with: path + [word]) }) {
            path.append(word)
        }
        let rest = Array(words.dropFirst(path.count))
        if path.isEmpty && rest.first(where: { $0 == "--version" }) != nil && !helpRequested { return .version(version) }
        // Words left that name no command (`till help memebr`, `tilld restor`) are a typo, also when asking for help.
        let unresolved = rest.first.map { !$0.hasPrefix("-") } ?? false
        guard let command = command(path) else {
            if unresolved { throw unknownCommand(path, rest) }
            return .help(HelpText.group(self, path), exitCode: helpRequested ? 0 : 2)
        }
        if helpRequested {
            if unresolved && !command.parameters.contains(where: \.isPositional) && hasSubcommands(path) { throw unknownCommand(path, rest) }
            return .help(HelpText.command(self, command), exitCode: 0)
        }
        return .run(try ParsedCommand(self, command, rest, environment: environment))
    }

    var completionUsage: String { "usage: \(name) completion bash|zsh (e.g. source <(\(name) completion bash))" }

    /// The error for words after `path` that name no command, with the closest command line that exists.
    func unknownCommand(_ path: [String], _ rest: [String]) -> CommandLineError {
        let typed = rest.prefix { !$0.hasPrefix("-") }.prefix(max(1, depth - path.count))
        for count in stride(from: typed.count, through: 1, by: -1) {
            let words = Array(typed.prefix(count))
            // Only commands (or groups) as deep as the words compared: `restor f` is not compared with `restore`.
            let candidates = Set(commands(under: path).filter { $0.path.count >= path.count + count }.map { Array($0.path.dropFirst(path.count).prefix(count)) })
            if let near = Suggestion.closest(words.joined(separator: " "), among: candidates.map { $0.joined(separator: " ") }) {
                return .unknownCommand((path + [typed.prefix(count).joined(separator: " ")]).joined(separator: " "),
                                       suggestion: ([name] + path + [near]).joined(separator: " "))
            }
        }
        return .unknownCommand((path + [typed.first ?? ""]).joined(separator: " "), suggestion: nil)
    }
}

/// A command line read against its command's parameters.
///
/// Guarantees: every option and argument the command got is one of its table's, checked against its choices; an
/// option's value is the command line's (the last one when repeated), else its environment variable's, else its default.
public struct ParsedCommand: Sendable {
    public let command: CommandSpec
    let parameters: [Parameter]
    /// Values given on the command line, by option name, in order.
    var given: [String: [String]] = [:]
    var flags: Set<String> = []
    /// Values from the environment, by option name, with the variable they came from.
    var fromEnvironment: [String: (variable: String, value: String)] = [:]
    /// Deprecated spellings used, one line each (`--tls-client-c-a is deprecated: use --tls-client-ca`).
    public private(set) var warnings: [String] = []

    /// Where a value came from.
    public enum Source: Sendable, Equatable {
        case commandLine
        case environment(String)
        case defaultValue
    }

    init(_ program: ProgramSpec, _ command: CommandSpec, _ words: [String], environment: [String: String]) throws(CommandLineError) {
        self.command = command
        parameters = program.parameters(of: command)
        var positionals = parameters.filter(\.isPositional)
        var index = 0
        var optionsEnded = false
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--" && !optionsEnded { optionsEnded = true; continue }
            guard !optionsEnded, word.hasPrefix("-"), word != "-", !(word.dropFirst().first?.isNumber ?? false) else {
                guard !positionals.isEmpty else {
                    if program.hasSubcommands(command.path) && given.isEmpty && flags.isEmpty {
                        throw program.unknownCommand(command.path, Array(words[(index - 1)...]))
                    }
                    throw .unexpectedArgument(word)
                }
                given[positionals.removeFirst().name] = [word]
                continue
            }
            var name = String(word.drop { $0 == "-" })
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard word.hasPrefix("--"), let p = parameters.first(where: { !$0.isPositional && ($0.name == name || $0.deprecatedNames.contains(name)) }) else {
                let near = Suggestion.closest(name, among: parameters.filter { !$0.isPositional }.map(\.name) + ["help"])
                throw .unknownOption(word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word, suggestion: near.map { "--" + $0 })
            }
            if p.name != name { warnings.append("--\(name) is deprecated: use --\(p.name)") }
            if p.kind == .flag {
                guard inline == nil else { throw .unexpectedValue("--\(name)") }
                flags.insert(p.name)
                continue
            }
            guard let value = inline ?? (index < words.count ? words[index] : nil) else { throw .missingValue("--\(name)") }
            if inline == nil { index += 1 }
            guard p.choices.isEmpty || p.choices.contains(value) else { throw .invalidChoice(option: "--\(p.name)", value: value, choices: p.choices) }
            given[p.name] = p.repeatable ? given[p.name, default: []] + [value] : [value]
        }
        for p in parameters where p.kind == .option {
            for variable in [p.environmentVariable].compactMap({ $0 }) + p.deprecatedEnvironmentVariables {
                guard let value = environment[variable] else { continue }
                if variable != p.environmentVariable { warnings.append("\(variable) is deprecated: use \(p.environmentVariable ?? "--" + p.name)") }
                guard p.choices.isEmpty || p.choices.contains(value) else { throw .invalidChoice(option: variable, value: value, choices: p.choices) }
                fromEnvironment[p.name] = (variable, value)
                break
            }
        }
        if let missing = positionals.first(where: \.required) { throw .missingArgument(missing.name) }
        if let missing = parameters.first(where: { $0.kind == .option && $0.required && value($0.name) == nil }) {
            throw .missingOption("--\(missing.name)" + (missing.environmentVariable.map { " (or \($0))" } ?? ""))
        }
    }

    /// The command's words (`["member", "search"]`).
    public var path: [String] { command.path }

    /// The option's or argument's value: the command line's, else the environment's, else the table's default; nil for
    /// a name the command does not have (shared code reading an option some commands lack).
    public func value(_ name: String) -> String? {
        given[name]?.last ?? fromEnvironment[name]?.value ?? parameters.first { $0.name == name }?.defaultValue
    }

    /// The value from the command line or the environment, ignoring the default (for sources ranked in between).
    public func explicitValue(_ name: String) -> String? { given[name]?.last ?? fromEnvironment[name]?.value }

    /// Every value of a repeatable option, in command-line order.
    public func all(_ name: String) -> [String] { given[name] ?? [] }

    /// Whether the flag was given (false for a name the command does not have: shared code may ask).
    public func has(_ flag: String) -> Bool { flags.contains(flag) }

    public func source(_ name: String) -> Source? {
        if given[name] != nil { return .commandLine }
        if let e = fromEnvironment[name] { return .environment(e.variable) }
        return parameters.first { $0.name == name }?.defaultValue == nil ? nil : .defaultValue
    }
}
