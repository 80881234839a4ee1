import TillCommandLine
import TillProtocol

// till's table: every command with its parameters, and the options every command takes. Parsing, --help,
// `till help COMMAND`, completion and suggestions all read it (through TillCommandLine).

/// Every command, in help order.
let commands: [Command] = {
    let all = MemberCommands.all + BenefitCommands.all + HistoryCommands.all + HelpDeskCommands.all + AdminCommands.all
    // Each noun's verbs together, nouns in order of first appearance.
    var nouns: [String] = []
    for c in all where !nouns.contains(c.noun) { nouns.append(c.noun) }
    return nouns.flatMap { noun in all.filter { $0.noun == noun } }
}()

/// Options every command accepts.
let globalOptions: [Parameter] = [
    .option("server", "HOST:PORT of tilld (default: config file, else 127.0.0.1:7400)", valueName: "HOST:PORT", environment: "TILL_SERVER"),
    .option("tls-ca", "CA certificate (PEM) to verify the server with: connects over TLS", valueName: "FILE"),
    .option("config", "config file (default ~/.config/till/cli.json: {\"server\", \"operatorKey\", \"tlsCA\"})", valueName: "FILE"),
    .flag("json", "print JSON for scripts instead of tables (errors too, on standard error)"),
]

let exitCodes = """
    exit codes: 0 ok, 2 usage or invalid input, 3 not found, 4 refused by a rule (not_allowed, insufficient_balance,
    already_exists, member_blocked, …; an import with refused rows), 5 connection or authentication, 6 server or storage
    failure. With --json an error is {"error": wire code, "message", "exitCode"} on standard error.
    The operator key comes from TILL_OPERATOR_KEY, else the config file; it is never printed.
    """

/// `till`'s whole command line.
let program = ProgramSpec(
    name: "till", summary: "till: the operator's command line for tilld", version: TillRelease.versionLine(program: "till"),
    commands: commands.map(\.spec), globalParameters: globalOptions, footer: exitCodes, jsonErrorFlag: "json")
