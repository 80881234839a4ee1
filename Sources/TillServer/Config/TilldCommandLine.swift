import TillCommandLine
import TillProtocol

extension Setting {
    /// The setting as a command-line option: its flag, value placeholder, help, environment variable and default,
    /// with the old spellings of flag and variable accepted as deprecated.
    public var parameter: Parameter {
        .option(String(flag.dropFirst(2)), help, valueName: valueName, environment: environmentVariable,
                default: defaultValue.isEmpty ? nil : defaultValue,
                deprecatedNames: deprecatedFlag.map { [String($0.dropFirst(2))] } ?? [],
                deprecatedEnvironmentVariables: deprecatedEnvironmentVariable.map { [$0] } ?? [])
    }
}

extension ServerConfiguration {
    /// `tilld`'s command line: serving (no command) and the administrator's commands on a stopped daemon's data
    /// directory, each taking every setting of `settings` as an option.
    public static let program: ProgramSpec = {
        let options = settings.map(\.parameter)
        let deprecated = settings.compactMap { s in
            s.deprecatedFlag.map { "\n\($0) and \(s.deprecatedEnvironmentVariable ?? "") are deprecated spellings of \(s.flag) and \(s.environmentVariable)." }
        }.joined()
        return ProgramSpec(
            name: "tilld", summary: "tilld: the Till loyalty POS gateway daemon",
            version: TillRelease.versionLine(program: "tilld"),
            commands: [
                CommandSpec(path: [], summary: "serve terminals and operators", parameters: options, discussion: """
                    With no arguments tilld serves plain TCP on 127.0.0.1 from ./till-data, creating the store, a demo catalog
                    and a demo terminal key on first start. Precedence: flags > environment > --config file > defaults.
                    Signals: SIGTERM/SIGINT drain and stop (a second one exits at once); SIGHUP reloads TLS certificates.
                    """ + deprecated, examples: [
                        "tilld --config /etc/till/tilld.json",
                        "tilld --data-directory /var/lib/till --listen 0.0.0.0:7400 --tls-certificate server.pem --tls-key server.key",
                        "tilld --listen=127.0.0.1:0 --demo false --log-level debug",
                    ]),
                CommandSpec(path: ["keys", "create-operator"], summary: "daemon stopped: create the first operator key (printed once on stdout)",
                            parameters: [.argument("NAME", "the operator's name")] + options,
                            examples: ["tilld keys create-operator admin --config /etc/till/tilld.json"]),
                CommandSpec(path: ["restore"], summary: "daemon stopped: replace the store by a backup (made with till backup)",
                            parameters: [.argument("FILE", "the backup file")] + options,
                            examples: ["tilld restore /var/backups/till-2026-12-01.sqlite --data-directory /var/lib/till"]),
            ])
    }()

    /// The `--help` text of serving: every setting with its flag, environment variable and default.
    public static var usage: String {
        guard case .help(let text, _) = try? program.parse(["--help"]) else { preconditionFailure("tilld --help") }
        return text
    }

    /// Builds the configuration from `tilld`'s command line (serving, without a command) and the environment.
    public static func load(arguments: [String], environment: [String: String]) throws(ConfigurationError) -> ServerConfiguration {
        let outcome: ParseOutcome
        do { outcome = try program.parse(arguments, environment: environment) } catch { throw ConfigurationError(error) }
        switch outcome {
        case .run(let parsed) where parsed.path.isEmpty: return try load(parsed, environment: environment)
        case .run, .completion: throw .commandLine(.unexpectedArgument(arguments.first ?? ""))
        case .help: throw .helpRequested
        case .version: throw .versionRequested
        }
    }
}

extension ConfigurationError {
    /// A command-line refusal in the configuration's terms (`unknownSetting`, `missingValue`) where it has them.
    init(_ error: CommandLineError) {
        switch error {
        case .unknownOption(let name, _): self = .unknownSetting(name: name, source: "flag")
        case .missingValue(let flag): self = .missingValue(flag: flag)
        default: self = .commandLine(error)
        }
    }
}
