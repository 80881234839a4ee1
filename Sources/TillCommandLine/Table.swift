/// One option, flag or positional argument of a command: the single row that both `--help` and the parser read.
///
/// Guarantees: an option's value comes from the command line, else its environment variable, else its default, and
/// the help shows all three; a deprecated spelling is accepted but never shown in help or completion.
public struct Parameter: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A positional argument: `name` is its placeholder (`MEMBER`).
        case argument
        /// `--name VALUE` (or `--name=VALUE`).
        case option
        /// `--name`, taking no value.
        case flag
    }

    public var kind: Kind
    /// The option's name without dashes (`max-frame-bytes`), or an argument's placeholder.
    public var name: String
    public var help: String
    /// The placeholder of an option's value in help (`HOST:PORT`); the choices when there are some.
    public var valueName: String
    public var required: Bool
    /// Allowed values, shown in help and completion and checked by the parser.
    public var choices: [String]
    /// Read when the option is not on the command line (`TILL_SERVER`).
    public var environmentVariable: String?
    /// Used when neither the command line nor the environment gives a value.
    public var defaultValue: String?
    /// May be given several times; every value is kept in order (`ParsedCommand.all`).
    public var repeatable: Bool
    /// Old spellings of the option (without dashes), still accepted with a warning.
    public var deprecatedNames: [String]
    /// Old spellings of the environment variable, read when the current one is unset.
    public var deprecatedEnvironmentVariables: [String]

    public static func argument(_ name: String, _ help: String, required: Bool = true) -> Parameter {
        Parameter(kind: .argument, name: name, help: help, valueName: name, required: required, choices: [], environmentVariable: nil,
                  defaultValue: nil, repeatable: false, deprecatedNames: [], deprecatedEnvironmentVariables: [])
    }

    public static func option(_ name: String, _ help: String, valueName: String = "VALUE", required: Bool = false, choices: [String] = [],
                              environment: String? = nil, default defaultValue: String? = nil, repeatable: Bool = false,
                              deprecatedNames: [String] = [], deprecatedEnvironmentVariables: [String] = []) -> Parameter {
        Parameter(kind: .option, name: name, help: help, valueName: choices.isEmpty ? valueName : choices.joined(separator: "|"),
                  required: required, choices: choices, environmentVariable: environment, defaultValue: defaultValue,
                  repeatable: repeatable, deprecatedNames: deprecatedNames, deprecatedEnvironmentVariables: deprecatedEnvironmentVariables)
    }

    public static func flag(_ name: String, _ help: String) -> Parameter {
        Parameter(kind: .flag, name: name, help: help, valueName: "", required: false, choices: [], environmentVariable: nil,
                  defaultValue: nil, repeatable: false, deprecatedNames: [], deprecatedEnvironmentVariables: [])
    }

    public var isPositional: Bool { kind == .argument }
    /// `--name` for options and flags, the placeholder for arguments.
    public var displayName: String { isPositional ? name : "--" + name }
}

/// One command of a program: the words that name it, what it does, and its parameters.
public struct CommandSpec: Sendable {
    /// The words naming the command (`["member", "search"]`); empty for a program that runs without a command.
    public var path: [String]
    public var summary: String
    public var parameters: [Parameter]
    /// Paragraphs shown after the options in the command's help.
    public var discussion: String
    /// Whole command lines, program name first, shown in help; tests parse each one with this table.
    public var examples: [String]

    public init(path: [String], summary: String, parameters: [Parameter] = [], discussion: String = "", examples: [String] = []) {
        self.path = path
        self.summary = summary
        self.parameters = parameters
        self.discussion = discussion
        self.examples = examples
    }
}

/// A program's whole command line as one table: its commands, the options every command takes, and the text around
/// them. Parsing, `--help`, `help COMMAND`, shell completion and suggestions for typos are all derived from it.
///
/// Built in for every program: `--help` / `-h` anywhere, `help [COMMAND]`, `--version` (without a command),
/// `completion bash|zsh`, and `--` ending the options.
public struct ProgramSpec: Sendable {
    public var name: String
    public var summary: String
    /// The line `--version` prints.
    public var version: String
    public var commands: [CommandSpec]
    /// Options every command accepts (listed once, as global options).
    public var globalParameters: [Parameter]
    /// Text at the end of every help page (exit codes, where keys come from).
    public var footer: String
    /// A global flag asking for errors as JSON on standard error (`json` for `--json`); nil when the program has none.
    public var jsonErrorFlag: String?

    public init(name: String, summary: String, version: String, commands: [CommandSpec], globalParameters: [Parameter] = [],
                footer: String = "", jsonErrorFlag: String? = nil) {
        self.name = name
        self.summary = summary
        self.version = version
        self.commands = commands
        self.globalParameters = globalParameters
        self.footer = footer
        self.jsonErrorFlag = jsonErrorFlag
        for command in commands {
            precondition(!["help", "completion"].contains(command.path.first ?? ""), "\(name): `\(command.path.first!)` is built in")
            precondition(commands.filter({ $0.path == command.path }).count == 1, "\(name): two commands named \(command.path)")
            let names = (command.parameters + globalParameters).filter { !$0.isPositional }.flatMap { [$0.name] + $0.deprecatedNames }
            precondition(Set(names).count == names.count && !names.contains("help"), "\(name) \(command.path): an option is listed twice")
        }
    }

    public func command(_ path: [String]) -> CommandSpec? { commands.first { $0.path == path } }

    /// The commands whose path starts with `prefix` (the prefix itself included when it is a command).
    func commands(under prefix: [String]) -> [CommandSpec] { commands.filter { $0.path.starts(with: prefix) } }

    /// True when some command's path extends `prefix` by at least one word.
    func hasSubcommands(_ prefix: [String]) -> Bool { commands.contains { $0.path.count > prefix.count && $0.path.starts(with: prefix) } }

    /// The longest command path.
    var depth: Int { commands.map(\.path.count).max() ?? 0 }

    /// The options and arguments a command accepts: its own, then the global ones.
    func parameters(of command: CommandSpec) -> [Parameter] { command.parameters + globalParameters }
}
