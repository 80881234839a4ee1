/// Why a command line was refused. Every case is a usage error: the program exits 2.
public enum CommandLineError: Error, Equatable, CustomStringConvertible {
    /// Words that name no command; `suggestion` is the closest whole command line (`till member show`).
    case unknownCommand(String, suggestion: String?)
    /// `--limt`; `suggestion` is the closest option (`--limit`).
    case unknownOption(String, suggestion: String?)
    case missingValue(String)
    /// A flag given a value (`--verify=yes`).
    case unexpectedValue(String)
    case unexpectedArgument(String)
    /// A positional argument not given (`MEMBER`).
    case missingArgument(String)
    /// A required option not given (`--server`, or `--server (or TILL_SERVER)`).
    case missingOption(String)
    case invalidChoice(option: String, value: String, choices: [String])
    case invalidValue(option: String, value: String, expected: String)
    /// Options that cannot go together, or one of several that must be given.
    case conflicting(String)

    /// What a usage error exits with.
    public var exitCode: Int32 { 2 }

    public var description: String {
        switch self {
        case .unknownCommand(let words, let suggestion): "unknown command \(words)" + (suggestion.map { "; did you mean: \($0)?" } ?? "")
        case .unknownOption(let option, let suggestion): "unknown option \(option)" + (suggestion.map { "; did you mean \($0)?" } ?? "")
        case .missingValue(let option): "\(option) needs a value"
        case .unexpectedValue(let option): "\(option) takes no value"
        case .unexpectedArgument(let word): "unexpected argument \(word)"
        case .missingArgument(let name): "missing \(name)"
        case .missingOption(let option): "\(option) is required"
        case .invalidChoice(let option, let value, let choices): "\(option) \(value): must be one of \(choices.joined(separator: ", "))"
        case .invalidValue(let option, let value, let expected): "\(option) \(value): expected \(expected)"
        case .conflicting(let what): what
        }
    }
}

/// How a program reports a failure on standard error: `PROGRAM: message` for people, or with the program's JSON flag
/// one object `{"error": code, "message", "exitCode"}` for scripts.
public enum Diagnostic {
    public static func text(program: String, code: String, message: String, exitCode: Int32, json: Bool) -> String {
        json ? "{\"error\":\(quoted(code)),\"message\":\(quoted(message)),\"exitCode\":\(exitCode)}" : "\(program): \(message)"
    }

    /// A JSON string literal (RFC 8259 escapes).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
