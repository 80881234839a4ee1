import Foundation

extension ProgramSpec {
    /// Reads the process's command line: answers the command to run, or prints what was asked for and exits — help
    /// (0; 2 when a command was missing), `--version`, a completion script — or prints the refusal on standard error
    /// and exits 2 (as JSON when the program's JSON flag is given).
    public func parseOrExit(_ arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> ParsedCommand {
        do {
            switch try parse(arguments, environment: environment) {
            case .run(let parsed):
                for warning in parsed.warnings { FileHandle.standardError.write(Data("\(name): warning: \(warning)\n".utf8)) }
                return parsed
            case .help(let text, let exitCode):
                print(text)
                exit(exitCode)
            case .version(let line):
                print(line)
                exit(0)
            case .completion(let script):
                print(script)
                exit(0)
            }
        } catch {
            FileHandle.standardError.write(Data((refusal(error, arguments: arguments) + "\n").utf8))
            exit(error.exitCode)
        }
    }

    /// The line a refused command line prints: `till: usage: unknown option --limt; did you mean --limit?`.
    public func refusal(_ error: CommandLineError, arguments: [String]) -> String {
        let json = jsonErrorFlag.map { arguments.contains("--" + $0) } ?? false
        var message = "usage: \(error)"
        switch error {
        case .unknownCommand(_, suggestion: nil), .unknownOption(_, suggestion: nil), .unexpectedArgument, .missingArgument:
            message += " (see \(name) --help)"
        default: break
        }
        return Diagnostic.text(program: name, code: "usage", message: message, exitCode: error.exitCode, json: json)
    }
}
