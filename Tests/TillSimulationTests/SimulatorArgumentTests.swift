import Testing
import TillCommandLine
@testable import TillSimulation

/// `till-sim`'s options as its commands read them, through its table in the shared parser.
@Suite struct SimulatorArgumentTests {
    func run(_ words: [String], environment: [String: String] = [:]) throws -> ParsedCommand {
        guard case .run(let parsed) = try SimulatorCommandLine.program.parse(words, environment: environment) else {
            throw CommandLineError.conflicting("not a command")
        }
        return parsed
    }

    @Test func optionsFlagsAndErrors() throws {
        let o = try run(["run", "--server", "127.0.0.1:7400", "--terminals-file", "t.json", "--rate=500", "--verify",
                         "--tilld-arg", "a", "--tilld-arg", "b"])
        let rate = try o.double("rate")
        #expect(o.value("server") == "127.0.0.1:7400" && rate == 500 && o.has("verify"))
        #expect(o.all("tilld-arg") == ["a", "b"])
        let pipeline = try o.int("pipeline", range: 1...64), timeout = try o.duration("connect-timeout")
        #expect(pipeline == 1 && o.value("mix") == "standard" && timeout == .seconds(60))
        #expect(throws: CommandLineError.unknownOption("--nope", suggestion: nil)) { try run(["certs", "--dir", "d", "--nope"]) }
        #expect(throws: CommandLineError.missingValue("--server")) { try run(["seed", "--server"]) }
        #expect(throws: CommandLineError.missingOption("--server")) { try run(["seed"]) }
        #expect(throws: CommandLineError.invalidChoice(option: "--chaos", value: "fire", choices: ["kill", "disconnect"])) {
            try run(["run", "--server", "h:1", "--terminals-file", "t", "--chaos", "fire"])
        }
        let bad = try run(["seed", "--server", "h:1", "--members", "ten"])
        #expect(throws: CommandLineError.self) { try bad.int("members") }
        #expect(try run(["seed", "--server", "h:1", "--members", "100_000"]).int("members") == 100_000)
        #expect(try run(["seed", "--server", "h:1"], environment: ["TILL_OPERATOR_KEY": "k"]).value("operator-key") == "k")
    }

    @Test func durationsAndAddresses() throws {
        #expect(ParsedCommand.parseDuration("30s") == .seconds(30))
        #expect(ParsedCommand.parseDuration("2m") == .seconds(120))
        #expect(ParsedCommand.parseDuration("500ms") == .milliseconds(500))
        #expect(ParsedCommand.parseDuration("7") == .seconds(7))
        #expect(ParsedCommand.parseDuration("x") == nil && ParsedCommand.parseDuration("0s") == nil)
        #expect(try HostPort(parsing: "[::1]:7400") == HostPort(host: "::1", port: 7400))
        #expect(throws: CommandLineError.self) { try HostPort(parsing: "localhost") }
    }
}
