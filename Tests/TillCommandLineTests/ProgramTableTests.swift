import Foundation
import Testing
import TillCommandLine
@testable import TillServer
@testable import TillSimulation
@testable import till

/// Each program's own table: its help examples parse, its help lists every option, typos get suggestions.
@Suite struct ProgramTableTests {
    static let programs: [ProgramSpec] = [till.program, ServerConfiguration.program, SimulatorCommandLine.program]

    /// A help example as a shell would split it (double quotes group words).
    static func words(_ line: String) -> [String] {
        var words: [String] = [], current = "", quoted = false, inWord = false
        for c in line {
            if c == "\"" { quoted.toggle(); inWord = true } else if c == " " && !quoted {
                if inWord { words.append(current) }
                current = ""; inWord = false
            } else { current.append(c); inWord = true }
        }
        if inWord { words.append(current) }
        return words
    }

    @Test(arguments: programs.map(\.name)) func everyHelpExampleParsesAsItsCommand(name: String) throws {
        let program = try #require(Self.programs.first { $0.name == name })
        let examples = program.commands.flatMap { c in c.examples.map { (c, $0) } }
        #expect(examples.count >= 3, "\(name) shows too few examples")
        for (command, example) in examples {
            let words = Self.words(example)
            #expect(words.first == name, "\(example)")
            let outcome = try program.parse(Array(words.dropFirst()), environment: [:])
            guard case .run(let parsed) = outcome else { Issue.record("\(example) did not parse as a command: \(outcome)"); continue }
            #expect(parsed.path == command.path, "\(example)")
            #expect(parsed.warnings.isEmpty, "\(example) uses a deprecated spelling")
        }
    }

    @Test(arguments: programs.map(\.name)) func helpListsEveryParameterOfTheTable(name: String) throws {
        let program = try #require(Self.programs.first { $0.name == name })
        for command in program.commands {
            guard case .help(let page, 0) = try program.parse(["help"] + command.path) else { Issue.record("no help for \(command.path)"); continue }
            #expect(page.contains("usage: \(([name] + command.path).joined(separator: " "))"))
            for p in command.parameters + program.globalParameters {
                #expect(page.contains("  " + p.displayName + (p.kind == .option ? " " + p.valueName : "")), "\(name) \(command.path): \(p.name)")
                if let variable = p.environmentVariable { #expect(page.contains("env \(variable)"), "\(variable)") }
                for old in p.deprecatedNames { #expect(!page.contains("  --\(old) "), "deprecated --\(old) shown") }
            }
            for example in command.examples { #expect(page.contains(example)) }
        }
        guard case .completion(let bash) = try program.parse(["completion", "bash"]) else { Issue.record("no completion"); return }
        for command in program.commands where !command.path.isEmpty {
            #expect(bash.contains("\"\(command.path.joined(separator: " "))\")"), "\(command.path) not completed")
        }
    }

    @Test(arguments: [
        ("till", ["member", "search", "x", "--limt", "3"], CommandLineError.unknownOption("--limt", suggestion: "--limit")),
        ("till", ["memebr", "show", "M1"], .unknownCommand("memebr show", suggestion: "till member show")),
        ("till", ["member", "show"], .missingArgument("MEMBER")),
        ("till", ["purchase", "show", "T-1", "--pos", "P1"], .missingOption("--branch")),
        ("tilld", ["--lisen", "127.0.0.1:1"], .unknownOption("--lisen", suggestion: "--listen")),
        ("tilld", ["--max-frame-bytes"], .missingValue("--max-frame-bytes")),
        ("tilld", ["restor", "f"], .unknownCommand("restor", suggestion: "tilld restore")),
        ("tilld", ["help", "restor"], .unknownCommand("restor", suggestion: "tilld restore")),
        ("till-sim", ["run", "--server", "h:1", "--terminals-file", "t", "--duraton", "3s"], .unknownOption("--duraton", suggestion: "--duration")),
        ("till-sim", ["sed"], .unknownCommand("sed", suggestion: "till-sim seed")),
        ("till-sim", ["certs"], .missingOption("--dir")),
    ])
    func refusalsNameTheMistakeAndTheClosestFix(name: String, words: [String], expected: CommandLineError) throws {
        let program = try #require(Self.programs.first { $0.name == name })
        #expect(throws: expected) { try program.parse(words, environment: [:]) }
    }

    @Test func tilldFlagsComeFromTheSettingsTable() throws {
        let names = ServerConfiguration.program.command([])!.parameters.map(\.name)
        #expect(names == ServerConfiguration.settings.map { String($0.flag.dropFirst(2)) })
        let ca = try #require(ServerConfiguration.settings.first { $0.key == "tlsClientCA" })
        #expect(ca.flag == "--tls-client-ca" && ca.environmentVariable == "TILL_TLS_CLIENT_CA")
        #expect(ca.deprecatedFlag == "--tls-client-c-a" && ca.deprecatedEnvironmentVariable == "TILL_TLS_CLIENT_C_A")
        #expect(Setting.words(of: "tlsCAFile") == ["tls", "ca", "file"] && Setting.words(of: "maxFrameBytes") == ["max", "frame", "bytes"])
        #expect(ServerConfiguration.settings.filter { $0.deprecatedFlag != nil }.map(\.key) == ["tlsClientCA"])
        // The new and the deprecated spellings reach the same setting, through the flag and the environment.
        let tls = ["--tls-certificate", "c.pem", "--tls-key", "k.pem"]
        #expect(try ServerConfiguration.load(arguments: tls + ["--tls-client-ca", "a.pem"], environment: [:]).tlsClientCA == "a.pem")
        #expect(try ServerConfiguration.load(arguments: tls + ["--tls-client-c-a", "b.pem"], environment: [:]).tlsClientCA == "b.pem")
        #expect(try ServerConfiguration.load(arguments: tls, environment: ["TILL_TLS_CLIENT_CA": "c.pem"]).tlsClientCA == "c.pem")
        #expect(try ServerConfiguration.load(arguments: tls, environment: ["TILL_TLS_CLIENT_C_A": "d.pem"]).tlsClientCA == "d.pem")
        #expect(ConfigurationError.unknownSetting(name: "--lisen", source: "flag").description.hasSuffix("did you mean --listen?"))
        #expect(ConfigurationError.unknownSetting(name: "lisen", source: "file x").description.hasSuffix("did you mean listen?"))
    }

    @Test func tillsServerComesFromTheFlagThenTheEnvironment() throws {
        guard case .run(let parsed) = try till.program.parse(["stats"], environment: ["TILL_SERVER": "h:9"]) else { Issue.record("no run"); return }
        #expect(parsed.explicitValue("server") == "h:9" && parsed.source("server") == .environment("TILL_SERVER"))
        guard case .run(let flag) = try till.program.parse(["stats", "--server", "f:1"], environment: ["TILL_SERVER": "h:9"]) else { return }
        #expect(flag.explicitValue("server") == "f:1")
    }

    /// The generated scripts complete in a real bash: commands level by level, options, an option's choices.
    @Test(arguments: [
        ("tilld", "tilld res", 1, "restore"), ("tilld", "tilld keys cr", 2, "create-operator"),
        ("tilld", "tilld --log-l", 1, "--log-level"), ("tilld", "tilld restore f.sqlite --data-d", 3, "--data-directory"),
        ("tilld", "tilld help keys cr", 3, "create-operator"),
        ("till-sim", "till-sim run --dura", 2, "--duration"), ("till-sim", "till-sim run --chaos k", 3, "kill"),
        ("till-sim", "till-sim help se", 2, "seed"), ("till-sim", "till-sim completion z", 2, "zsh"),
        ("till", "till member show M1 --js", 4, "--json"), ("till", "till benefit list M1 --kind p", 5, "punchCard"),
    ])
    func completionInBash(name: String, line: String, index: Int, expected: String) throws {
        let program = try #require(Self.programs.first { $0.name == name })
        guard case .completion(let script) = try program.parse(["completion", "bash"]) else { Issue.record("no script"); return }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("completion-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).bash")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let function = "_" + name.replacingOccurrences(of: "-", with: "_")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "source \(file.path); COMP_WORDS=(\(line)); COMP_CWORD=\(index); \(function); echo \"${COMPREPLY[*]}\""]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == expected, "\(line)")
    }
}
