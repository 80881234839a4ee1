import Foundation
import Testing

/// The three programs as processes: the shared parser's refusals (exit 2, the closest spelling on standard error),
/// help, completion and deprecated spellings behave the same in each.
@Suite struct CommandLineProcessTests {
    static func run(_ program: String, _ arguments: [String]) throws -> TilldProcess.Finished {
        try TilldProcess.run(arguments, program: program)
    }

    @Test(arguments: [
        ("tilld", ["--lisen", "127.0.0.1:1"], "tilld: usage: unknown option --lisen; did you mean --listen?"),
        ("tilld", ["restor", "f.sqlite"], "did you mean: tilld restore?"),
        ("till-sim", ["run", "--server", "127.0.0.1:1", "--terminals-file", "t.json", "--duraton", "3s"], "did you mean --duration?"),
        ("till-sim", ["certs"], "till-sim: usage: --dir is required"),
        ("till", ["stats", "--jsn"], "till: usage: unknown option --jsn; did you mean --json?"),
    ])
    func usageErrorsExit2WithTheClosestSpelling(program: String, arguments: [String], message: String) throws {
        let run = try Self.run(program, arguments)
        #expect(run.status == 2 && run.err.contains(message), "\(run.err)")
    }

    @Test(arguments: ["tilld", "till", "till-sim"]) func helpAndCompletionAreBuiltIn(program: String) throws {
        let help = try Self.run(program, ["help"])
        #expect(help.status == 0 && help.out.contains("\(program) completion bash|zsh"), "\(help.out)")
        let bash = try Self.run(program, ["completion", "bash"])
        let function = "_" + program.replacingOccurrences(of: "-", with: "_")
        #expect(bash.status == 0 && bash.out.contains("complete -o default -F \(function) \(program)"))
        #expect(try Self.run(program, ["completion", "fish"]).status == 2)
    }

    @Test func tilldTakesTheDeprecatedClientCASpellingWithAWarning() throws {
        let old = try Self.run("tilld", ["--tls-client-c-a", "ca.pem"])
        #expect(old.status == 2 && old.err.contains("warning: --tls-client-c-a is deprecated: use --tls-client-ca"), "\(old.err)")
        #expect(old.err.contains("--tls-client-ca needs --tls-certificate and --tls-key"), "the value reached the setting: \(old.err)")
        let help = try Self.run("tilld", ["help", "keys", "create-operator"])
        #expect(help.status == 0 && help.out.contains("usage: tilld keys create-operator NAME") && help.out.contains("--tls-client-ca PEM"))
        #expect(!help.out.contains("--tls-client-c-a PEM"))
    }
}
