import TillClient
import TillCommandLine
import TillCore
import TillProtocol

/// What a command gets: its parsed parameters, and a way to talk to the server.
struct Invocation: Sendable {
    let parsed: ParsedCommand
    let connect: @Sendable () throws(CLIError) -> TillClient

    func value(_ name: String) -> String? { parsed.value(name) }
    /// A parameter the parser already checked to be present.
    func required(_ name: String) -> String {
        guard let v = parsed.value(name) else { preconditionFailure("\(name) is required by the table") }
        return v
    }
    func int(_ name: String) throws(CLIError) -> Int64? {
        guard let text = value(name) else { return nil }
        guard let n = Int64(text) else { throw .usage("--\(name) must be a whole number") }
        return n
    }
    func has(_ flag: String) -> Bool { parsed.has(flag) }

    /// Sends one operator request and answers the typed response.
    func perform(_ request: OperatorRequest) throws(CLIError) -> OperatorResponse {
        let client = try connect()
        defer { client.close() }
        do { return try client.perform(request) } catch { throw .client(error) }
    }
}

/// One `till <noun> <verb>`: its help, its parameters, and what it does.
struct Command: Sendable {
    var noun: String
    var verb: String
    var summary: String
    var parameters: [Parameter] = []
    /// How long to wait for the answer (a backup of a large store takes minutes).
    var timeout: Duration = .seconds(10)
    /// Whole command lines shown in help (and parsed by the tests against this table).
    var examples: [String] = []
    /// Builds the request, runs it and answers what to print.
    var run: @Sendable (Invocation) throws(CLIError) -> Output
}

extension Command {
    /// The command's row in the program's table: the shared parser reads it.
    var spec: CommandSpec { CommandSpec(path: [noun, verb].filter { !$0.isEmpty }, summary: summary, parameters: parameters, examples: examples) }
}

/// What a command prints: a table (or text) for people, JSON for scripts.
struct Output: Sendable {
    var human: String
    var json: String
    /// What the process exits with once the output is printed (4: the command ran but refused some of its input).
    var exitCode: Int32 = 0
}

/// Why the CLI stopped, and the exit code that says so.
enum CLIError: Error {
    case usage(String)
    case client(ClientError)
    case config(String)
    case file(String)

    /// 2 usage, 3 not found, 4 refused by a rule, 5 connection or authentication, 6 server or storage.
    var exitCode: Int32 {
        switch self {
        case .usage, .file: 2
        case .config: 5
        case .client(let error):
            switch error {
            case .connection, .closed: 5
            case .protocolViolation: 6
            case .refused(let e):
                switch e {
                case .invalidRequest, .invalidFrame, .unsupportedVersion: 2
                case .notFound, .memberNotFound, .transactionNotFound: 3
                case .unauthenticated, .forbidden: 5
                case .storageFailure, .overloaded, .shuttingDown: 6
                default: 4
                }
            }
        }
    }

    /// The wire error code of a refusal (`not_found`, `forbidden`, …); for failures before or outside the wire:
    /// `usage`, `configuration`, `file`, `connection`, `protocol_violation`.
    var code: String {
        switch self {
        case .usage: "usage"
        case .config: "configuration"
        case .file: "file"
        case .client(.refused(let e)): e.code
        case .client(.connection), .client(.closed): "connection"
        case .client(.protocolViolation): "protocol_violation"
        }
    }

    /// One line saying what went wrong, with a single prefix: the server's message when it already names its kind
    /// (`forbidden: …`, `invalid frame: …`), else the wire code before it.
    var message: String {
        switch self {
        case .usage(let m): "usage: \(m)"
        case .config(let m): "configuration: \(m)"
        case .file(let m): m
        case .client(.refused(let e)):
            e.message.hasPrefix(e.code.replacingOccurrences(of: "_", with: " ")) || e.code == "unauthenticated" ? e.message : "\(e.code): \(e.message)"
        case .client(let e): e.description
        }
    }
}
